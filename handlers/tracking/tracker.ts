import { setTimeout as sleep } from 'node:timers/promises';
import type { OutboxAlert } from '../alerts/items.ts';
import { convergeTo, type Decision, decide, deltaBetween, type TotalsDelta } from './ledger.ts';
import type { LedgerStore, Totals } from './ledger-store.ts';
import type { ObjectChange } from './s3-event.ts';
import type { KeyVersionsReader } from './s3-versions.ts';

/** Looks up an object's content type; null when it cannot be known (object gone, replaced, no access). */
export type ContentTypeLookup = (bucket: string, key: string, eTag: string | null) => Promise<string | null>;

export type ApplyOutcome =
  | {
      readonly outcome: 'applied';
      readonly delta: TotalsDelta;
      readonly totals: Totals;
      readonly pointWritten: boolean;
      readonly attempts: number;
      /** The event alone could not decide: S3 was asked about the key and the entry converged to it. */
      readonly verified: string | null;
      /** Alerts the change fired (their outbox rows were committed with it). */
      readonly alerts: readonly OutboxAlert[];
    }
  | { readonly outcome: 'duplicate' | 'stale'; readonly attempts: number };

export interface TrackerOptions {
  /**
   * Asks S3 what one key holds, for events that cannot decide alone. Without it such an event
   * fails (and is retried) rather than being guessed.
   */
  readonly keyVersions?: KeyVersionsReader;
  readonly maxAttempts?: number;
  /** The tracker's own clock: only a fallback for records without a usable eventTime. */
  readonly now?: () => number;
}

/** An eventTime further ahead of the tracker's clock than this is not believed. */
export const maxEventTimeLeadMs = 5 * 60_000;

/**
 * A point's time is S3's clock: the record's eventTime. A record without one (or one implausibly
 * far ahead of this writer's clock) falls back to the writer's clock. The store then raises it to
 * the previous point's time, so history never goes back; a fast writer clock cannot push it ahead.
 */
export function pointTimeMs(change: ObjectChange, nowMs: number): number {
  return s3TimeOr(Date.parse(change.eventTime), nowMs);
}

/** S3's time when it is usable and not implausibly far ahead of this writer's clock, else the writer's. */
export function s3TimeOr(s3TimeMs: number | undefined, nowMs: number): number {
  if (s3TimeMs === undefined || !Number.isFinite(s3TimeMs) || s3TimeMs > nowMs + maxEventTimeLeadMs)
    return nowMs;
  return s3TimeMs;
}

/**
 * Applies one object change exactly once: read (1 call), decide (pure), commit (1 transaction),
 * and start over when a concurrent writer got there first. When the event alone cannot decide,
 * asks S3 about that one key (1 call) between the read and the commit, and converges the entry to
 * S3's answer in the same conditioned transaction. Never lists the bucket.
 */
export class SizeTracker {
  private readonly maxAttempts: number;
  private readonly now: () => number;
  private readonly keyVersions: KeyVersionsReader;
  /**
   * The newest point time this tracker has seen per bucket. A bucket's newest point only moves
   * forward, and an event older than it lands at its time (history never goes back), so reading at
   * this time at once spares a re-read when a late event arrives. Only a hint: the commit still
   * checks the time against the totals it read.
   */
  private readonly newestPointMs = new Map<string, number>();

  constructor(
    private readonly store: LedgerStore,
    private readonly lookupContentType: ContentTypeLookup,
    options: TrackerOptions = {},
  ) {
    this.keyVersions =
      options.keyVersions ??
      (async (bucket, key) => {
        throw new Error(`s3://${bucket}/${key}: the event alone cannot decide and no S3 reader was given`);
      });
    this.maxAttempts = options.maxAttempts ?? 30;
    this.now = options.now ?? Date.now;
  }

  async apply(change: ObjectChange): Promise<ApplyOutcome> {
    let contentType: string | null | undefined;
    let notBeforeMs = this.newestPointMs.get(change.bucket) ?? 0;
    const timeMs = pointTimeMs(change, this.now());
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const snapshot = await this.store.read(change.bucket, [change.key], Math.max(timeMs, notBeforeMs));
      if (!snapshot) {
        await sleep(backoffMs(attempt));
        continue;
      }
      this.sawPoint(change.bucket, snapshot.totals?.lastPointMs);
      const prior = snapshot.entries.get(change.key);
      let decision: Decision = decide(prior, change, null);
      if (decision.action === 'skip') return { outcome: decision.reason, attempts: attempt };
      if (change.kind === 'created' && contentType === undefined) {
        contentType = await this.lookupContentType(change.bucket, change.key, change.eTag);
      }
      let verified: string | null = null;
      if (decision.action === 'verify') {
        verified = decision.reason;
        // Asked after the snapshot was read: S3's answer includes every change the entry reflects.
        const listed = await this.keyVersions(change.bucket, change.key);
        const current = listed[0];
        const next = convergeTo(prior, change.key, listed, change.sequencer, {
          eventName: change.eventName,
          eventTime: change.eventTime,
          ...(change.versionId ? { versionId: change.versionId } : {}),
          contentType:
            current && !current.marker && current.eTag === change.eTag ? (contentType ?? null) : null,
        });
        decision = { action: 'apply', next, delta: deltaBetween(prior, next) };
      } else {
        decision = decide(prior, change, contentType ?? null);
        if (decision.action !== 'apply') continue;
      }
      const result = await this.store.commit({
        bucket: change.bucket,
        writes: [{ prior, next: decision.next }],
        delta: decision.delta,
        snapshot,
        cause: change.eventName,
      });
      if (result.status === 'committed') {
        this.sawPoint(change.bucket, result.totals.lastPointMs);
        return {
          outcome: 'applied',
          delta: decision.delta,
          totals: result.totals,
          pointWritten: result.pointWritten,
          attempts: attempt,
          verified,
          alerts: result.alerts,
        };
      }
      if (result.status === 'reread') notBeforeMs = result.atMs;
      else await sleep(backoffMs(attempt));
    }
    throw new Error(
      `gave up on ${change.eventName} for s3://${change.bucket}/${change.key} after ${this.maxAttempts} conflicting attempts`,
    );
  }

  private sawPoint(bucket: string, timeMs: number | undefined): void {
    if (timeMs === undefined || timeMs <= (this.newestPointMs.get(bucket) ?? 0)) return;
    // a tracker of very many buckets forgets them all now and then rather than growing
    if (this.newestPointMs.size >= maxBucketsRemembered) this.newestPointMs.clear();
    this.newestPointMs.set(bucket, timeMs);
  }
}

const maxBucketsRemembered = 10_000;

/** Full-jitter exponential backoff, capped: concurrent writers of one bucket spread out quickly. */
export function backoffMs(attempt: number): number {
  return Math.random() * Math.min(250, 5 * 2 ** attempt);
}
