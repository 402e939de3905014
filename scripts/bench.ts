// `make bench`: the benchmarks of the embedded target (not part of `make test`). Prints a markdown
// table and writes bench/results.json. BENCH_QUICK=1 for a short development run; every size is an
// environment knob (scripts/bench/config.ts). Figures are medians over runs with [min, max] beside.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { repoRoot } from '../infra/paths.ts';
import { ensureAssembly } from '../integration/targets/assembly.ts';
import { runClassifierPart } from './bench/classifier.ts';
import { runColdStartPart } from './bench/cold-start-part.ts';
import { baselineEvents, benchConfig } from './bench/config.ts';
import { describeMachine } from './bench/machine.ts';
import { runPetWorkflowPart } from './bench/pet-workflow-part.ts';
import { runPlotPart } from './bench/plot-part.ts';
import { markdownTable } from './bench/report.ts';
import { runRuntimePart } from './bench/runtime-part.ts';
import { runTrackerPart } from './bench/tracker-part.ts';
import { progress, runMain } from './cli.ts';

runMain(async () => {
  const config = benchConfig();
  const started = performance.now();
  progress(
    `benchmark (${config.quick ? 'quick' : 'full'}): ${[...config.parts].join(', ')}; machine: ${describeMachine()}`,
  );
  // the size tracker's assembly, unless only the PetDetector's classifier part runs
  const assemblyDir = [...config.parts].some((p) => p !== 'classifier') ? await ensureAssembly(progress) : '';
  const output = resolve(repoRoot, config.output);
  // A run of some parts (BENCH_PARTS) updates those parts of an existing results file.
  const previous =
    config.parts.size < 6 && existsSync(output)
      ? (JSON.parse(readFileSync(output, 'utf8')) as Record<string, unknown>)
      : {};
  const results: Record<string, unknown> = {
    ...previous,
    machine: describeMachine(),
    date: new Date().toISOString(),
    mode: config.quick ? 'quick (BENCH_QUICK=1)' : 'full',
    about:
      'Each figure is the median over several runs; "<figure>Range": [min, max] holds the smallest and largest run, "runs" how many. Times in ms. See README "Performance".',
    tracker: previous.tracker ?? [],
    plot: previous.plot ?? [],
    coldStartMs: previous.coldStartMs ?? {},
    peakRssMb: previous.peakRssMb ?? {},
    loadTest: previous.loadTest ?? null,
    runtime: previous.runtime ?? null,
    classifier: previous.classifier ?? null,
  };
  const rss = results.peakRssMb as Record<string, number>;
  const errors: string[] = [];
  // Each part on its own: a failing part is reported and the others still run; the file is
  // written after every part, so a long run that is stopped keeps what it measured.
  const part = async (name: string, body: () => Promise<void>) => {
    try {
      await body();
    } catch (err) {
      const message = `${name}: ${err instanceof Error ? err.message : String(err)}`;
      errors.push(message);
      progress(`part failed: ${message}`);
    }
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, `${JSON.stringify({ ...results, errors }, null, 2)}\n`);
  };

  if (config.parts.has('tracker'))
    await part('tracker', async () => {
      const tracker = await runTrackerPart({
        assemblyDir,
        sizes: config.trackerSizes,
        runs: config.runs,
        oursEvents: config.oursEvents,
        baselineEvents: (n) => baselineEvents(n, config.quick),
        baselineBudgetMs: config.baselineBudgetMs,
        log: progress,
      });
      results.tracker = tracker.rows;
      results.trackerSetup = tracker.setup;
      rss.tracker = tracker.peakRssMb;
    });
  if (config.parts.has('plot') || config.parts.has('load'))
    await part('plot', async () => {
      const plot = await runPlotPart({
        assemblyDir,
        points: config.parts.has('plot') ? config.plotPoints : [],
        rounds: config.runs,
        requestsPerRound: config.plotRequests,
        roundBudgetMs: config.plotBudgetMs,
        load: config.parts.has('load')
          ? {
              seconds: config.loadSeconds,
              runs: config.loadRuns,
              connections: config.loadConnections,
              uploadEveryMs: config.loadUploadMs,
            }
          : null,
        log: progress,
      });
      // a load-only run (BENCH_PARTS=load) keeps the plot rows of the file
      if (config.parts.has('plot')) {
        results.plot = plot.rows;
        results.plotHistorySeededWith = plot.seededWith;
      }
      results.loadTest = plot.loadTest;
      if (config.parts.has('plot')) rss.plot = plot.peakRssMb.plot;
      if (config.parts.has('load')) rss.loadTest = plot.peakRssMb.loadTest;
    });
  if (config.parts.has('cold'))
    await part('cold start', async () => {
      const cold = await runColdStartPart({
        assemblyDir,
        runs: config.coldRuns,
        synthRuns: config.coldSynthRuns,
        log: progress,
      });
      results.coldStartMs = cold.coldStartMs;
      rss.coldStart = cold.peakRssMb;
    });
  if (config.parts.has('runtime'))
    await part('runtime', async () => {
      results.runtime = {
        about:
          'Invocations per second through the embedded Lambda runner, warm environments: a no-op function (the per-invocation cost of the runner) and the size-tracking function on real S3 records; tracker.perSecConcurrency8WithCrashes: the same with crashes injected as in the fault campaign (crashedShare of invocations), each crash costing a fresh environment',
        ...(await runRuntimePart({
          assemblyDir,
          runs: config.runs,
          noopInvocations: config.runtimeNoopInvocations,
          trackerInvocations: config.runtimeTrackerInvocations,
          log: progress,
        })),
      };
    });
  if (config.parts.has('classifier'))
    await part('classifier', async () => {
      // the PetDetector's classifier on the labelled photos, then its workflow end to end (issue 11)
      const quality = await runClassifierPart();
      const workflow = await runPetWorkflowPart({ log: progress });
      results.classifier = {
        images: quality.images,
        perClass: quality.perClass,
        p50Ms: quality.p50Ms,
        p95Ms: quality.p95Ms,
        ...workflow,
        about:
          'precision/recall of cat, dog, other (uncertain counts as other) on test/fixtures/pets; p50Ms/p95Ms: one DetectLabels through the embedded Rekognition; workflowP50Ms: upload answered -> DetectionLogs record completed, one image at a time, on the embedded cloud',
        details: quality,
      };
    });
  results.durationSeconds = Math.round((performance.now() - started) / 1000);

  results.errors = errors;
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${markdownTable(results)}\n`);
  progress(`results in ${output} (${results.durationSeconds} s)`);
  if (errors.length > 0) throw new Error(`${errors.length} part(s) failed: ${errors.join('; ')}`);
  // nothing measured is left running; do not wait on a stray handle of a stopped cloud
  process.exit(0);
});
