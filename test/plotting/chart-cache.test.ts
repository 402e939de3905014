import { describe, expect, it } from 'vitest';
import { chartCacheKey, LruCache, minNowStepMs, quantisedNow } from '../../handlers/plotting/chart-cache.ts';

const parts = {
  bucket: 'b',
  series: 'current',
  windowSeconds: 3600,
  endMs: 1_000_000,
  width: 800,
  height: 450,
  format: 'png' as const,
  revision: 7,
};

describe('chart cache key', () => {
  it('differs in every part that changes the answer', () => {
    const base = chartCacheKey(parts);
    const changes = [
      { bucket: 'c' },
      { series: 'both' },
      { windowSeconds: 60 },
      { endMs: 1_000_001 },
      { width: 900 },
      { height: 300 },
      { format: 'json' as const },
      { revision: 8 },
    ];
    const keys = changes.map((change) => chartCacheKey({ ...parts, ...change }));
    expect(new Set([base, ...keys]).size).toBe(changes.length + 1);
  });
});

describe('quantisedNow', () => {
  it('rounds "now" up to 1 % of the window, at least 5 s, never down', () => {
    expect(quantisedNow(1, 60)).toBe(minNowStepMs);
    expect(quantisedNow(minNowStepMs, 60)).toBe(minNowStepMs);
    expect(quantisedNow(minNowStepMs + 1, 60)).toBe(2 * minNowStepMs);
    // 1 hour: 36 s steps
    expect(quantisedNow(36_001, 3600)).toBe(72_000);
    for (const now of [1_764_000_000_123, 1_764_000_035_999]) {
      const end = quantisedNow(now, 3600);
      expect(end).toBeGreaterThanOrEqual(now);
      expect(end - now).toBeLessThan(36_000);
    }
    // two polls a few seconds apart share the end (and so the key)
    expect(quantisedNow(1_764_000_001_000, 3600)).toBe(quantisedNow(1_764_000_004_000, 3600));
  });
});

describe('LruCache', () => {
  it('counts hits and misses and keeps at most maxEntries, dropping the least recently used', () => {
    const lru = new LruCache<string>({ maxEntries: 3, maxBytes: 1_000 });
    lru.set('a', 'A', 1);
    lru.set('b', 'B', 1);
    lru.set('c', 'C', 1);
    expect(lru.get('a')).toBe('A'); // a is now the most recent
    lru.set('d', 'D', 1); // drops b, the least recently used
    expect(lru.size).toBe(3);
    expect(lru.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => lru.get(k))).toEqual(['A', 'C', 'D']);
    expect([lru.hits, lru.misses]).toEqual([4, 1]);
  });

  it('keeps the total bytes under maxBytes, and never keeps an entry larger than the bound', () => {
    const lru = new LruCache<string>({ maxEntries: 100, maxBytes: 100 });
    for (let i = 0; i < 10; i++) lru.set(`k${i}`, 'x', 30);
    expect(lru.bytes).toBeLessThanOrEqual(100);
    expect(lru.size).toBe(3);
    expect(lru.get('k9')).toBe('x');
    lru.set('huge', 'x', 101);
    expect(lru.get('huge')).toBeUndefined();
    lru.set('k9', 'y', 10); // replacing an entry counts its new size only
    expect(lru.bytes).toBe(70);
  });

  it('refuses bounds below one entry or byte', () => {
    expect(() => new LruCache({ maxEntries: 0, maxBytes: 10 })).toThrow(RangeError);
  });
});
