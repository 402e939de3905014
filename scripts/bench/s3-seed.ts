import { seedObjects } from '../../emulator/s3/seed.ts';

/**
 * Writes a bucket straight into the embedded S3's data directory (emulator/s3/seed.ts) before the S3
 * server starts on it. Keys are `k/<ddd>/<nnnnnnn>`; bodies of one size share one stored file.
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
  const keys: string[] = [];
  let totalBytes = 0;
  function* generate() {
    for (let i = 0; i < objects; i++) {
      const key = seededKey(i);
      const size = seededSize(i);
      keys.push(key);
      totalBytes += size;
      yield { key, body: Buffer.alloc(size, 120) }; // 'x' * size
    }
  }
  seedObjects(s3DataDir, bucket, generate());
  return { bucket, keys, totalBytes };
}
