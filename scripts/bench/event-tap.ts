import type { EmbeddedS3, S3EventRecord } from '../../emulator/s3/server.ts';
import { type ObjectChange, parseRecord } from '../../handlers/tracking/s3-event.ts';

/**
 * The embedded S3's event records, as the tracker would receive them, matched to the request that
 * made them: `next(bucket, key)` resolves with the next record for that object (already arrived or
 * still to come).
 */
export class EventTap {
  private readonly arrived = new Map<string, ObjectChange[]>();
  private readonly waiting = new Map<string, (change: ObjectChange) => void>();
  private readonly unsubscribe: () => void;

  constructor(s3: EmbeddedS3) {
    this.unsubscribe = s3.onEvent((record: S3EventRecord) => {
      // the emulator's record type is S3's notification record; parseRecord takes aws-lambda's
      const parsed = parseRecord(record as unknown as Parameters<typeof parseRecord>[0]);
      if (!parsed.ok) return;
      const id = `${parsed.change.bucket}\n${parsed.change.key}`;
      const resolve = this.waiting.get(id);
      if (resolve) {
        this.waiting.delete(id);
        resolve(parsed.change);
      } else {
        this.arrived.set(id, [...(this.arrived.get(id) ?? []), parsed.change]);
      }
    });
  }

  next(bucket: string, key: string, timeoutMs = 30_000): Promise<ObjectChange> {
    const id = `${bucket}\n${key}`;
    const queued = this.arrived.get(id);
    if (queued && queued.length > 0) {
      const change = queued.shift() as ObjectChange;
      if (queued.length === 0) this.arrived.delete(id);
      return Promise.resolve(change);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no S3 event for s3://${bucket}/${key} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (change) => {
        clearTimeout(timer);
        resolve(change);
      });
    });
  }

  close(): void {
    this.unsubscribe();
  }
}
