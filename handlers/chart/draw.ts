/** Drawing helpers for renderChart. Each takes the 2D context and the plot rectangle. */
import type { CanvasRenderingContext2D } from 'canvas';
import { chartFont } from './font.ts';
import type { SizePoint } from './types.ts';

export type Plot = { left: number; top: number; right: number; bottom: number };

export const COLORS = {
  background: '#ffffff',
  text: '#222222',
  muted: '#666666',
  axis: '#444444',
  grid: '#e4e4e4',
  line: '#1f6fb4',
  stored: '#e08a00',
  max: '#c62828',
} as const;

/** Half-pixel offset so 1 px lines fall on one pixel row/column instead of two. */
const crisp = (v: number) => Math.round(v) + 0.5;

function line(ctx: CanvasRenderingContext2D, x1: number, y1: number, x2: number, y2: number): void {
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x2, y2);
  ctx.stroke();
}

export function drawTitle(ctx: CanvasRenderingContext2D, text: string, width: number, y: number): void {
  let size = 16;
  ctx.font = chartFont(size);
  while (size > 9 && ctx.measureText(text).width > width - 20) ctx.font = chartFont(--size);
  ctx.fillStyle = COLORS.text;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, width / 2, y);
}

/** Horizontal grid lines, tick labels and the rotated "Size" title of the y axis. */
export function drawYAxis(
  ctx: CanvasRenderingContext2D,
  plot: Plot,
  ticks: { values: number[]; labels: string[]; yOf: (v: number) => number },
  title: string,
): void {
  ctx.lineWidth = 1;
  ctx.font = chartFont(12);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ticks.values.forEach((value, i) => {
    const y = crisp(ticks.yOf(value));
    ctx.strokeStyle = COLORS.grid;
    line(ctx, plot.left, y, plot.right, y);
    ctx.strokeStyle = COLORS.axis;
    line(ctx, plot.left - 5, y, plot.left, y);
    ctx.fillStyle = COLORS.text;
    ctx.fillText(ticks.labels[i] ?? '', plot.left - 8, y);
  });
  ctx.save();
  ctx.font = chartFont(13);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.translate(8, (plot.top + plot.bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(title, 0, 0);
  ctx.restore();
}

/** Vertical grid lines, tick labels and the title of the x axis, centred under the plot. */
export function drawXAxis(
  ctx: CanvasRenderingContext2D,
  plot: Plot,
  ticks: { xs: number[]; labels: string[] },
  title: string,
  canvasWidth: number,
  canvasHeight: number,
): void {
  ctx.lineWidth = 1;
  ctx.font = chartFont(12);
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ticks.xs.forEach((xRaw, i) => {
    const x = crisp(xRaw);
    ctx.strokeStyle = COLORS.grid;
    line(ctx, x, plot.top, x, plot.bottom);
    ctx.strokeStyle = COLORS.axis;
    line(ctx, x, plot.bottom, x, plot.bottom + 5);
    const label = ticks.labels[i] ?? '';
    const w = ctx.measureText(label).width;
    // Centred on the tick, but kept inside the canvas.
    const left = Math.min(Math.max(xRaw - w / 2, 2), canvasWidth - 2 - w);
    ctx.fillStyle = COLORS.text;
    ctx.fillText(label, Math.round(left), plot.bottom + 8);
  });
  ctx.font = chartFont(13);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(title, (plot.left + plot.right) / 2, canvasHeight - 6);
}

/** The plot frame: left and bottom axes. */
export function drawAxesFrame(ctx: CanvasRenderingContext2D, plot: Plot): void {
  ctx.strokeStyle = COLORS.axis;
  ctx.lineWidth = 1;
  const x = crisp(plot.left) - 1;
  const y = crisp(plot.bottom);
  ctx.beginPath();
  ctx.moveTo(x, plot.top);
  ctx.lineTo(x, y);
  ctx.lineTo(plot.right, y);
  ctx.stroke();
}

/** The dashed all-time-maximum line with its label (above the line when there is room, else below). */
export function drawMaxLine(ctx: CanvasRenderingContext2D, plot: Plot, y: number, label: string): void {
  const yy = crisp(y);
  ctx.save();
  ctx.strokeStyle = COLORS.max;
  ctx.lineWidth = 1;
  ctx.setLineDash([6, 4]);
  line(ctx, plot.left, yy, plot.right, yy);
  ctx.restore();
  ctx.font = chartFont(12);
  const w = ctx.measureText(label).width;
  const above = yy - 18 >= plot.top;
  const boxTop = above ? yy - 18 : yy + 3;
  const boxLeft = Math.round(plot.right - w - 10);
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fillRect(boxLeft, boxTop, Math.ceil(w) + 6, 15);
  ctx.fillStyle = COLORS.max;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(label, boxLeft + 3, boxTop + 1);
}

/**
 * The size as a step line: constant until the next change, then a vertical jump; the last value
 * is extended to `endX`. Markers (when `markers`) sit on every point except `skipMarker`.
 */
export function drawStepSeries(
  ctx: CanvasRenderingContext2D,
  points: SizePoint[],
  xOf: (t: number) => number,
  yOf: (v: number) => number,
  endX: number,
  options: {
    markers: boolean;
    skipMarker?: SizePoint | undefined;
    drawnValue?: (point: SizePoint) => number;
    color?: string;
  },
): void {
  const drawnValue = options.drawnValue ?? ((point: SizePoint) => point.sizeBytes);
  const first = points[0];
  if (first === undefined) return;
  ctx.save();
  ctx.strokeStyle = options.color ?? COLORS.line;
  ctx.fillStyle = options.color ?? COLORS.line;
  ctx.lineWidth = 2;
  ctx.lineJoin = 'miter';
  ctx.beginPath();
  let prevY = yOf(drawnValue(first));
  ctx.moveTo(xOf(first.timeMs), prevY);
  for (let i = 1; i < points.length; i++) {
    const p = points[i] as SizePoint;
    const x = xOf(p.timeMs);
    const y = yOf(drawnValue(p));
    ctx.lineTo(x, prevY);
    ctx.lineTo(x, y);
    prevY = y;
  }
  ctx.lineTo(endX, prevY);
  ctx.stroke();
  if (options.markers) {
    for (const p of points) {
      if (p === options.skipMarker) continue;
      ctx.beginPath();
      ctx.arc(xOf(p.timeMs), yOf(drawnValue(p)), 3.5, 0, Math.PI * 2);
      ctx.fill();
    }
  }
  ctx.restore();
}

/** A muted note centred in the plot (e.g. "no changes in this window"). */
export function drawNote(ctx: CanvasRenderingContext2D, plot: Plot, text: string): void {
  ctx.font = chartFont(14);
  ctx.fillStyle = COLORS.muted;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2);
}

/** A legend in the plot's top-left corner: one short line of each colour with its label. */
export function drawLegend(
  ctx: CanvasRenderingContext2D,
  plot: Plot,
  entries: readonly { color: string; label: string }[],
): void {
  ctx.font = chartFont(12);
  const width = Math.ceil(Math.max(...entries.map((e) => ctx.measureText(e.label).width))) + 36;
  const left = plot.left + 8;
  const top = plot.top + 6;
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fillRect(left, top, width, entries.length * 16 + 6);
  entries.forEach((entry, i) => {
    const y = crisp(top + 11 + i * 16);
    ctx.save();
    ctx.strokeStyle = entry.color;
    ctx.lineWidth = 2;
    line(ctx, left + 6, y, left + 24, y);
    ctx.restore();
    ctx.fillStyle = COLORS.text;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(entry.label, left + 30, y);
  });
}
