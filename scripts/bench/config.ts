/**
 * Sizes and repetitions of `make bench`. BENCH_QUICK=1 is the development mode (about 2-3 minutes);
 * each knob can be overridden from the environment, e.g. BENCH_TRACKER_SIZES=100,1000 BENCH_RUNS=2.
 * BENCH_PARTS=tracker,plot,load,cold,runtime,classifier picks the parts (default: all).
 */
export interface BenchConfig {
  readonly quick: boolean;
  readonly parts: ReadonlySet<'tracker' | 'plot' | 'load' | 'cold' | 'runtime' | 'classifier'>;
  readonly runs: number;
  readonly trackerSizes: number[];
  readonly oursEvents: number;
  readonly baselineBudgetMs: number;
  readonly plotPoints: number[];
  readonly plotRequests: number;
  readonly plotBudgetMs: number;
  readonly loadSeconds: number;
  readonly loadRuns: number;
  readonly loadConnections: number;
  /** An upload to the tracked bucket this often during the load test (live updates). */
  readonly loadUploadMs: number;
  readonly coldRuns: number;
  readonly coldSynthRuns: number;
  readonly runtimeNoopInvocations: number;
  readonly runtimeTrackerInvocations: number;
  readonly output: string;
}

function list(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0))
    throw new Error(`${name} must be positive integers`);
  return values;
}

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0, got "${raw}"`);
  return value;
}

export function benchConfig(): BenchConfig {
  const quick = process.env.BENCH_QUICK === '1';
  const allParts = ['tracker', 'plot', 'load', 'cold', 'runtime', 'classifier'] as const;
  const parts = new Set(
    (process.env.BENCH_PARTS ?? allParts.join(','))
      .split(',')
      .map((p) => p.trim())
      .filter((p): p is (typeof allParts)[number] => (allParts as readonly string[]).includes(p)),
  );
  return {
    quick,
    parts,
    runs: num('BENCH_RUNS', 3),
    trackerSizes: list('BENCH_TRACKER_SIZES', quick ? [100, 1000, 10_000] : [100, 1000, 10_000, 100_000]),
    oursEvents: num('BENCH_OURS_EVENTS', quick ? 45 : 150),
    baselineBudgetMs: num('BENCH_BASELINE_BUDGET_MS', quick ? 15_000 : 60_000),
    plotPoints: list('BENCH_PLOT_POINTS', quick ? [100, 10_000] : [100, 10_000, 100_000]),
    plotRequests: num('BENCH_PLOT_REQUESTS', quick ? 20 : 40),
    plotBudgetMs: num('BENCH_PLOT_BUDGET_MS', quick ? 20_000 : 45_000),
    loadSeconds: num('BENCH_LOAD_SECONDS', quick ? 5 : 20),
    loadRuns: num('BENCH_LOAD_RUNS', quick ? 2 : 3),
    loadConnections: num('BENCH_LOAD_CONNECTIONS', 50),
    loadUploadMs: num('BENCH_LOAD_UPLOAD_MS', 2000),
    coldRuns: num('BENCH_COLD_RUNS', quick ? 2 : 5),
    coldSynthRuns: num('BENCH_COLD_SYNTH_RUNS', quick ? 1 : 2),
    runtimeNoopInvocations: num('BENCH_RUNTIME_NOOP', quick ? 300 : 2000),
    runtimeTrackerInvocations: num('BENCH_RUNTIME_TRACKER', quick ? 100 : 600),
    output: process.env.BENCH_OUTPUT ?? 'bench/results.json',
  };
}

/** Baseline events per run at a bucket size: it lists the whole bucket per event, so fewer at large N. */
export function baselineEvents(objects: number, quick: boolean): number {
  if (objects <= 100) return quick ? 15 : 30;
  if (objects <= 1000) return quick ? 9 : 15;
  if (objects <= 10_000) return quick ? 3 : 6;
  return 3;
}
