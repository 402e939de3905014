import { describe, expect, it } from 'vitest';
import { decide, type LedgerEntry } from '../../handlers/tracking/ledger.ts';
import type { ObjectChange } from '../../handlers/tracking/s3-event.ts';
import { compareSequencers } from '../../handlers/tracking/sequencer.ts';

function change(kind: 'created' | 'removed', sequencer: string, sizeBytes = 0): ObjectChange {
  return {
    bucket: 'b',
    key: 'k',
    kind,
    sizeBytes,
    eTag: kind === 'created' ? 'e' : null,
    sequencer,
    eventName: kind === 'created' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
    eventTime: '2026-01-01T00:00:00.000Z',
  };
}

function entry(state: 'present' | 'deleted', sequencer: string, sizeBytes: number, version = 1): LedgerEntry {
  return {
    key: 'k',
    state,
    sizeBytes,
    eTag: null,
    contentType: null,
    sequencer,
    eventName: 'x',
    eventTime: 'x',
    version,
  };
}

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

describe('decide', () => {
  it('counts a new object once', () => {
    const d = decide(undefined, change('created', '01', 18), 'text/plain');
    expect(d).toMatchObject({
      action: 'apply',
      delta: { bytes: 18, objects: 1 },
      next: { state: 'present', sizeBytes: 18, contentType: 'text/plain', version: 1 },
    });
  });

  it('applies an overwrite as the size difference, not a new object', () => {
    expect(decide(entry('present', '01', 27), change('created', '02', 5), null)).toMatchObject({
      action: 'apply',
      delta: { bytes: -22, objects: 0 },
    });
  });

  it('skips the same sequencer as a duplicate and an older one as stale', () => {
    expect(decide(entry('present', '05', 10), change('created', '05', 10), null)).toEqual({
      action: 'skip',
      reason: 'duplicate',
    });
    expect(decide(entry('present', '05', 10), change('created', '04', 3), null)).toEqual({
      action: 'skip',
      reason: 'stale',
    });
  });

  it('does not let a late create resurrect a deleted object (tombstone)', () => {
    expect(decide(entry('deleted', '09', 0), change('created', '08', 50), null)).toEqual({
      action: 'skip',
      reason: 'stale',
    });
  });

  it('removes the recorded bytes on delete, and nothing for an unknown key', () => {
    expect(decide(entry('present', '01', 27), change('removed', '02'), null)).toMatchObject({
      action: 'apply',
      delta: { bytes: -27, objects: -1 },
      next: { state: 'deleted', sequencer: '02', version: 2 },
    });
    expect(decide(undefined, change('removed', '02'), null)).toMatchObject({
      action: 'apply',
      delta: { bytes: 0, objects: 0 },
      next: { state: 'deleted' },
    });
  });

  it('lets any event replace an entry that came from a listing (no sequencer)', () => {
    expect(decide(entry('present', '', 4), change('created', '01', 6), null)).toMatchObject({
      action: 'apply',
      delta: { bytes: 2, objects: 0 },
    });
  });
});
