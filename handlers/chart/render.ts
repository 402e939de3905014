import { createCanvas } from 'canvas';
import { downsample } from './downsample.ts';
import {
  COLORS,
  drawAxesFrame,
  drawLegend,
  drawMaxLine,
  drawNote,
  drawStepSeries,
  drawTitle,
  drawXAxis,
  drawYAxis,
  type Plot,
} from './draw.ts';
import { chartFont, ensureChartFont } from './font.ts';
import { type ChartOptions, type Series, type SizePoint, seriesOf, seriesValue } from './types.ts';
import {
  formatBytes,
  formatDuration,
  formatUtcTime,
  niceByteTicks,
  timeLabelFormat,
  timeTicks,
} from './units.ts';

export { chartFontPath, setChartFontPath } from './font.ts';
export type { ChartOptions, SizePoint } from './types.ts';

/** Markers are drawn only when this few points are drawn, so long histories stay fast and legible. */
export const MAX_MARKERS = 200;
/** Space between the data maximum and the top of the y axis. */
const HEADROOM = 1.08;

type Clipped = {
  /** The points drawn: those inside the window, preceded by the value carried in from before it. */
  points: SizePoint[];
  /** The carried-in point, moved to the window's start (drawn without a marker). */
  carried: SizePoint | undefined;
  /** Whether any change happened inside the window. */
  changesInWindow: boolean;
  maxBytes: number;
};

/**
 * Keeps the window's points, and the last earlier point as the size at the window's start. O(n).
 * `maxBytes` is the largest value of the drawn series.
 */
function clipToWindow(series: SizePoint[], startMs: number, endMs: number, drawn: Series[]): Clipped {
  const drawnValue = (p: SizePoint) => Math.max(...drawn.map((kind) => seriesValue(p, kind)));
  let carried: SizePoint | undefined;
  const inside: SizePoint[] = [];
  let maxBytes = 0;
  for (const p of series) {
    if (p.timeMs < startMs) carried = p;
    else if (p.timeMs <= endMs) {
      inside.push(p);
      maxBytes = Math.max(maxBytes, drawnValue(p));
    }
  }
  if (carried === undefined) return { points: inside, carried, changesInWindow: inside.length > 0, maxBytes };
  const moved = { ...carried, timeMs: startMs };
  return {
    points: [moved, ...inside],
    carried: moved,
    changesInWindow: inside.length > 0,
    maxBytes: Math.max(maxBytes, drawnValue(moved)),
  };
}

/** A pixel size: an integer in [min, 8000] (smaller charts have no room for the axes). */
function pixelSize(value: number | undefined, fallback: number, min: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > 8000)
    throw new RangeError(`${name} must be an integer in [${min}, 8000]`);
  return v;
}

/**
 * Renders the bucket's size over [startMs, endMs] as a PNG. Pure: the same series and options give
 * the same pixels on every run (the font is loaded from the shipped TTF, not from the system).
 * `series` must be sorted by time; a point before startMs gives the size at the window's start.
 */
export function renderChart(series: SizePoint[], options: ChartOptions): Buffer {
  ensureChartFont();
  const width = pixelSize(options.width, 800, 300, 'width');
  const height = pixelSize(options.height, 450, 200, 'height');
  if (!Number.isFinite(options.startMs) || !Number.isFinite(options.endMs)) {
    throw new RangeError('startMs and endMs must be finite');
  }
  const startMs = options.startMs;
  const endMs = Math.max(options.endMs, startMs + 1000);
  const drawnSeries = seriesOf(options.series ?? 'current');
  // The largest committed total is one of current totals: drawn only beside the current series.
  const allTimeMax = drawnSeries.includes('current') ? options.maxSizeBytes : null;

  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.antialias = 'gray';
  ctx.textDrawingMode = 'path';
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);

  const clipped = clipToWindow(series, startMs, endMs, drawnSeries);
  const dataMax = Math.max(allTimeMax ?? 0, clipped.maxBytes);

  // Layout: the left margin fits the widest y label; the plot takes the rest.
  const top = 44;
  const bottom = height - 50;
  const yTicks = niceByteTicks(
    dataMax > 0 ? dataMax * HEADROOM : 1,
    Math.max(2, Math.min(8, Math.floor((bottom - top) / 60))),
  );
  ctx.font = chartFont(12);
  const yLabelWidth = Math.max(...yTicks.labels.map((l) => ctx.measureText(l).width));
  const plot: Plot = { left: Math.ceil(26 + yLabelWidth + 10), top, right: width - 24, bottom };
  const plotWidth = plot.right - plot.left;
  const xOf = (t: number) => plot.left + ((t - startMs) / (endMs - startMs)) * plotWidth;
  const yOf = (v: number) => plot.bottom - (v / yTicks.top) * (plot.bottom - plot.top);

  drawYAxis(ctx, plot, { values: yTicks.ticks, labels: yTicks.labels, yOf }, 'Size');
  const format = timeLabelFormat(startMs, endMs);
  const sampleWidth = ctx.measureText(formatUtcTime(startMs, format)).width;
  const xTickTimes = timeTicks(startMs, endMs, Math.max(2, Math.floor(plotWidth / (sampleWidth + 28))));
  drawXAxis(
    ctx,
    plot,
    { xs: xTickTimes.map(xOf), labels: xTickTimes.map((t) => formatUtcTime(t, format)) },
    'Time (UTC)',
    width,
    height,
  );
  drawAxesFrame(ctx, plot);

  const colors: Record<Series, string> = { current: COLORS.line, stored: COLORS.stored };
  for (const kind of drawnSeries) {
    const drawnValue = (p: SizePoint) => seriesValue(p, kind);
    const drawn = downsample(clipped.points, plotWidth, { startMs, endMs }, drawnValue);
    drawStepSeries(ctx, drawn, xOf, yOf, plot.right, {
      markers: drawn.length <= MAX_MARKERS,
      skipMarker: clipped.carried,
      drawnValue,
      color: colors[kind],
    });
  }
  if (allTimeMax !== null)
    drawMaxLine(ctx, plot, yOf(allTimeMax), `largest committed total ${formatBytes(allTimeMax)}`);
  if (drawnSeries.length > 1) {
    drawLegend(ctx, plot, [
      { color: COLORS.line, label: 'current (what a listing shows)' },
      { color: COLORS.stored, label: 'stored (every version kept)' },
    ]);
  }
  if (!clipped.changesInWindow) drawNote(ctx, plot, 'no changes in this window');
  const what = { current: 'Size', stored: 'Stored size', both: 'Current and stored size' }[
    options.series ?? 'current'
  ];
  drawTitle(ctx, `${what} of ${options.bucket} - last ${formatDuration(options.windowSeconds)}`, width, 22);

  return canvas.toBuffer('image/png', { compressionLevel: 6 });
}
