import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatDuration,
  formatUtcTime,
  niceByteTicks,
  TIME_INTERVALS_MS,
  timeLabelFormat,
  timeTicks,
} from '../../handlers/chart/units.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [2, '2 B'],
    [27, '27 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [10 * KiB, '10 KiB'],
    [100.5 * KiB, '101 KiB'],
    [MiB - 1, '1 MiB'],
    [MiB, '1 MiB'],
    [1.25 * GiB, '1.25 GiB'],
    [TiB, '1 TiB'],
    [3.5 * TiB, '3.5 TiB'],
    [-1536, '-1.5 KiB'],
  ])('%d -> %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe('formatDuration', () => {
  it.each([
    [10, '10 s'],
    [60, '1 min'],
    [90, '90 s'],
    [300, '5 min'],
    [7200, '2 h'],
    [5400, '90 min'],
    [86_400, '1 d'],
    [3 * 86_400, '3 d'],
    [36 * 3600, '36 h'],
  ])('%d s -> %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('niceByteTicks', () => {
  it('uses bytes for tiny sizes and always starts at 0', () => {
    const t = niceByteTicks(27, 5);
    expect(t.ticks).toEqual([0, 10, 20, 30]);
    expect(t.labels).toEqual(['0 B', '10 B', '20 B', '30 B']);
    expect(t.top).toBe(30);
  });

  it('never gives a zero range', () => {
    for (const max of [0, -5, Number.NaN]) {
      const t = niceByteTicks(max, 5);
      expect(t.ticks[0]).toBe(0);
      expect(t.top).toBeGreaterThan(0);
    }
  });

  it('keeps every label in one binary unit', () => {
    expect(niceByteTicks(5.4 * MiB, 5).labels).toEqual(['0 MiB', '2 MiB', '4 MiB', '6 MiB']);
    expect(niceByteTicks(2000 * KiB, 5).labels).toEqual([
      '0 KiB',
      '500 KiB',
      '1000 KiB',
      '1500 KiB',
      '2000 KiB',
    ]);
  });

  it('moves to the next unit instead of steps above 500 units', () => {
    const t = niceByteTicks(3000 * KiB, 5);
    expect(t.step).toBe(MiB);
    expect(t.labels).toEqual(['0 MiB', '1 MiB', '2 MiB', '3 MiB']);
  });

  it('steps are 1/2/5 x 10^k of a binary unit, covering max within count intervals', () => {
    for (let max = 1; max < 40 * TiB; max *= 1.37) {
      for (const count of [3, 5, 8]) {
        const t = niceByteTicks(max, count);
        expect(t.top).toBeGreaterThanOrEqual(max);
        expect(t.ticks.length - 1).toBeLessThanOrEqual(count);
        expect(t.ticks.length).toBe(t.labels.length);
        const unit = 1024 ** Math.floor(Math.log(t.step) / Math.log(1024) + 1e-9);
        expect([1, 2, 5, 10, 20, 50, 100, 200, 500]).toContain(t.step / unit);
        expect(t.ticks).toEqual(t.ticks.map((_, i) => i * t.step));
      }
    }
  });
});

describe('timeTicks', () => {
  const noon = Date.UTC(2024, 0, 15, 12, 0, 0);

  it('picks the smallest round interval that fits', () => {
    expect(timeTicks(noon, noon + 60_000, 7).map((t) => (t - noon) / 1000)).toEqual([
      0, 10, 20, 30, 40, 50, 60,
    ]);
    expect(timeTicks(noon, noon + 60_000, 6).map((t) => (t - noon) / 1000)).toEqual([0, 15, 30, 45, 60]);
    expect(timeTicks(noon, noon + 3_600_000, 7).map((t) => (t - noon) / 60_000)).toEqual([
      0, 10, 20, 30, 40, 50, 60,
    ]);
  });

  it('aligns ticks to round UTC times', () => {
    const start = noon + 7_123;
    const ticks = timeTicks(start, start + 60_000, 7);
    expect(ticks[0]).toBe(noon + 10_000);
    for (const t of ticks) expect(t % 10_000).toBe(0);
  });

  it('uses hours and days for long ranges', () => {
    const day = 86_400_000;
    const dayTicks = timeTicks(noon - day, noon, 8);
    expect(dayTicks.length).toBeLessThanOrEqual(8);
    expect(Number(dayTicks[1]) - Number(dayTicks[0])).toBe(6 * 3_600_000);
    const weekTicks = timeTicks(noon - 7 * day, noon, 8);
    expect(Number(weekTicks[1]) - Number(weekTicks[0])).toBe(day);
  });

  it('never exceeds maxTicks, for any range', () => {
    for (const interval of TIME_INTERVALS_MS) {
      for (const factor of [0.5, 3, 9.7, 40]) {
        const end = noon + interval * factor;
        for (const max of [2, 5, 9]) expect(timeTicks(noon, end, max).length).toBeLessThanOrEqual(max);
      }
    }
    expect(timeTicks(noon, noon + 20 * 365 * 86_400_000, 5).length).toBeLessThanOrEqual(5);
    expect(timeTicks(noon, noon - 1, 5)).toEqual([]);
  });
});

describe('time labels', () => {
  const t = Date.UTC(2024, 0, 15, 3, 4, 5);

  it('chooses the format from the range', () => {
    expect(timeLabelFormat(0, 60_000)).toBe('HH:MM:SS');
    expect(timeLabelFormat(0, 3_600_000)).toBe('HH:MM');
    expect(timeLabelFormat(0, 86_400_000)).toBe('MM-DD HH:MM');
  });

  it('formats in UTC whatever the machine time zone', () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ['UTC', 'America/Los_Angeles', 'Asia/Kolkata']) {
        process.env.TZ = tz;
        expect(formatUtcTime(t, 'HH:MM:SS')).toBe('03:04:05');
        expect(formatUtcTime(t, 'HH:MM')).toBe('03:04');
        expect(formatUtcTime(t, 'MM-DD HH:MM')).toBe('01-15 03:04');
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});
