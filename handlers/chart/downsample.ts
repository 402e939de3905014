import type { SizePoint } from './types.ts';

/**
 * Reduces a time-sorted series to at most 4 points per column, keeping what a line drawn
 * `columns` pixels wide can show: for each non-empty column (an equal-width time bin) the first
 * point, the smallest, the largest and the last, in time order, without duplicates.
 * Every extreme survives, so the drawn line is exact at that resolution. O(n), no sorting.
 *
 * The bins span `range` (default: the first to the last point's time); points outside it fall in
 * the first or last bin. Series of at most `4 * columns` points are returned unchanged. `drawnValue`
 * is the value drawn (default: current bytes).
 */
export function downsample(
  points: SizePoint[],
  columns: number,
  range?: { startMs: number; endMs: number },
  drawnValue: (point: SizePoint) => number = (point) => point.sizeBytes,
): SizePoint[] {
  const cols = Math.max(1, Math.floor(columns));
  const first = points[0];
  const last = points[points.length - 1];
  if (points.length <= cols * 4 || first === undefined || last === undefined) return points;

  const start = range?.startMs ?? first.timeMs;
  const span = (range?.endMs ?? last.timeMs) - start;
  const binOf = (timeMs: number): number => {
    if (!(span > 0)) return 0;
    const bin = Math.floor(((timeMs - start) / span) * cols);
    return bin < 0 ? 0 : bin >= cols ? cols - 1 : bin;
  };

  const out: SizePoint[] = [];
  let bin = -1;
  let firstIdx = 0;
  let minIdx = 0;
  let maxIdx = 0;
  let lastIdx = 0;
  const flush = () => {
    // The four indices are in [firstIdx, lastIdx]; emit them in index (= time) order, once each.
    const picks =
      minIdx <= maxIdx ? [firstIdx, minIdx, maxIdx, lastIdx] : [firstIdx, maxIdx, minIdx, lastIdx];
    let previous = -1;
    for (const idx of picks) {
      const point = points[idx];
      if (idx !== previous && point !== undefined) out.push(point);
      previous = idx;
    }
  };

  for (let i = 0; i < points.length; i++) {
    const point = points[i] as SizePoint;
    const b = binOf(point.timeMs);
    if (b !== bin) {
      if (bin !== -1) flush();
      bin = b;
      firstIdx = minIdx = maxIdx = lastIdx = i;
      continue;
    }
    lastIdx = i;
    const value = drawnValue(point);
    if (value < drawnValue(points[minIdx] as SizePoint)) minIdx = i;
    if (value > drawnValue(points[maxIdx] as SizePoint)) maxIdx = i;
  }
  flush();
  return out;
}
