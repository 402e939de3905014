import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a bucket straight into s3rver's filesystem store (node_modules/s3rver/lib/stores/filesystem.js),
 * before the S3 server starts on that directory: a bucket is a directory, an object `a/b/c` is
 * `a/b/c._S3rver_object` with its MD5 (the ETag) in `c._S3rver_object.md5` and its headers in
 * `c._S3rver_metadata.json`. Keys are `k/<ddd>/<nnnnnnn>`, 1,000 per directory: s3rver's listing walks
 * directories in order and skips those before the continuation key, so a listing page stays cheap
 * however large the bucket.
 */
export interface SeededBucket {
  readonly bucket: string;
  readonly keys: string[];
  readonly totalBytes: number;
}

export function seededKey(index: number): string {
  return `k/${String(Math.floor(index / 1000)).padStart(3, '0')}/${String(index).padStart(7, '0')}`;
}

/** Object sizes: 100..1,099 bytes, deterministic per index. */
export function seededSize(index: number): number {
  return 100 + ((index * 7919) % 1000);
}

export function seedS3Bucket(s3DataDir: string, bucket: string, objects: number): SeededBucket {
  const bucketDir = join(s3DataDir, bucket);
  mkdirSync(bucketDir, { recursive: true });
  const md5BySize = new Map<number, string>();
  const keys: string[] = [];
  let totalBytes = 0;
  const metadata = JSON.stringify({ 'content-type': 'application/octet-stream' }, null, 2);
  for (let i = 0; i < objects; i++) {
    const key = seededKey(i);
    const size = seededSize(i);
    const body = Buffer.alloc(size, 120); // 'x' * size
    let md5 = md5BySize.get(size);
    if (!md5) {
      md5 = createHash('md5').update(body).digest('hex');
      md5BySize.set(size, md5);
    }
    const parts = key.split('/');
    const name = parts.pop() as string;
    const dir = join(bucketDir, ...parts);
    if (i % 1000 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}._S3rver_object`), body);
    writeFileSync(join(dir, `${name}._S3rver_object.md5`), md5);
    writeFileSync(join(dir, `${name}._S3rver_metadata.json`), metadata);
    keys.push(key);
    totalBytes += size;
  }
  return { bucket, keys, totalBytes };
}
