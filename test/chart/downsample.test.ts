import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../emulator/services/seeded-random.ts';
import { downsample } from '../../handlers/chart/downsample.ts';
import type { SizePoint } from '../../handlers/chart/types.ts';

function randomSeries(n: number, seed: number): SizePoint[] {
  const random = seededRandom(seed);
  const points: SizePoint[] = [];
  let time = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    time += Math.floor(random() * 2000);
    points.push({ timeMs: time, sizeBytes: Math.floor(random() * 1e9), objectCount: i });
  }
  return points;
}

/** The element at `i`, failing the test when it is missing. */
function at<T>(list: readonly T[], i: number): T {
  const value = list[i];
  if (value === undefined) throw new Error(`no element at ${i}`);
  return value;
}

const extremes = (points: SizePoint[]) => ({
  min: points.reduce((m, p) => Math.min(m, p.sizeBytes), Number.POSITIVE_INFINITY),
  max: points.reduce((m, p) => Math.max(m, p.sizeBytes), Number.NEGATIVE_INFINITY),
});

describe('downsample', () => {
  it('returns short series unchanged', () => {
    const points = randomSeries(2800, 1);
    expect(downsample(points, 700)).toBe(points);
    expect(downsample([], 700)).toEqual([]);
  });

  it('keeps first, last, global min and max of 100,000 points in at most 4 per column', () => {
    const points = randomSeries(100_000, 42);
    const out = downsample(points, 700);
    expect(out.length).toBeLessThanOrEqual(2800);
    expect(out.length).toBeGreaterThan(700);
    expect(out[0]).toBe(points[0]);
    expect(out[out.length - 1]).toBe(points[points.length - 1]);
    const all = extremes(points);
    expect(extremes(out)).toEqual(all);
    // Only input points, each once, in time order.
    const index = new Map(points.map((p, i) => [p, i]));
    let previous = -1;
    for (const p of out) {
      const i = index.get(p) ?? -1;
      expect(i).toBeGreaterThan(previous);
      previous = i;
    }
  });

  it('is exact per column: every bin keeps its own first, last, min and max', () => {
    const points = randomSeries(50_000, 7);
    const columns = 300;
    const start = at(points, 0).timeMs;
    const span = at(points, points.length - 1).timeMs - start;
    const binOf = (p: SizePoint) => Math.min(columns - 1, Math.floor(((p.timeMs - start) / span) * columns));
    const group = (list: SizePoint[]) => {
      const bins = new Map<number, SizePoint[]>();
      for (const p of list) bins.set(binOf(p), [...(bins.get(binOf(p)) ?? []), p]);
      return bins;
    };
    const inBins = group(points);
    const outBins = group(downsample(points, columns));
    expect([...outBins.keys()]).toEqual([...inBins.keys()]);
    for (const [bin, input] of inBins) {
      const output = outBins.get(bin) ?? [];
      expect(output.length).toBeLessThanOrEqual(4);
      expect(output[0]).toBe(input[0]);
      expect(output[output.length - 1]).toBe(input[input.length - 1]);
      expect(extremes(output)).toEqual(extremes(input));
    }
  });

  it('bins over an explicit range, clamping points outside it', () => {
    const points = randomSeries(10_000, 3);
    const range = { startMs: at(points, 2000).timeMs, endMs: at(points, 3000).timeMs };
    const out = downsample(points, 100, range);
    expect(out.length).toBeLessThanOrEqual(400);
    expect(out[0]).toBe(points[0]);
    expect(out[out.length - 1]).toBe(points[points.length - 1]);
    expect(extremes(out)).toEqual(extremes(points));
  });

  it('handles all points at the same time (one bin)', () => {
    const points: SizePoint[] = [5, 9, 1, 7, 3, 8, 2, 6, 4].map((s) => ({
      timeMs: 1000,
      sizeBytes: s,
      objectCount: 1,
    }));
    expect(downsample(points, 1).map((p) => p.sizeBytes)).toEqual([5, 9, 1, 4]);
  });
});
