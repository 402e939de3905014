/**
 * Figures of the benchmark: every figure is the median over several runs, with the smallest and
 * largest run kept beside it as `<name>Range: [min, max]` (see `figure`).
 */

/** The middle value (the mean of the two middle ones for an even count); NaN for an empty sample. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Nearest-rank percentile (p in 0..100) of a sample; NaN for an empty one. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/** Rounded to `digits` decimals, or to 3 significant digits for values below 1 (0.0429, not 0.04). */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  if (value !== 0 && Math.abs(value) < 1) return Number(value.toPrecision(3));
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** `{ name: median, nameRange: [min, max] }` over the runs' values. */
export function figure(name: string, runs: readonly number[], digits = 2): Record<string, unknown> {
  return {
    [name]: round(median(runs), digits),
    [`${name}Range`]: [round(Math.min(...runs), digits), round(Math.max(...runs), digits)],
  };
}

/** Several figures at once from per-run records: `figures(runs, ['p50Ms', 'p95Ms'])`. */
export function figures<T extends Record<string, number>>(
  runs: readonly T[],
  names: readonly (keyof T & string)[],
  digits = 2,
): Record<string, unknown> {
  return Object.assign(
    { runs: runs.length },
    ...names.map((n) =>
      figure(
        n,
        runs.map((r) => r[n] as number),
        digits,
      ),
    ),
  );
}

/** Milliseconds since `start` (a performance.now() reading). */
export function since(start: number): number {
  return performance.now() - start;
}
