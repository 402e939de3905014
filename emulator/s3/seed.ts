/**
 * Writes objects straight into an embedded S3 data directory before its server starts (benchmarks
 * seed large buckets this way instead of uploading them). Sends no events: the objects were there
 * before anyone listened.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SequencerGenerator } from './event-records.ts';
import { Store } from './store.ts';

export interface SeedObject {
  key: string;
  body: Buffer;
  contentType?: string;
}

export function seedObjects(dataDir: string, bucket: string, objects: Iterable<SeedObject>): void {
  mkdirSync(dataDir, { recursive: true });
  const sequencers = new SequencerGenerator();
  const store = new Store({
    directory: dataDir,
    now: Date.now,
    nextSequencer: () => sequencers.next(),
    syncWrites: false,
  });
  try {
    if (!store.findBucket(bucket)) store.createBucket(bucket);
    const written = new Set<string>();
    for (const object of objects) {
      const blob = createHash('sha256').update(object.body).digest('hex');
      if (!written.has(blob)) {
        const path = store.blobs.path(blob);
        if (!existsSync(path)) {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, object.body);
        }
        written.add(blob);
      }
      const etag = `"${createHash('md5').update(object.body).digest('hex')}"`;
      store.putVersion(
        bucket,
        object.key,
        {
          size: object.body.length,
          etag,
          blob,
          metadata: { contentType: object.contentType ?? 'application/octet-stream', headers: {}, user: {} },
          tags: {},
        },
        'ObjectCreated:Put',
      );
    }
    store.setMeta('sequencer', sequencers.last);
  } finally {
    store.close();
  }
}
