import { describe, expect, it } from 'vitest';
import { maxWindowSeconds, parsePlotRequest } from '../../handlers/plotting/request.ts';

describe('parsePlotRequest', () => {
  it('accepts a window and defaults the bucket and format', () => {
    expect(parsePlotRequest({ window: '60' }, undefined, 'tracked-b')).toEqual({
      ok: true,
      request: { windowSeconds: 60, endMs: null, bucket: 'tracked-b', format: 'png' },
    });
    expect(
      parsePlotRequest({ window: '1.5', bucket: 'other.bucket-1' }, 'application/json', 'x-y-z'),
    ).toEqual({
      ok: true,
      request: { windowSeconds: 1.5, endMs: null, bucket: 'other.bucket-1', format: 'json' },
    });
    expect(parsePlotRequest({ window: '10', format: 'json' }, 'image/png', 'abc')).toMatchObject({
      ok: true,
      request: { format: 'json' },
    });
    expect(parsePlotRequest({ window: '10', end: '2026-01-01T00:01:00Z' }, undefined, 'abc')).toMatchObject({
      request: { endMs: Date.UTC(2026, 0, 1, 0, 1) },
    });
    expect(parsePlotRequest({ window: '10', end: '1767225660000' }, undefined, 'abc')).toMatchObject({
      request: { endMs: 1767225660000 },
    });
  });

  it.each([
    [{}, 'required'],
    [{ window: '' }, 'required'],
    [{ window: 'abc' }, 'positive number'],
    [{ window: '-5' }, 'positive number'],
    [{ window: '0' }, 'greater than 0'],
    [{ window: '1e9' }, 'positive number'],
    [{ window: String(maxWindowSeconds + 1) }, 'at most'],
    [{ window: '60', bucket: 'Bad_Bucket' }, 'not a valid S3 bucket name'],
    [{ window: '60', bucket: 'ab' }, 'not a valid S3 bucket name'],
    [{ window: '60', format: 'svg' }, '"format"'],
    [{ window: '60', end: 'yesterday' }, '"end"'],
  ])('rejects %j with a message', (query, message) => {
    const parsed = parsePlotRequest(query, undefined, 'tracked-b');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain(message);
  });
});
