import { type Series, type SizePoint, seriesValue } from '../chart/types.ts';

/**
 * Multi-resolution roll-ups of a bucket's size history (pure). For each level (slot width in
 * seconds) and each slot, the roll-up keeps the slot's first, last, smallest and largest point:
 * exactly what the chart's per-pixel downsampling keeps. A chart of a long window reads at most
 * `maxSlotsPerChart` roll-ups of the coarsest level that still gives every pixel column its own
 * slot, so reading and drawing cost the same for 100 points as for 100,000, and the line drawn is
 * exact at the resolution it is drawn.
 */
export const rollupLevelsSeconds = [1, 10, 60, 600, 3600, 21600, 86400] as const;
export type RollupLevel = (typeof rollupLevelsSeconds)[number];

/** Never read more roll-ups than this for one chart (about two per pixel column of a 800 px chart). */
export const maxSlotsPerChart = 1500;

export interface Rollup {
  readonly level: RollupLevel;
  readonly slotMs: number;
  readonly first: SizePoint;
  readonly last: SizePoint;
  /** Smallest and largest point by current bytes. */
  readonly min: SizePoint;
  readonly max: SizePoint;
  /** Smallest and largest point by stored bytes. */
  readonly storedMin: SizePoint;
  readonly storedMax: SizePoint;
}

export function slotStart(timeMs: number, level: RollupLevel): number {
  const width = level * 1000;
  return Math.floor(timeMs / width) * width;
}

/** True when both times fall in the same slot at every level: the same roll-ups hold both. */
export function sameSlots(aMs: number, bMs: number): boolean {
  return rollupLevelsSeconds.every((level) => slotStart(aMs, level) === slotStart(bMs, level));
}

/** The history table partition holding one level's roll-ups (bucket names cannot contain '#'). */
export function rollupPartition(bucket: string, level: RollupLevel): string {
  return `${bucket}#r${level}`;
}

/** Adds a point to its slot's roll-up. Points arrive in time order (the history never goes back). */
export function mergeRollup(existing: Rollup | undefined, point: SizePoint, level: RollupLevel): Rollup {
  const slotMs = slotStart(point.timeMs, level);
  if (!existing || existing.slotMs !== slotMs)
    return {
      level,
      slotMs,
      first: point,
      last: point,
      min: point,
      max: point,
      storedMin: point,
      storedMax: point,
    };
  const stored = (p: SizePoint) => seriesValue(p, 'stored');
  return {
    ...existing,
    last: point,
    min: point.sizeBytes < existing.min.sizeBytes ? point : existing.min,
    max: point.sizeBytes > existing.max.sizeBytes ? point : existing.max,
    storedMin: stored(point) < stored(existing.storedMin) ? point : existing.storedMin,
    storedMax: stored(point) > stored(existing.storedMax) ? point : existing.storedMax,
  };
}

/**
 * The points a roll-up stands for in one series: first, smallest, largest, last, in time order,
 * without repeats.
 */
export function rollupPoints(rollup: Rollup, series: Series = 'current'): SizePoint[] {
  const [min, max] = series === 'stored' ? [rollup.storedMin, rollup.storedMax] : [rollup.min, rollup.max];
  const points = [rollup.first, min, max, rollup.last].sort((a, b) => a.timeMs - b.timeMs);
  return points.filter((p, i) => {
    const previous = points[i - 1];
    return (
      !previous || previous.timeMs !== p.timeMs || seriesValue(previous, series) !== seriesValue(p, series)
    );
  });
}

/** The finest level whose slots over the window number at most `maxSlotsPerChart`. */
export function levelForWindow(windowMs: number): RollupLevel {
  for (const level of rollupLevelsSeconds) {
    if (windowMs / (level * 1000) <= maxSlotsPerChart - 1) return level;
  }
  return rollupLevelsSeconds[rollupLevelsSeconds.length - 1] as RollupLevel;
}
