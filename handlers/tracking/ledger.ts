import type { ObjectChange } from './s3-event.ts';
import { compareSequencers } from './sequencer.ts';

/**
 * The versioned ledger (pure). Per key the ledger keeps the versions S3 still holds, newest first,
 * and bounded tombstones of removed version ids.
 *
 * - *current*: the newest kept version; when it is a delete marker (or there is none) the key is
 *   absent. Current totals count current data versions: what a listing shows.
 * - *stored*: every kept data version (delete markers excluded): what S3 bills.
 * - Unversioned buckets send no versionId: their one version is the "null" slot, last writer wins by
 *   sequencer, and stored == current.
 *
 * A version learnt from an event carries the event's sequencer; one learnt from S3 (verification
 * or reconciliation listing) carries '' and sits in S3's order. `provenThrough` is the largest
 * sequencer whose effect S3's answer is known to include: an event below it is already reflected.
 * A ledger that cannot decide from the event alone says `verify`: the caller asks S3 about the key.
 */
export interface KnownVersion {
  /** S3's version id, or "null" for the unversioned / suspended slot. */
  readonly versionId: string;
  readonly marker: boolean;
  readonly sizeBytes: number;
  readonly eTag: string | null;
  /** Sequencer of the event that created it; '' when it was learnt from S3 (order = S3's). */
  readonly sequencer: string;
  /** LastModified from S3, when S3 told us about it. */
  readonly lastModified?: string;
}

export interface Tombstone {
  readonly versionId: string;
  /** Sequencer of the removal (for "null": a later create of the null slot is a new object). */
  readonly sequencer: string;
}

export interface LedgerEntry {
  readonly key: string;
  /** Kept versions, newest first. */
  readonly versions: readonly KnownVersion[];
  /** Removed version ids, newest last, at most `maxTombstones`. */
  readonly removed: readonly Tombstone[];
  readonly contentType: string | null;
  /** '' unless the entry's state came from S3: then events at or below it are judged against it. */
  readonly provenThrough: string;
  /** True when the versions came from S3 (verification or listing) rather than events alone. */
  readonly proven: boolean;
  readonly eventName: string;
  readonly eventTime: string;
  /** Optimistic-lock counter: every write of the entry must find the version it read. */
  readonly version: number;
  /** Reconciliation epoch of the totals the writer read (set by the store on commit). */
  readonly epoch?: number;
}

export const maxTombstones = 64;
export const NULL_VERSION = 'null';

export interface TotalsDelta {
  readonly bytes: number;
  readonly objects: number;
  readonly storedBytes: number;
  readonly storedVersions: number;
}

export const noDelta: TotalsDelta = { bytes: 0, objects: 0, storedBytes: 0, storedVersions: 0 };

export type Decision =
  | { readonly action: 'skip'; readonly reason: 'duplicate' | 'stale' }
  | { readonly action: 'verify'; readonly reason: string }
  | { readonly action: 'apply'; readonly next: LedgerEntry; readonly delta: TotalsDelta };

/** What an entry contributes to the bucket totals. */
export function contribution(entry: LedgerEntry | undefined): TotalsDelta {
  if (!entry) return noDelta;
  const current = entry.versions[0];
  let storedBytes = 0;
  let storedVersions = 0;
  for (const v of entry.versions) {
    if (v.marker) continue;
    storedBytes += v.sizeBytes;
    storedVersions++;
  }
  const present = current !== undefined && !current.marker;
  return { bytes: present ? current.sizeBytes : 0, objects: present ? 1 : 0, storedBytes, storedVersions };
}

export function deltaBetween(prior: LedgerEntry | undefined, next: LedgerEntry | undefined): TotalsDelta {
  const a = contribution(prior);
  const b = contribution(next);
  return {
    bytes: b.bytes - a.bytes,
    objects: b.objects - a.objects,
    storedBytes: b.storedBytes - a.storedBytes,
    storedVersions: b.storedVersions - a.storedVersions,
  };
}

export function isPresent(entry: LedgerEntry | undefined): boolean {
  const current = entry?.versions[0];
  return current !== undefined && !current.marker;
}

export function emptyEntry(key: string): LedgerEntry {
  return {
    key,
    versions: [],
    removed: [],
    contentType: null,
    provenThrough: '',
    proven: false,
    eventName: '',
    eventTime: '',
    version: 0,
  };
}

function sameContent(v: KnownVersion, change: ObjectChange): boolean {
  if (v.marker !== (change.kind === 'marker')) return false;
  if (v.marker) return true;
  return (
    v.sizeBytes === change.sizeBytes && (v.eTag === null || change.eTag === null || v.eTag === change.eTag)
  );
}

function withTombstone(removed: readonly Tombstone[], t: Tombstone): Tombstone[] {
  return [...removed.filter((r) => r.versionId !== t.versionId), t].slice(-maxTombstones);
}

function applied(prior: LedgerEntry | undefined, next: LedgerEntry): Decision {
  return { action: 'apply', next, delta: deltaBetween(prior, next) };
}

/**
 * Decides what one event does to a key's ledger entry. Pure: the caller commits the result
 * atomically, conditioned on `prior` being what it read, or asks S3 when the answer is `verify`.
 */
export function decide(
  prior: LedgerEntry | undefined,
  change: ObjectChange,
  contentType: string | null,
): Decision {
  if (change.needsVerification) return { action: 'verify', reason: change.needsVerification };
  if (!change.sequencer) return { action: 'verify', reason: 'record has no sequencer' };
  const entry = prior ?? emptyEntry(change.key);
  const seq = change.sequencer;
  if (entry.provenThrough && compareSequencers(seq, entry.provenThrough) < 0) {
    return { action: 'skip', reason: 'stale' };
  }
  const versionId = change.versionId ?? NULL_VERSION;
  const base = {
    ...entry,
    eventName: change.eventName,
    eventTime: change.eventTime,
    version: entry.version + 1,
  };
  const tombstone = entry.removed.find((t) => t.versionId === versionId);
  const known = entry.versions.find((v) => v.versionId === versionId);

  if (change.kind === 'removed') {
    if (versionId !== NULL_VERSION) {
      if (tombstone) return { action: 'skip', reason: 'duplicate' };
      if (!known) return { action: 'verify', reason: `removal of unknown version ${versionId}` };
      return applied(prior, {
        ...base,
        versions: entry.versions.filter((v) => v !== known),
        removed: withTombstone(entry.removed, { versionId, sequencer: seq }),
      });
    }
    if (known) {
      // S3 may have been ahead of the events when it was asked: only S3 can order this removal.
      if (!known.sequencer) return { action: 'verify', reason: 'removal of a null version S3 has proven' };
      const order = compareSequencers(seq, known.sequencer);
      if (order < 0) return { action: 'skip', reason: 'stale' };
      if (order === 0) return { action: 'verify', reason: 'removal with the same sequencer as the create' };
      return applied(prior, {
        ...base,
        versions: entry.versions.filter((v) => v !== known),
        removed: withTombstone(entry.removed, { versionId, sequencer: seq }),
      });
    }
    if (tombstone) {
      if (!tombstone.sequencer)
        return { action: 'verify', reason: 'removal beside a removal a listing proved' };
      const order = compareSequencers(seq, tombstone.sequencer);
      if (order <= 0) return { action: 'skip', reason: order === 0 ? 'duplicate' : 'stale' };
    } else if (entry.proven && !entry.provenThrough) {
      return { action: 'verify', reason: 'removal on an entry only a listing has proven' };
    }
    // A delete of an absent null slot: no totals change, but later older creates must not revive it.
    return applied(prior, { ...base, removed: withTombstone(entry.removed, { versionId, sequencer: seq }) });
  }

  // created (data) or marker
  if (known) {
    if (versionId !== NULL_VERSION) {
      if (sameContent(known, change)) return { action: 'skip', reason: 'duplicate' };
      return { action: 'verify', reason: `version ${versionId} seen with different content` };
    }
    if (!known.sequencer) {
      // A null version S3 proved: the same content is explained, anything else only S3 can order.
      if (sameContent(known, change)) return { action: 'skip', reason: 'duplicate' };
      return { action: 'verify', reason: 'null version S3 has proven differs from the event' };
    }
    if (sameContent(known, change) && compareSequencers(seq, known.sequencer) === 0) {
      return { action: 'skip', reason: 'duplicate' };
    }
  }
  if (tombstone) {
    if (versionId !== NULL_VERSION) return { action: 'skip', reason: 'stale' };
    if (!tombstone.sequencer) return { action: 'verify', reason: 'create beside a removal a listing proved' };
    const order = compareSequencers(seq, tombstone.sequencer);
    if (order < 0) return { action: 'skip', reason: 'stale' };
    if (order === 0) return { action: 'verify', reason: 'create with the same sequencer as a removal' };
  }
  const others = entry.versions.filter((v) => v !== known);
  if (known) {
    const order = compareSequencers(seq, known.sequencer);
    if (order < 0) return { action: 'skip', reason: 'stale' };
    if (order === 0) return { action: 'verify', reason: 'same sequencer, different content' };
  }
  // Place the new version by its sequencer among the others (newest first).
  let position = 0;
  for (const v of others) {
    // A version S3 told us about has no creation sequencer: only S3 knows whether this one is newer
    // (S3 may have been ahead of the events, and an event may have been lost).
    if (!v.sequencer) return { action: 'verify', reason: 'new version beside versions only S3 has ordered' };
    const order = compareSequencers(seq, v.sequencer);
    if (order === 0) return { action: 'verify', reason: 'same sequencer as another version' };
    if (order > 0) break;
    position++;
  }
  const created: KnownVersion = {
    versionId,
    marker: change.kind === 'marker',
    sizeBytes: change.kind === 'marker' ? 0 : change.sizeBytes,
    eTag: change.kind === 'marker' ? null : change.eTag,
    sequencer: seq,
  };
  const versions = [...others.slice(0, position), created, ...others.slice(position)];
  return applied(prior, {
    ...base,
    versions,
    removed: entry.removed.filter((t) => t.versionId !== versionId),
    contentType: position === 0 && change.kind === 'created' ? contentType : entry.contentType,
  });
}

/** One version as S3 lists it, newest first per key. */
export interface ListedVersion {
  readonly versionId: string;
  readonly marker: boolean;
  readonly sizeBytes: number;
  readonly eTag: string | null;
  readonly lastModified?: string;
}

/**
 * The entry after S3 told us the key's versions (newest first). Everything the ledger knew and S3
 * no longer has becomes a tombstone; `through` is the largest sequencer whose effect the answer
 * includes (the triggering event's, or the ones the entry had applied before a listing).
 */
export function convergeTo(
  prior: LedgerEntry | undefined,
  key: string,
  listed: readonly ListedVersion[],
  through: string,
  cause: { eventName: string; eventTime: string; contentType: string | null; versionId?: string },
): LedgerEntry {
  const entry = prior ?? emptyEntry(key);
  let proven = through;
  for (const s of [
    entry.provenThrough,
    ...entry.versions.map((v) => v.sequencer),
    ...entry.removed.map((t) => t.sequencer),
  ]) {
    if (s && (!proven || compareSequencers(s, proven) > 0)) proven = s;
  }
  const listedIds = new Set(listed.map((v) => v.versionId));
  // A removal S3 proved: for the null slot its order is unknown (''), so later events on it are
  // checked with S3; a real version id never comes back, whatever the order.
  const gone = (versionId: string): Tombstone => ({
    versionId,
    sequencer: versionId === NULL_VERSION ? '' : proven,
  });
  let removed = entry.removed.filter((t) => !listedIds.has(t.versionId));
  for (const v of entry.versions) {
    if (!listedIds.has(v.versionId)) removed = withTombstone(removed, gone(v.versionId));
  }
  // The version the triggering event named, if S3 no longer has it: a late create must not revive it.
  if (cause.versionId && !listedIds.has(cause.versionId))
    removed = withTombstone(removed, gone(cause.versionId));
  const current = listed[0];
  const priorCurrent = entry.versions[0];
  const keepType = current && priorCurrent && !current.marker && priorCurrent.eTag === current.eTag;
  return {
    key,
    // A real version id names one immutable version: the sequencer of its create stays known.
    versions: listed.map((v) => {
      const known = entry.versions.find(
        (k) => k.versionId === v.versionId && v.versionId !== NULL_VERSION && k.marker === v.marker,
      );
      return { ...v, sequencer: known?.sequencer ?? '' };
    }),
    removed,
    contentType: keepType ? entry.contentType : cause.contentType,
    provenThrough: proven,
    proven: true,
    eventName: cause.eventName,
    eventTime: cause.eventTime,
    version: entry.version + 1,
  };
}

/** Does the ledger already hold what S3 lists for this key (same versions, same order, same sizes)? */
export function matchesListing(entry: LedgerEntry | undefined, listed: readonly ListedVersion[]): boolean {
  const versions = entry?.versions ?? [];
  if (versions.length !== listed.length) return false;
  return versions.every((v, i) => {
    const l = listed[i] as ListedVersion;
    return v.versionId === l.versionId && v.marker === l.marker && v.sizeBytes === l.sizeBytes;
  });
}
