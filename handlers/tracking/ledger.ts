import type { ObjectChange } from './s3-event.ts';
import { compareSequencers } from './sequencer.ts';

/** What the tracker knows of one object: its current state, or a tombstone after a delete. */
export interface LedgerEntry {
  readonly key: string;
  readonly state: 'present' | 'deleted';
  readonly sizeBytes: number;
  readonly eTag: string | null;
  readonly contentType: string | null;
  /** Sequencer of the last applied event; empty when the entry came from a reconciliation listing. */
  readonly sequencer: string;
  readonly eventName: string;
  readonly eventTime: string;
  /** Optimistic-lock counter: every write of the entry must find the version it read. */
  readonly version: number;
  /** When the entry was last written (set by the store); reconciliation leaves newer entries alone. */
  readonly appliedAtMs?: number;
}

export interface TotalsDelta {
  readonly bytes: number;
  readonly objects: number;
}

export type Decision =
  | { readonly action: 'skip'; readonly reason: 'duplicate' | 'stale' }
  | { readonly action: 'apply'; readonly next: LedgerEntry; readonly delta: TotalsDelta };

/** What a present entry contributes to the bucket totals. */
export function contribution(entry: LedgerEntry | undefined): TotalsDelta {
  return entry?.state === 'present' ? { bytes: entry.sizeBytes, objects: 1 } : { bytes: 0, objects: 0 };
}

/**
 * Decides what one event does to the ledger and the totals. Pure: the caller commits the result
 * atomically, conditioned on `prior` being what it read.
 * - the same sequencer again is a duplicate delivery;
 * - an older sequencer than the last applied one is a late event and must not undo a newer one
 *   (this includes a create older than a delete's tombstone);
 * - a delete of an unknown or already deleted key changes no totals but leaves a tombstone.
 */
export function decide(
  prior: LedgerEntry | undefined,
  change: ObjectChange,
  contentType: string | null,
): Decision {
  if (prior?.sequencer) {
    const order = compareSequencers(change.sequencer, prior.sequencer);
    if (order === 0) return { action: 'skip', reason: 'duplicate' };
    if (order < 0) return { action: 'skip', reason: 'stale' };
  }
  const before = contribution(prior);
  const next: LedgerEntry = {
    key: change.key,
    state: change.kind === 'created' ? 'present' : 'deleted',
    sizeBytes: change.kind === 'created' ? change.sizeBytes : 0,
    eTag: change.kind === 'created' ? change.eTag : null,
    contentType: change.kind === 'created' ? contentType : null,
    sequencer: change.sequencer,
    eventName: change.eventName,
    eventTime: change.eventTime,
    version: (prior?.version ?? 0) + 1,
  };
  const after = contribution(next);
  return {
    action: 'apply',
    next,
    delta: { bytes: after.bytes - before.bytes, objects: after.objects - before.objects },
  };
}
