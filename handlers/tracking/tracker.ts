import { setTimeout as sleep } from 'node:timers/promises';
import { decide, type TotalsDelta } from './ledger.ts';
import type { LedgerStore, Totals } from './ledger-store.ts';
import type { ObjectChange } from './s3-event.ts';

/** Looks up an object's content type; null when it cannot be known (object gone, replaced, no access). */
export type ContentTypeLookup = (bucket: string, key: string, eTag: string | null) => Promise<string | null>;

export type ApplyOutcome =
  | {
      readonly outcome: 'applied';
      readonly delta: TotalsDelta;
      readonly totals: Totals;
      readonly pointWritten: boolean;
      readonly attempts: number;
    }
  | { readonly outcome: 'duplicate' | 'stale'; readonly attempts: number };

export interface TrackerOptions {
  readonly maxAttempts?: number;
  readonly now?: () => number;
}

/**
 * Applies one object change exactly once: read (1 call), decide (pure), commit (1 transaction),
 * and start over when a concurrent writer got there first. Never lists the bucket. With the
 * content-type lookup (1 call, created events only) that is at most 3 calls per event when nothing
 * conflicts.
 */
export class SizeTracker {
  private readonly maxAttempts: number;
  private readonly now: () => number;

  constructor(
    private readonly store: LedgerStore,
    private readonly lookupContentType: ContentTypeLookup,
    options: TrackerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 30;
    this.now = options.now ?? Date.now;
  }

  async apply(change: ObjectChange): Promise<ApplyOutcome> {
    let contentType: string | null | undefined;
    let notBeforeMs = 0;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const snapshot = await this.store.read(change.bucket, [change.key], Math.max(this.now(), notBeforeMs));
      if (!snapshot) {
        await sleep(backoffMs(attempt));
        continue;
      }
      const prior = snapshot.entries.get(change.key);
      const probe = decide(prior, change, null);
      if (probe.action === 'skip') return { outcome: probe.reason, attempts: attempt };
      if (change.kind === 'created' && contentType === undefined) {
        contentType = await this.lookupContentType(change.bucket, change.key, change.eTag);
      }
      const decision = decide(prior, change, contentType ?? null);
      if (decision.action === 'skip') return { outcome: decision.reason, attempts: attempt };
      const result = await this.store.commit({
        bucket: change.bucket,
        writes: [{ prior, next: decision.next }],
        delta: decision.delta,
        snapshot,
        cause: change.eventName,
      });
      if (result.status === 'committed') {
        return {
          outcome: 'applied',
          delta: decision.delta,
          totals: result.totals,
          pointWritten: result.pointWritten,
          attempts: attempt,
        };
      }
      if (result.status === 'reread') notBeforeMs = result.atMs;
      else await sleep(backoffMs(attempt));
    }
    throw new Error(
      `gave up on ${change.eventName} for s3://${change.bucket}/${change.key} after ${this.maxAttempts} conflicting attempts`,
    );
  }
}

/** Full-jitter exponential backoff, capped: concurrent writers of one bucket spread out quickly. */
export function backoffMs(attempt: number): number {
  return Math.random() * Math.min(250, 5 * 2 ** attempt);
}
