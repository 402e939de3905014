import { describe, expect, it } from 'vitest';
import { maxEndMs, maxWindowSeconds, parsePlotRequest } from '../../handlers/plotting/request.ts';

describe('parsePlotRequest', () => {
  it('accepts a window and defaults the bucket and format', () => {
    expect(parsePlotRequest({ window: '60' }, undefined, 'tracked-b')).toEqual({
      ok: true,
      request: {
        windowSeconds: 60,
        endMs: null,
        bucket: 'tracked-b',
        format: 'png',
        series: 'current',
        width: 800,
        height: 450,
      },
    });
    expect(
      parsePlotRequest({ window: '1.5', bucket: 'other.bucket-1' }, 'application/json', 'x-y-z'),
    ).toEqual({
      ok: true,
      request: {
        windowSeconds: 1.5,
        endMs: null,
        bucket: 'other.bucket-1',
        format: 'json',
        series: 'current',
        width: 800,
        height: 450,
      },
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
    // issue 9: beyond what Date holds; answered 500 before
    [{ window: '60', end: '99999999999999999' }, '"end" must be at most'],
    [{ window: '60', end: String(maxEndMs + 1) }, '"end" must be at most'],
    [{ window: '60', end: '+275760-09-13T00:00:00.000Z' }, '"end" must be at most'],
    [{ window: '60', series: 'all' }, '"series"'],
    [{ window: '60', series: '' }, '"series"'],
    [{ window: '60', format: '' }, '"format"'],
    [{ window: '60', bucket: '' }, '"bucket"'],
  ])('rejects %j with a message', (query, message) => {
    const parsed = parsePlotRequest(query, undefined, 'tracked-b');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain(message);
  });

  it('reads series=current|stored|both, current by default', () => {
    for (const series of ['current', 'stored', 'both'] as const) {
      expect(parsePlotRequest({ window: '60', series }, undefined, 'abc')).toMatchObject({
        ok: true,
        request: { series },
      });
    }
    expect(parsePlotRequest({ window: '60', end: String(maxEndMs) }, undefined, 'abc')).toMatchObject({
      ok: true,
      request: { endMs: maxEndMs },
    });
  });

  it('reads size=<width>x<height> within bounds, and names "size" otherwise', () => {
    expect(parsePlotRequest({ window: '60', size: '1000x400' }, undefined, 'abc')).toMatchObject({
      ok: true,
      request: { width: 1000, height: 400 },
    });
    for (const size of ['1000', '299x400', '1000x199', '2001x400', '1000x1501', '1e3x400', 'x', '']) {
      const parsed = parsePlotRequest({ window: '60', size }, undefined, 'abc');
      expect(!parsed.ok && parsed.error).toContain('query parameter "size" must be <width>x<height>');
    }
  });

  it('refuses a parameter it reads given twice, and ignores unknown ones', () => {
    const twice = parsePlotRequest({ window: '60', series: 'both' }, undefined, 'abc', {
      window: ['60'],
      series: ['current', 'both'],
    });
    expect(twice).toEqual({ ok: false, error: 'query parameter "series" is given 2 times: give it once' });
    expect(
      parsePlotRequest({ window: '60', _: '1' }, undefined, 'abc', { window: ['60'], _: ['1', '2'] }),
    ).toMatchObject({ ok: true });
  });

  it('quotes odd values in messages, escaped and cut short', () => {
    const parsed = parsePlotRequest({ window: `\n${'9'.repeat(200)}` }, undefined, 'abc');
    expect(!parsed.ok && parsed.error).toContain('"window"');
    expect(!parsed.ok && parsed.error.length).toBeLessThan(200);
  });
});
