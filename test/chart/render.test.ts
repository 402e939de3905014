import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../emulator/services/seeded-random.ts';
import { chartFontPath, renderChart, setChartFontPath } from '../../handlers/chart/render.ts';
import type { ChartOptions, SizePoint } from '../../handlers/chart/types.ts';
import { decodePng, expectMatchesGolden as expectGoldenFile } from '../support/png-golden.ts';

const GOLDENS = fileURLToPath(new URL('./goldens/', import.meta.url));
const WIDTH = 800;
const HEIGHT = 450;

const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);
const MiB = 1024 * 1024;

/** A random walk of `n` points in the MiB range, evenly spread over the day before `endMs`. */
function randomWalk(n: number, endMs: number, seed: number): SizePoint[] {
  const random = seededRandom(seed);
  const startMs = endMs - 86_400_000;
  const points: SizePoint[] = [];
  let size = 40 * MiB;
  let count = 1000;
  for (let i = 0; i < n; i++) {
    const delta = Math.round((random() - 0.5) * 128 * 1024);
    size = Math.max(0, size + delta);
    count = Math.max(0, count + (delta > 0 ? 1 : -1));
    points.push({
      timeMs: startMs + Math.floor(((i + 0.5) * 86_400_000) / n),
      sizeBytes: size,
      objectCount: count,
    });
  }
  return points;
}

const seedSeries: SizePoint[] = [18, 27, 0, 2].map((sizeBytes, i) => ({
  timeMs: T0 + i * 5000,
  sizeBytes,
  objectCount: [1, 2, 0, 1][i] ?? 0,
}));
const seedOptions: ChartOptions = {
  bucket: 'tracked-bucket',
  windowSeconds: 60,
  startMs: T0 + 20_000 - 60_000,
  endMs: T0 + 20_000,
  maxSizeBytes: 27,
};

const decode = decodePng;

function expectPngBasics(png: Buffer, width = WIDTH, height = HEIGHT): PNG {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const image = decode(png);
  expect([image.width, image.height]).toEqual([width, height]);
  return image;
}

/** Non-white pixels inside the rectangle (roughly the plot area). */
function nonWhitePixels(image: PNG, x0: number, y0: number, x1: number, y1: number): number {
  let count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * image.width + x) * 4;
      if (Math.min(image.data[i] ?? 0, image.data[i + 1] ?? 0, image.data[i + 2] ?? 0) < 250) count++;
    }
  }
  return count;
}

/** Pixels of exactly one colour (the lines are drawn in pure colours; antialiased edges differ). */
function colouredPixels(image: PNG, [r, g, b]: [number, number, number]): number {
  let count = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    if (image.data[i] === r && image.data[i + 1] === g && image.data[i + 2] === b) count++;
  }
  return count;
}

function expectMatchesGolden(name: string, png: Buffer): void {
  expectPngBasics(png);
  expectGoldenFile(`${GOLDENS}${name}.png`, png);
}

describe('renderChart', () => {
  it('(a) seed scenario: 18, 27, 0, 2 bytes over 60 s with max 27', () => {
    const png = renderChart(seedSeries, seedOptions);
    const image = expectPngBasics(png);
    expect(nonWhitePixels(image, 100, 50, 770, 390)).toBeGreaterThan(500);
    expectMatchesGolden('seed-60s', png);
  });

  it('(b) empty series with an all-time maximum', () => {
    const png = renderChart([], {
      ...seedOptions,
      windowSeconds: 3600,
      startMs: T0 - 3_600_000,
      endMs: T0,
      maxSizeBytes: 5 * MiB,
    });
    const image = expectPngBasics(png);
    expect(nonWhitePixels(image, 100, 50, 770, 390)).toBeGreaterThan(100);
    expectMatchesGolden('empty-with-max', png);
  });

  it('(c) 100,000-point random walk over a day', () => {
    const series = randomWalk(100_000, T0, 20240115);
    const peak = series.reduce((m, p) => Math.max(m, p.sizeBytes), 0);
    const png = renderChart(series, {
      bucket: 'tracked-bucket',
      windowSeconds: 86_400,
      startMs: T0 - 86_400_000,
      endMs: T0,
      maxSizeBytes: peak + 3 * MiB,
    });
    const image = expectPngBasics(png);
    expect(nonWhitePixels(image, 100, 50, 770, 390)).toBeGreaterThan(2000);
    expectMatchesGolden('random-walk-1d', png);
  });

  // The versioned driver scenario: current 18, 27, 0, 2 bytes; stored 18, 45, 45, 47 bytes.
  const versionedSeries: SizePoint[] = seedSeries.map((p, i) => ({
    ...p,
    storedBytes: [18, 45, 45, 47][i] ?? 0,
    storedVersions: [1, 2, 2, 3][i] ?? 0,
  }));

  it('(d) both series: two lines and a legend; the committed maximum beside the current one', () => {
    const png = renderChart(versionedSeries, { ...seedOptions, series: 'both' });
    const image = expectPngBasics(png);
    // the stored line (orange) reaches 47 bytes, above the current maximum
    expect(colouredPixels(image, [0xe0, 0x8a, 0x00])).toBeGreaterThan(300);
    expect(colouredPixels(image, [0x1f, 0x6f, 0xb4])).toBeGreaterThan(300);
    expectMatchesGolden('seed-60s-both', png);
  });

  it('(e) the stored series alone: no current line, no maximum of the current totals', () => {
    const png = renderChart(versionedSeries, { ...seedOptions, series: 'stored' });
    const image = expectPngBasics(png);
    expect(colouredPixels(image, [0xe0, 0x8a, 0x00])).toBeGreaterThan(300);
    expect(colouredPixels(image, [0x1f, 0x6f, 0xb4])).toBe(0);
    expect(colouredPixels(image, [0xc6, 0x28, 0x28])).toBe(0);
    expectMatchesGolden('seed-60s-stored', png);
  });

  it('draws a point without stored totals at its current totals (stored == current)', () => {
    const stored = renderChart(seedSeries, { ...seedOptions, series: 'stored' });
    const explicit = renderChart(
      seedSeries.map((p) => ({ ...p, storedBytes: p.sizeBytes, storedVersions: p.objectCount })),
      { ...seedOptions, series: 'stored' },
    );
    expect(stored.equals(explicit)).toBe(true);
  });

  it('is deterministic: the same input gives the same bytes', () => {
    expect(renderChart(seedSeries, seedOptions).equals(renderChart(seedSeries, seedOptions))).toBe(true);
  });

  it('renders long histories through the downsampler (100 and 100,000 points)', () => {
    const options: ChartOptions = {
      bucket: 'b',
      windowSeconds: 86_400,
      startMs: T0 - 86_400_000,
      endMs: T0,
      maxSizeBytes: null,
    };
    const timings: string[] = [];
    for (const n of [100, 100_000]) {
      const series = randomWalk(n, T0, 99);
      const started = performance.now();
      const png = renderChart(series, options);
      timings.push(`${n} points: ${(performance.now() - started).toFixed(1)} ms`);
      expectPngBasics(png);
    }
    console.log(`chart render times: ${timings.join(', ')}`);
  });

  it('honours width and height, and carries in the size from before the window', () => {
    const series: SizePoint[] = [
      { timeMs: T0 - 3_600_000, sizeBytes: 4096, objectCount: 2 },
      { timeMs: T0 + 30_000, sizeBytes: 8192, objectCount: 3 },
    ];
    const png = renderChart(series, {
      ...seedOptions,
      startMs: T0,
      endMs: T0 + 60_000,
      width: 640,
      height: 360,
    });
    const image = expectPngBasics(png, 640, 360);
    expect(nonWhitePixels(image, 80, 50, 610, 300)).toBeGreaterThan(200);
  });

  it('rejects sizes with no room for a chart', () => {
    expect(() => renderChart(seedSeries, { ...seedOptions, width: 50 })).toThrow(RangeError);
    expect(() => renderChart(seedSeries, { ...seedOptions, height: 10.5 })).toThrow(RangeError);
    expectPngBasics(renderChart(seedSeries, { ...seedOptions, width: 300, height: 200 }), 300, 200);
  });

  // A second font (same DejaVu licence as the shipped one, see handlers/chart/fonts/LICENSE).
  const otherFont = fileURLToPath(new URL('./fixtures/DejaVuSansMono-Oblique.ttf', import.meta.url));
  it('draws text with the loaded font file, not a system font', () => {
    const original = chartFontPath();
    const withShipped = renderChart([], seedOptions);
    try {
      setChartFontPath(otherFont);
      expect(renderChart([], seedOptions).equals(withShipped)).toBe(false);
    } finally {
      setChartFontPath(original);
    }
    expect(renderChart([], seedOptions).equals(withShipped)).toBe(true);
  });

  it('loads the font from the configured path and names it when missing', () => {
    const original = chartFontPath();
    expect(existsSync(original)).toBe(true);
    try {
      setChartFontPath('/nonexistent/chart-font.ttf');
      expect(() => renderChart(seedSeries, seedOptions)).toThrow(/\/nonexistent\/chart-font\.ttf/);
    } finally {
      setChartFontPath(original);
    }
    expectPngBasics(renderChart(seedSeries, seedOptions));
  });
});
