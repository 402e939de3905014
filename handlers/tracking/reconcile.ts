import { setTimeout as sleep } from 'node:timers/promises';
import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { contribution, type LedgerEntry } from './ledger.ts';
import type { LedgerStore, LedgerWrite, Totals } from './ledger-store.ts';
import { backoffMs } from './tracker.ts';

export interface ListedObject {
  readonly sizeBytes: number;
  readonly eTag: string | null;
}

export interface ReconcileReport {
  readonly bucket: string;
  readonly listedObjects: number;
  readonly listedBytes: number;
  /** Totals before and after; `drift` is what the listing said minus what the tracker had. */
  readonly before: { readonly sizeBytes: number; readonly objectCount: number };
  readonly after: { readonly sizeBytes: number; readonly objectCount: number };
  readonly drift: { readonly bytes: number; readonly objects: number };
  readonly correctedEntries: number;
  /** Entries written after the listing started: events got there first, so they are left alone. */
  readonly skippedAsNewer: number;
}

// One transaction holds at most 100 items: the totals, a history point and its 7 roll-ups leave 91.
const correctionsPerCommit = 90;

/**
 * Correction of one ledger entry from what a listing saw (pure). A listed object the ledger lacks
 * or sizes differently becomes present; a present entry the listing lacks becomes deleted.
 * The sequencer is kept so that only events newer than the last applied one can change it again.
 */
export function correctEntry(
  key: string,
  prior: LedgerEntry | undefined,
  listed: ListedObject | undefined,
  reconciledAt: string,
): LedgerEntry | null {
  const present = prior?.state === 'present';
  if (listed) {
    if (present && prior.sizeBytes === listed.sizeBytes) return null;
  } else if (!present) {
    return null;
  }
  return {
    key,
    state: listed ? 'present' : 'deleted',
    sizeBytes: listed?.sizeBytes ?? 0,
    eTag: listed?.eTag ?? null,
    contentType: listed && prior?.eTag === listed.eTag ? (prior?.contentType ?? null) : null,
    sequencer: prior?.sequencer ?? '',
    eventName: 'Reconciliation',
    eventTime: reconciledAt,
    version: (prior?.version ?? 0) + 1,
  };
}

/** Recounts a bucket from a full listing and corrects the ledger and totals where they drifted. */
export class Reconciler {
  constructor(
    private readonly s3: S3Client,
    private readonly store: LedgerStore,
    private readonly now: () => number = Date.now,
  ) {}

  async reconcile(bucket: string): Promise<ReconcileReport> {
    const startedAtMs = this.now();
    const listing = await this.list(bucket);
    const ledger = new Map<string, LedgerEntry>();
    for await (const entry of this.store.entries(bucket)) ledger.set(entry.key, entry);

    const reconciledAt = new Date(startedAtMs).toISOString();
    const keys = new Set([...listing.keys(), ...ledger.keys()]);
    const toFix: string[] = [];
    let skippedAsNewer = 0;
    for (const key of keys) {
      const prior = ledger.get(key);
      if (!correctEntry(key, prior, listing.get(key), reconciledAt)) continue;
      if ((prior?.appliedAtMs ?? 0) >= startedAtMs) skippedAsNewer++;
      else toFix.push(key);
    }

    const initial = (await this.store.readConsistent(bucket, [], this.now())).totals;
    let corrected = 0;
    for (let i = 0; i < toFix.length; i += correctionsPerCommit) {
      corrected += await this.commitChunk(
        bucket,
        toFix.slice(i, i + correctionsPerCommit),
        listing,
        startedAtMs,
      );
    }
    let final = (await this.store.readConsistent(bucket, [], this.now())).totals;
    if (!final) final = await this.startTracking(bucket);

    let listedBytes = 0;
    for (const object of listing.values()) listedBytes += object.sizeBytes;
    const before = { sizeBytes: initial?.sizeBytes ?? 0, objectCount: initial?.objectCount ?? 0 };
    return {
      bucket,
      listedObjects: listing.size,
      listedBytes,
      before,
      after: { sizeBytes: final.sizeBytes, objectCount: final.objectCount },
      drift: { bytes: listedBytes - before.sizeBytes, objects: listing.size - before.objectCount },
      correctedEntries: corrected,
      skippedAsNewer,
    };
  }

  private async list(bucket: string): Promise<Map<string, ListedObject>> {
    const listing = new Map<string, ListedObject>();
    for await (const page of paginateListObjectsV2({ client: this.s3 }, { Bucket: bucket })) {
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        listing.set(object.Key, {
          sizeBytes: object.Size ?? 0,
          eTag: object.ETag?.replace(/"/g, '') ?? null,
        });
      }
    }
    return listing;
  }

  /** Re-reads the chunk's entries and commits their corrections with one history point; retries on conflict. */
  private async commitChunk(
    bucket: string,
    keys: readonly string[],
    listing: ReadonlyMap<string, ListedObject>,
    startedAtMs: number,
  ): Promise<number> {
    let notBeforeMs = 0;
    for (let attempt = 1; ; attempt++) {
      const snapshot = await this.store.readConsistent(bucket, keys, Math.max(this.now(), notBeforeMs));
      const writes: LedgerWrite[] = [];
      let bytes = 0;
      let objects = 0;
      for (const key of keys) {
        const prior = snapshot.entries.get(key);
        if ((prior?.appliedAtMs ?? 0) >= startedAtMs) continue;
        const next = correctEntry(key, prior, listing.get(key), new Date(startedAtMs).toISOString());
        if (!next) continue;
        writes.push({ prior, next });
        bytes += contribution(next).bytes - contribution(prior).bytes;
        objects += contribution(next).objects - contribution(prior).objects;
      }
      if (writes.length === 0) return 0;
      const result = await this.store.commit({
        bucket,
        writes,
        delta: { bytes, objects },
        snapshot,
        cause: 'Reconciliation',
      });
      if (result.status === 'committed') return writes.length;
      if (attempt >= 30)
        throw new Error(`reconciliation of ${bucket} kept conflicting with concurrent events; run it again`);
      if (result.status === 'reread') notBeforeMs = result.atMs;
      else await sleep(backoffMs(attempt));
    }
  }

  /** A bucket seen for the first time with nothing in it still gets totals and a first point at zero. */
  private async startTracking(bucket: string): Promise<Totals> {
    const started = await this.store.startTotals(bucket, this.now());
    return started ?? { sizeBytes: 0, objectCount: 0, revision: 0, lastPointMs: 0 };
  }
}
