import { describe, expect, it } from 'vitest';
import type { SizePoint } from '../../handlers/chart/types.ts';
import {
  levelForWindow,
  maxSlotsPerChart,
  mergeRollup,
  type Rollup,
  rollupLevelsSeconds,
  rollupPartition,
  rollupPoints,
  sameSlots,
  slotStart,
} from '../../handlers/tracking/rollups.ts';

const p = (timeMs: number, sizeBytes: number): SizePoint => ({ timeMs, sizeBytes, objectCount: 1 });

describe('roll-ups', () => {
  it('keep the first, last, smallest and largest point of a slot', () => {
    let rollup: Rollup | undefined;
    for (const point of [p(60_000, 5), p(61_000, 9), p(62_000, 1), p(63_000, 4)])
      rollup = mergeRollup(rollup, point, 60);
    expect(rollup).toMatchObject({
      slotMs: 60_000,
      first: p(60_000, 5),
      max: p(61_000, 9),
      min: p(62_000, 1),
      last: p(63_000, 4),
    });
    expect(rollupPoints(rollup as Rollup)).toEqual([p(60_000, 5), p(61_000, 9), p(62_000, 1), p(63_000, 4)]);
  });

  it('start a new slot when a point falls past the current one', () => {
    const first = mergeRollup(undefined, p(59_999, 3), 60);
    const next = mergeRollup(first, p(60_000, 7), 60);
    expect(next).toMatchObject({ slotMs: 60_000, first: p(60_000, 7), last: p(60_000, 7) });
    expect(rollupPoints(next)).toEqual([p(60_000, 7)]);
  });

  it('do not repeat a point that is both first and smallest', () => {
    const rollup = mergeRollup(mergeRollup(undefined, p(0, 1), 10), p(1000, 2), 10);
    expect(rollupPoints(rollup)).toEqual([p(0, 1), p(1000, 2)]);
  });

  it('choose the finest level that keeps a window under the read bound', () => {
    expect(levelForWindow(60_000)).toBe(1);
    expect(levelForWindow(3_600_000)).toBe(10);
    expect(levelForWindow(86_400_000)).toBe(60);
    expect(levelForWindow(7 * 86_400_000)).toBe(600);
    expect(levelForWindow(366 * 86_400_000)).toBe(21600);
    for (const windowMs of [1e3, 1e5, 1e7, 1e9, 3e10]) {
      expect(windowMs / (levelForWindow(windowMs) * 1000)).toBeLessThan(maxSlotsPerChart);
    }
  });

  it('align slots to their width and keep levels apart by partition', () => {
    expect(slotStart(Date.UTC(2026, 0, 1, 10, 37, 12, 345), 600)).toBe(Date.UTC(2026, 0, 1, 10, 30));
    expect(new Set(rollupLevelsSeconds.map((level) => rollupPartition('b', level))).size).toBe(
      rollupLevelsSeconds.length,
    );
  });

  it('share every slot only within the same second', () => {
    const day = 86_400_000;
    expect(sameSlots(5 * day + 1_000, 5 * day + 1_999)).toBe(true);
    expect(sameSlots(5 * day + 999, 5 * day + 1_000)).toBe(false);
    // the last second of a day and the first of the next: every level's slot differs
    expect(sameSlots(6 * day - 1, 6 * day)).toBe(false);
    expect(
      rollupLevelsSeconds.some((level) => slotStart(6 * day - 1, level) === slotStart(6 * day, level)),
    ).toBe(false);
  });
});
