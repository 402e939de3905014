/**
 * The chart cache (pure): rendered answers of the plot API kept in memory, per execution environment,
 * keyed by everything that decides the answer's bytes, including the bucket's last revision. A new
 * history point raises the revision, so a changed bucket is a new key: nothing is ever invalidated
 * and no stale chart can be served; old keys simply age out of the LRU.
 */

export interface ChartCacheKeyParts {
  readonly bucket: string;
  readonly series: string;
  readonly windowSeconds: number;
  readonly endMs: number;
  readonly width: number;
  readonly height: number;
  readonly format: 'png' | 'json';
  /** The revision of the bucket's newest history point (every commit that changes totals raises it). */
  readonly revision: number;
}

export function chartCacheKey(p: ChartCacheKeyParts): string {
  return [p.bucket, p.series, p.windowSeconds, p.endMs, `${p.width}x${p.height}`, p.format, p.revision].join(
    '|',
  );
}

/** The smallest step "now" is rounded up to: two polls a few seconds apart share one chart. */
export const minNowStepMs = 5_000;

/**
 * The end of a "now" window, rounded *up* to a step of 1 % of the window (at least 5 s), so views
 * within the step share a key. Rounding up, never down: every point committed by `nowMs` lies before
 * the end, so a cached chart never lacks a point (a new point is a new revision, hence a new key);
 * the right edge runs at most one step ahead of the clock (about 1 % of the chart's width).
 */
export function quantisedNow(nowMs: number, windowSeconds: number): number {
  const step = Math.max(minNowStepMs, Math.round(windowSeconds * 10));
  return Math.ceil(nowMs / step) * step;
}

export interface LruBounds {
  /** At most this many entries. */
  readonly maxEntries: number;
  /** At most this many bytes of values in total (an entry larger than this is not kept). */
  readonly maxBytes: number;
}

/** A least-recently-used map bounded by entry count and total bytes (Map keeps insertion order). */
export class LruCache<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private totalBytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly bounds: LruBounds) {
    if (!(bounds.maxEntries >= 1) || !(bounds.maxBytes >= 1))
      throw new RangeError('LRU bounds must be at least 1 entry and 1 byte');
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** The value, counted as a hit (and made most recent), or undefined, counted as a miss. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.value;
  }

  set(key: string, value: V, bytes: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.totalBytes -= old.bytes;
    }
    if (bytes > this.bounds.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.totalBytes += bytes;
    while (this.entries.size > this.bounds.maxEntries || this.totalBytes > this.bounds.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      const dropped = this.entries.get(oldest);
      this.entries.delete(oldest);
      this.totalBytes -= dropped?.bytes ?? 0;
    }
  }
}
