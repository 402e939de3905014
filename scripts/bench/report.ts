/** The markdown summary of bench/results.json: one row per figure, with its target and PASS/MISS. */

type Json = Record<string, unknown>;

interface Row {
  part: string;
  figure: string;
  value: string;
  target: string;
  result: 'PASS' | 'MISS' | '';
}

const num = (o: unknown, key: string): number => Number((o as Json | undefined)?.[key] ?? Number.NaN);
const range = (o: unknown, key: string): [number, number] | undefined =>
  (o as Json | undefined)?.[`${key}Range`] as [number, number] | undefined;

function show(o: unknown, key: string, unit = ''): string {
  const value = num(o, key);
  const r = range(o, key);
  const fmt = (v: number) =>
    Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(v >= 10 ? 1 : 2) : v.toPrecision(2);
  return `${fmt(value)}${unit}${r ? ` (${fmt(r[0])}-${fmt(r[1])})` : ''}`;
}

const verdict = (ok: boolean): 'PASS' | 'MISS' => (ok ? 'PASS' : 'MISS');

export function markdownTable(results: Json): string {
  const rows: Row[] = [];
  const tracker = (results.tracker as Json[] | undefined) ?? [];
  for (const row of tracker) {
    const n = Number(row.objects).toLocaleString('en-US');
    rows.push({
      part: 'tracker',
      figure: `${n} objects: calls/event ours / baseline`,
      value: `${show(row.ours, 'callsPerEvent')} / ${show(row.baseline, 'callsPerEvent')}`,
      target: 'ours <= 5',
      result: verdict(num(row.ours, 'callsPerEvent') <= 5),
    });
    const speedup = Number(row.speedup ?? num(row.ours, 'eventsPerSec') / num(row.baseline, 'eventsPerSec'));
    const need = Number(row.objects) >= 100_000 ? 100 : Number(row.objects) >= 10_000 ? 20 : 0;
    rows.push({
      part: 'tracker',
      figure: `${n} objects: events/s ours / baseline (p50 ms ours / baseline)`,
      value: `${show(row.ours, 'eventsPerSec')} / ${show(row.baseline, 'eventsPerSec')} = ${speedup.toFixed(0)}x (${show(row.ours, 'p50Ms')} / ${show(row.baseline, 'p50Ms')})`,
      target: need ? `>= ${need}x` : '',
      result: need ? verdict(speedup >= need) : '',
    });
  }
  if (tracker.length > 1) {
    const calls = tracker.map((r) => num(r.ours, 'callsPerEvent'));
    const ratio = Math.max(...calls) / Math.min(...calls);
    rows.push({
      part: 'tracker',
      figure: 'ours calls/event max/min over N',
      value: ratio.toFixed(2),
      target: '<= 1.2',
      result: verdict(ratio <= 1.2),
    });
  }

  const plot = (results.plot as Json[] | undefined) ?? [];
  for (const row of plot) {
    rows.push({
      part: 'plot',
      figure: `${Number(row.points).toLocaleString('en-US')} points: p50 / p95 / p99 ms (query / render ms)`,
      value: `${show(row, 'p50Ms')} / ${show(row, 'p95Ms')} / ${show(row, 'p99Ms')} (${show(row, 'queryMs')} / ${show(row, 'renderMs')})`,
      target: '',
      result: '',
    });
  }
  if (plot.length > 1) {
    const first = plot[0] as Json;
    const last = plot[plot.length - 1] as Json;
    const ratio = num(last, 'p95Ms') / num(first, 'p95Ms');
    rows.push({
      part: 'plot',
      figure: `p95 at ${Number(last.points).toLocaleString('en-US')} / p95 at ${Number(first.points).toLocaleString('en-US')} points`,
      value: `${ratio.toFixed(2)}x`,
      target: '<= 3x',
      result: verdict(ratio <= 3),
    });
  }

  const load = results.loadTest as Json | null | undefined;
  if (load) {
    const errors = Number(load.errors) + Number(load.non2xx);
    rows.push({
      part: 'load test',
      figure: `${load.connections} connections, ${load.durationSeconds} s: req/s, p95 / p99 ms`,
      value: `${show(load, 'requestsPerSec')}, ${show(load, 'p95Ms')} / ${show(load, 'p99Ms')}`,
      target: 'p95 <= 1000',
      result: verdict(num(load, 'p95Ms') <= 1000),
    });
    if (load.cacheHitRatio !== undefined)
      rows.push({
        part: 'load test',
        figure: 'chart cache hit ratio (all runs: hits / (hits + misses))',
        value: `${Number(load.cacheHitRatio).toFixed(2)} (${load.cacheHits} / ${Number(load.cacheHits) + Number(load.cacheMisses)})`,
        target: '>= 0.7',
        result: verdict(Number(load.cacheHitRatio) >= 0.7),
      });
    rows.push({
      part: 'load test',
      figure: 'errors + timeouts / non-2xx (all runs)',
      value: `${load.errors} / ${load.non2xx}`,
      target: '0',
      result: verdict(errors === 0),
    });
  }

  const cold = results.coldStartMs as Json | undefined;
  if (cold && Number.isFinite(num(cold, 'withoutSynth'))) {
    const ratio = num(cold, 'withoutSynth') / num(cold, 'dynamodbLocalAlone');
    rows.push({
      part: 'cold start',
      figure: 'to first plot 200, ms: with synth / without / DynamoDB Local alone',
      value: `${show(cold, 'withSynth')} / ${show(cold, 'withoutSynth')} / ${show(cold, 'dynamodbLocalAlone')}`,
      target: '',
      result: '',
    });
    rows.push({
      part: 'cold start',
      figure: 'without synth / DynamoDB Local alone',
      value: `${ratio.toFixed(2)}x`,
      target: '<= 1.5x',
      result: verdict(ratio <= 1.5),
    });
  }

  const runtime = results.runtime as Json | null | undefined;
  if (runtime) {
    for (const name of ['noop', 'tracker'] as const) {
      const part = runtime[name] as Json | undefined;
      if (!part) continue;
      rows.push({
        part: 'runtime',
        figure: `${name === 'noop' ? 'no-op function' : 'size-tracking function'}: invocations/s, concurrency 1 / 8`,
        value: `${show(part, 'perSecConcurrency1')} / ${show(part, 'perSecConcurrency8')}`,
        target: '',
        result: '',
      });
    }
    const tracker = runtime.tracker as Json | undefined;
    if (tracker?.perSecConcurrency8WithCrashes !== undefined)
      rows.push({
        part: 'runtime',
        figure: `size-tracking function: invocations/s, concurrency 8, ${Math.round(Number(tracker.crashedShare) * 1000) / 10} % crashed (each crash: a fresh environment)`,
        value: show(tracker, 'perSecConcurrency8WithCrashes'),
        target: '',
        result: '',
      });
  }

  const classifier = results.classifier as Json | null | undefined;
  if (classifier) {
    const perClass = classifier.perClass as Record<string, { precision: number; recall: number }>;
    rows.push({
      part: 'classifier',
      figure: `PetDetector, ${String(classifier.images)} photos: precision / recall per class`,
      value: Object.entries(perClass)
        .map(([label, f]) => `${label} ${f.precision} / ${f.recall}`)
        .join(', '),
      target: '',
      result: '',
    });
    rows.push({
      part: 'classifier',
      figure: 'DetectLabels p50 / p95 ms; workflow upload -> record p50 ms',
      value: `${String(classifier.p50Ms)} / ${String(classifier.p95Ms)}; ${String(classifier.workflowP50Ms)}`,
      target: '',
      result: '',
    });
  }

  const rss = results.peakRssMb as Record<string, number> | undefined;
  if (rss) {
    rows.push({
      part: 'memory',
      figure: 'peak RSS, MiB (process tree)',
      value: Object.entries(rss)
        .map(([part, mb]) => `${part} ${Math.round(mb)}`)
        .join(', '),
      target: '',
      result: '',
    });
  }

  const lines = [
    '| part | figure | median (min-max) | target | |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.part} | ${r.figure} | ${r.value} | ${r.target} | ${r.result} |`),
  ];
  return lines.join('\n');
}
