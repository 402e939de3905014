import { describe, expect, it } from 'vitest';
import {
  contribution,
  convergeTo,
  type Decision,
  decide,
  type LedgerEntry,
  type ListedVersion,
} from '../../handlers/tracking/ledger.ts';
import { fromEntry, toEntry } from '../../handlers/tracking/ledger-items.ts';
import type { ObjectChange } from '../../handlers/tracking/s3-event.ts';
import { compareSequencers } from '../../handlers/tracking/sequencer.ts';

const eventNames = {
  created: 'ObjectCreated:Put',
  marker: 'ObjectRemoved:DeleteMarkerCreated',
  removed: 'ObjectRemoved:Delete',
} as const;

function change(
  kind: ObjectChange['kind'],
  sequencer: string,
  options: { size?: number; eTag?: string; versionId?: string } = {},
): ObjectChange {
  return {
    bucket: 'b',
    key: 'k',
    kind,
    sizeBytes: kind === 'created' ? (options.size ?? 0) : 0,
    eTag: kind === 'created' ? (options.eTag ?? `etag-${options.size ?? 0}`) : null,
    sequencer,
    ...(options.versionId ? { versionId: options.versionId } : {}),
    eventName: eventNames[kind],
    eventTime: '2026-01-01T00:00:00.000Z',
  };
}

/** Applies decisions to an in-memory entry; `s3` is what S3 would answer when asked (verify). */
function run(
  entry: LedgerEntry | undefined,
  c: ObjectChange,
  s3?: readonly ListedVersion[],
): { entry: LedgerEntry | undefined; decision: Decision } {
  const decision = decide(entry, c, null);
  if (decision.action === 'apply') return { entry: decision.next, decision };
  if (decision.action === 'verify') {
    if (!s3) throw new Error(`unexpected verification: ${decision.reason}`);
    return {
      entry: convergeTo(entry, c.key, s3, c.sequencer, {
        eventName: c.eventName,
        eventTime: c.eventTime,
        contentType: null,
        ...(c.versionId ? { versionId: c.versionId } : {}),
      }),
      decision,
    };
  }
  return { entry, decision };
}

function totals(entry: LedgerEntry | undefined) {
  const c = contribution(entry);
  return [c.bytes, c.objects, c.storedBytes, c.storedVersions];
}

const data = (versionId: string, sizeBytes: number): ListedVersion => ({
  versionId,
  marker: false,
  sizeBytes,
  eTag: `etag-${sizeBytes}`,
});

describe('compareSequencers', () => {
  it('orders hex strings of different length and case as S3 documents', () => {
    expect(compareSequencers('0055AED6DCD90281E5', '0055AED6DCD90281E6')).toBeLessThan(0);
    expect(compareSequencers('0055aed6dcd90281e6', '0055AED6DCD90281E6')).toBe(0);
    // The shorter is right-padded with zeros: 'A' is 'A0', which is greater than '9F'.
    expect(compareSequencers('A', '9F')).toBeGreaterThan(0);
    expect(compareSequencers('A', 'A0')).toBe(0);
    expect(compareSequencers('A', 'A01')).toBeLessThan(0);
  });
});

describe('decide, unversioned (the null slot)', () => {
  it('counts a new object once and an overwrite as the size difference', () => {
    const first = decide(undefined, change('created', '01', { size: 18 }), 'text/plain');
    expect(first).toMatchObject({
      action: 'apply',
      delta: { bytes: 18, objects: 1, storedBytes: 18, storedVersions: 1 },
      next: { contentType: 'text/plain', version: 1 },
    });
    const entry = first.action === 'apply' ? first.next : undefined;
    expect(decide(entry, change('created', '02', { size: 5 }), null)).toMatchObject({
      action: 'apply',
      delta: { bytes: -13, objects: 0, storedBytes: -13, storedVersions: 0 },
    });
  });

  it('skips the same event again as a duplicate and an older one as stale', () => {
    const { entry } = run(undefined, change('created', '05', { size: 10 }));
    expect(decide(entry, change('created', '05', { size: 10 }), null)).toEqual({
      action: 'skip',
      reason: 'duplicate',
    });
    expect(decide(entry, change('created', '04', { size: 3 }), null)).toEqual({
      action: 'skip',
      reason: 'stale',
    });
  });

  it('does not let a late create resurrect a deleted object, nor a delete before its create count', () => {
    let { entry } = run(undefined, change('created', '01', { size: 50 }));
    ({ entry } = run(entry, change('removed', '09')));
    expect(totals(entry)).toEqual([0, 0, 0, 0]);
    expect(decide(entry, change('created', '08', { size: 50 }), null)).toMatchObject({ reason: 'stale' });
    const early = run(undefined, change('removed', '02'));
    expect(early.decision).toMatchObject({ action: 'apply', delta: { bytes: 0, objects: 0 } });
    expect(decide(early.entry, change('created', '01', { size: 9 }), null)).toMatchObject({
      reason: 'stale',
    });
    expect(decide(early.entry, change('created', '03', { size: 9 }), null)).toMatchObject({
      action: 'apply',
      delta: { bytes: 9, objects: 1 },
    });
  });

  it('asks S3 when equal sequencers disagree (LocalStack 4.14 sends one constant sequencer)', () => {
    const seq = '0055AED6DCD90281E5';
    let { entry } = run(undefined, change('created', seq, { size: 18 }));
    // Same sequencer, other size: only S3 can say which is current.
    expect(decide(entry, change('created', seq, { size: 27 }), null)).toMatchObject({ action: 'verify' });
    ({ entry } = run(entry, change('created', seq, { size: 27 }), [data('null', 27)]));
    expect(totals(entry)).toEqual([27, 1, 27, 1]);
    // A redelivery of what S3 proved is explained: no change.
    expect(decide(entry, change('created', seq, { size: 27 }), null)).toMatchObject({ reason: 'duplicate' });
    // The delete (same sequencer again) is not explained by the proof: ask again.
    expect(decide(entry, change('removed', seq), null)).toMatchObject({ action: 'verify' });
    ({ entry } = run(entry, change('removed', seq), []));
    expect(totals(entry)).toEqual([0, 0, 0, 0]);
    expect(decide(entry, change('created', seq, { size: 2 }), null)).toMatchObject({ action: 'verify' });
  });

  it('verifies records without a sequencer or with a key that does not decode', () => {
    expect(decide(undefined, change('created', '', { size: 1 }), null)).toMatchObject({ action: 'verify' });
    expect(
      decide(undefined, { ...change('created', '01', { size: 1 }), needsVerification: 'bad key' }, null),
    ).toMatchObject({ action: 'verify', reason: 'bad key' });
  });

  it('judges a late older event against what a listing proved (99 B stays 99 B)', () => {
    let { entry } = run(undefined, change('created', '05', { size: 10 }));
    // Reconciliation saw 99 B (an overwrite whose event was lost).
    entry = convergeTo(entry, 'k', [data('null', 99)], '', {
      eventName: 'Reconciliation',
      eventTime: 'x',
      contentType: null,
    });
    expect(totals(entry)).toEqual([99, 1, 99, 1]);
    expect(entry.provenThrough).toBe('05');
    // An older event: already reflected in the listing.
    expect(decide(entry, change('created', '04', { size: 10 }), null)).toMatchObject({ reason: 'stale' });
    // An event of unknown age relative to the listing: never applied blindly, S3 is asked.
    expect(decide(entry, change('created', '06', { size: 10 }), null)).toMatchObject({ action: 'verify' });
    expect(totals(run(entry, change('created', '06', { size: 10 }), [data('null', 99)]).entry)).toEqual([
      99, 1, 99, 1,
    ]);
  });
});

describe('decide, versioned buckets', () => {
  it('keeps every version in stored and the newest in current; a removal by id removes that one', () => {
    let { entry } = run(undefined, change('created', '01', { size: 4, versionId: 'v1' }));
    ({ entry } = run(entry, change('created', '02', { size: 13, versionId: 'v2' })));
    expect(totals(entry)).toEqual([13, 1, 17, 2]);
    // Delete v1 (noncurrent) by id: current stays v2 (today's tracker called the key deleted).
    ({ entry } = run(entry, change('removed', '03', { versionId: 'v1' })));
    expect(totals(entry)).toEqual([13, 1, 13, 1]);
    // A delete marker hides the key but keeps its bytes stored.
    ({ entry } = run(entry, change('marker', '04', { versionId: 'm1' })));
    expect(totals(entry)).toEqual([0, 0, 13, 1]);
    // Removing the marker brings v2 back.
    ({ entry } = run(entry, change('removed', '05', { versionId: 'm1' })));
    expect(totals(entry)).toEqual([13, 1, 13, 1]);
  });

  it('reads the driver scenario on a versioned bucket as current 18, 27, 0, 2 and stored 18, 45, 45, 47', () => {
    const steps: [string, ObjectChange][] = [
      ['assignment1.txt', change('created', '01', { size: 18, versionId: 'a1' })],
      ['assignment1.txt', change('created', '02', { size: 27, versionId: 'a2' })],
      ['assignment1.txt', change('marker', '03', { versionId: 'a3' })],
      ['assignment2.txt', change('created', '01', { size: 2, versionId: 'b1' })],
    ];
    const entries = new Map<string, LedgerEntry | undefined>();
    const sums = { bytes: 0, stored: 0 };
    const seen: number[][] = [];
    for (const [key, c] of steps) {
      const d = decide(entries.get(key), { ...c, key }, null);
      if (d.action !== 'apply') throw new Error(d.action);
      entries.set(key, d.next);
      sums.bytes += d.delta.bytes;
      sums.stored += d.delta.storedBytes;
      seen.push([sums.bytes, sums.stored]);
    }
    expect(seen).toEqual([
      [18, 18],
      [27, 45],
      [0, 45],
      [2, 47],
    ]);
  });

  it('orders versions by sequencer whatever the arrival order, and ignores duplicates', () => {
    let { entry } = run(undefined, change('created', '02', { size: 13, versionId: 'v2' }));
    ({ entry } = run(entry, change('created', '01', { size: 4, versionId: 'v1' })));
    expect(totals(entry)).toEqual([13, 1, 17, 2]);
    expect(decide(entry, change('created', '01', { size: 4, versionId: 'v1' }), null)).toMatchObject({
      reason: 'duplicate',
    });
    ({ entry } = run(entry, change('removed', '04', { versionId: 'v2' })));
    expect(totals(entry)).toEqual([4, 1, 4, 1]);
    expect(decide(entry, change('removed', '04', { versionId: 'v2' }), null)).toMatchObject({
      reason: 'duplicate',
    });
    // A late create of an already removed version is ignored (tombstone).
    expect(decide(entry, change('created', '02', { size: 13, versionId: 'v2' }), null)).toMatchObject({
      reason: 'stale',
    });
  });

  it('after a listing proved the versions, a create of a version it did not list is checked with S3', () => {
    const { entry } = run(undefined, change('created', '01', { size: 4, versionId: 'v1' }));
    // The listing: v1 and v2 (v2's event not delivered yet); v3 was put and removed before it,
    // and its removal event was lost.
    const listed = convergeTo(entry, 'k', [data('v2', 13), data('v1', 4)], '', {
      eventName: 'Reconciliation',
      eventTime: 'x',
      contentType: null,
    });
    expect(listed.versions.map((v) => [v.versionId, v.sequencer])).toEqual([
      ['v2', ''],
      ['v1', '01'],
    ]);
    expect(decide(listed, change('created', '03', { size: 50, versionId: 'v3' }), null)).toMatchObject({
      action: 'verify',
    });
    expect(decide(listed, change('created', '02', { size: 13, versionId: 'v2' }), null)).toMatchObject({
      reason: 'duplicate',
    });
    const after = run(listed, change('created', '03', { size: 50, versionId: 'v3' }), [
      data('v2', 13),
      data('v1', 4),
    ]);
    expect(totals(after.entry)).toEqual([13, 1, 17, 2]);
    expect(decide(after.entry, change('created', '03', { size: 50, versionId: 'v3' }), null).action).toBe(
      'skip',
    );
  });

  it('asks S3 about a removal of a version it does not know, and remembers it', () => {
    const { entry } = run(undefined, change('created', '01', { size: 4, versionId: 'v1' }));
    expect(decide(entry, change('removed', '05', { versionId: 'v9' }), null)).toMatchObject({
      action: 'verify',
    });
    const after = run(entry, change('removed', '05', { versionId: 'v9' }), [data('v1', 4)]).entry;
    expect(totals(after)).toEqual([4, 1, 4, 1]);
    // The create of v9 arriving late: v9 is known to be gone.
    const late = decide(after, change('created', '03', { size: 100, versionId: 'v9' }), null);
    expect(late.action).toBe('skip');
  });
});

describe('ledger items', () => {
  it('reads entries written before versions existed as one null slot (present or removed)', () => {
    const present = toEntry({
      key: 'k',
      state: 'present',
      size_bytes: 7,
      etag: 'e',
      sequencer: '05',
      version: 3,
    });
    expect(present).toMatchObject({
      versions: [{ versionId: 'null', sizeBytes: 7, eTag: 'e', sequencer: '05' }],
      removed: [],
      proven: false,
      version: 3,
    });
    const deleted = toEntry({ key: 'k', state: 'deleted', size_bytes: 0, sequencer: '09', version: 4 });
    expect(deleted).toMatchObject({ versions: [], removed: [{ versionId: 'null', sequencer: '09' }] });
    // An old reconciliation entry (no sequencer) is something only a listing proved.
    expect(toEntry({ key: 'k', state: 'present', size_bytes: 1, sequencer: '' })).toMatchObject({
      proven: true,
    });
  });

  it('round-trips a versioned entry', () => {
    const { entry } = run(undefined, change('created', '01', { size: 4, versionId: 'v1' }));
    const next = run(entry, change('marker', '02', { versionId: 'm' })).entry as LedgerEntry;
    expect(toEntry(fromEntry('b', next, 0, 2))).toEqual({ ...next, epoch: 2 });
  });
});
