import { describe, expect, it } from 'vitest';
import { classifyEventName, decodeEventKey, parseRecord } from '../../handlers/tracking/s3-event.ts';
import { s3Record } from '../support/s3-events.ts';

describe('decodeEventKey', () => {
  it('turns + into spaces and decodes percent escapes', () => {
    expect(decodeEventKey('my+file.txt')).toBe('my file.txt');
    expect(decodeEventKey('a%2Bb.txt')).toBe('a+b.txt');
    expect(decodeEventKey('100%25+done')).toBe('100% done');
    expect(decodeEventKey('dir/sub/%C3%A9t%C3%A9+%F0%9F%93%A6.bin')).toBe('dir/sub/été 📦.bin');
  });
});

describe('classifyEventName', () => {
  it.each([
    ['ObjectCreated:Put', 'created'],
    ['ObjectCreated:Post', 'created'],
    ['ObjectCreated:Copy', 'created'],
    ['ObjectCreated:CompleteMultipartUpload', 'created'],
    ['ObjectRemoved:Delete', 'removed'],
    ['ObjectRemoved:DeleteMarkerCreated', 'marker'],
    ['LifecycleExpiration:Delete', 'removed'],
    ['LifecycleExpiration:DeleteMarkerCreated', 'marker'],
    ['LifecycleTransition', null],
    ['ObjectRestore:Completed', null],
    ['s3:TestEvent', null],
  ])('%s -> %s', (name, kind) => {
    expect(classifyEventName(name)).toBe(kind);
  });
});

describe('parseRecord', () => {
  it('decodes the key and keeps size, eTag and sequencer', () => {
    const parsed = parseRecord(
      s3Record('b1', 'reports/q1 2026+final.csv', 'ObjectCreated:Put', {
        size: 42,
        eTag: '"abc"',
        sequencer: '0A',
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      change: expect.objectContaining({
        bucket: 'b1',
        key: 'reports/q1 2026+final.csv',
        kind: 'created',
        sizeBytes: 42,
        eTag: 'abc',
        sequencer: '0A',
      }),
    });
  });

  it('gives removed events no size', () => {
    const parsed = parseRecord(s3Record('b1', 'x', 'ObjectRemoved:Delete', { size: 99 }));
    expect(parsed.ok && parsed.change.sizeBytes).toBe(0);
  });

  it('keeps the version id, and marks records only S3 can settle, with a reason', () => {
    const versioned = s3Record('b1', 'x', 'ObjectRemoved:Delete');
    (versioned.s3.object as { versionId?: string }).versionId = 'v-1';
    expect(parseRecord(versioned)).toMatchObject({ ok: true, change: { versionId: 'v-1', kind: 'removed' } });
    const noSeq = s3Record('b1', 'x', 'ObjectCreated:Put', { size: 1 });
    (noSeq.s3.object as { sequencer?: string }).sequencer = undefined;
    expect(parseRecord(noSeq)).toMatchObject({
      ok: true,
      change: { sequencer: '', needsVerification: expect.stringContaining('sequencer') },
    });
    const badSize = s3Record('b1', 'x', 'ObjectCreated:Put');
    (badSize.s3.object as { size?: number }).size = undefined;
    expect(parseRecord(badSize)).toMatchObject({
      ok: true,
      change: { needsVerification: expect.stringContaining('size') },
    });
    const badKey = s3Record('b1', 'x', 'ObjectCreated:Put', { size: 1 });
    badKey.s3.object.key = 'a+%E0%A4%A';
    expect(parseRecord(badKey)).toMatchObject({
      ok: true,
      change: { key: 'a %E0%A4%A', needsVerification: expect.stringContaining('URL encoding') },
    });
    expect(parseRecord(s3Record('b1', 'x', 'LifecycleTransition'))).toMatchObject({ ok: false });
  });
});
