import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type LocalCloud, startLocalCloud } from '../../emulator/local-cloud.ts';
import { apiKeyValueAt, keyOnOwnPlanAt } from '../../integration/targets/api-key.ts';
import { appOutputs } from '../../integration/targets/embedded.ts';
import type { AppOutputs } from '../../integration/targets/target.ts';
import { seedHistoryPoints, syntheticHistory } from './history-seed.ts';
import { RssSampler } from './rss.ts';
import { figures, median, percentile, since } from './stats.ts';

const run = promisify(execFile);

/**
 * The cloud's state (DynamoDB Local's database file, the embedded S3's store) goes on tmpfs when there is one:
 * DynamoDB Local commits each item of a BatchWrite on its own, and with fsyncs to disk seeding 100,000
 * points would take most of an hour on a busy machine. Reads are the same either way (page cache).
 */
function fastTmp(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

export interface PlotPartOptions {
  readonly assemblyDir: string;
  readonly points: readonly number[];
  readonly rounds: number;
  readonly requestsPerRound: number;
  /** A round stops after this long, whatever its request count (at least 5 requests). */
  readonly roundBudgetMs: number;
  readonly load: {
    readonly seconds: number;
    readonly runs: number;
    readonly connections: number;
    readonly uploadEveryMs: number;
  } | null;
  readonly log: (line: string) => void;
}

/**
 * Every point lies in the plotted window, the last hour (100,000 points over 45 minutes: one every 27 ms). A short
 * window keeps the seeding affordable: the roll-ups of a history number about points + window seconds,
 * and DynamoDB Local takes a few hundred items a second on a busy 2-core machine.
 */
const windowSeconds = 3600;

/**
 * The plot API over HTTP on the embedded cloud (startLocalCloud in this process, the real cdk.out):
 * latency percentiles of GET <PlotApiUrl>?window=3600&bucket=<history of N points>, and the query
 * and render times the function reports (x-query-ms, x-render-ms). Then, on the same cloud, the load
 * test: autocannon (own process) on ?window=3600 of a bucket with a modest history.
 */
export async function runPlotPart(options: PlotPartOptions) {
  const { log } = options;
  const stateDir = mkdtempSync(join(fastTmp(), 'bench-plot-'));
  const rss = new RssSampler().start();
  const cloud = await startLocalCloud({ assemblyDir: options.assemblyDir, stateDir, log: () => {} });
  const ddb = new DynamoDBClient({
    region: cloud.region,
    endpoint: cloud.endpoints.dynamodb,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const docs = DynamoDBDocumentClient.from(ddb);
  try {
    const outputs = appOutputs(cloud.outputs);
    // every method of the plot API needs the app's key, read as a user reads it (GetApiKey)
    const apiKey = await apiKeyValueAt(cloud.endpoints.api, cloud.region, outputs.plotApiKeyId);
    const rows = [];
    let seededWith = '';
    for (const n of options.points) {
      const bucket = `bench-plot-${n}`;
      const seeding = performance.now();
      // the last 45 minutes before seeding: still inside the window when the requests run, minutes later
      const now = Date.now();
      const history = syntheticHistory(n, now - 45 * 60_000, now - 5_000);
      seededWith = await seedHistoryPoints(docs, outputs.historyTable, bucket, history);
      log(`plot: seeded ${n} points (${seededWith}) in ${Math.round(since(seeding))} ms`);
      const url = new URL(outputs.plotApiUrl);
      url.searchParams.set('window', String(windowSeconds));
      url.searchParams.set('bucket', bucket);
      for (let i = 0; i < 3; i++) await timedGet(url, apiKey); // warm-up: function environments, JIT, caches
      const rounds = [];
      for (let round = 0; round < options.rounds; round++) {
        const samples: Sample[] = [];
        const started = performance.now();
        while (samples.length < options.requestsPerRound) {
          if (samples.length >= 5 && since(started) > options.roundBudgetMs) break;
          samples.push(await timedGet(url, apiKey));
        }
        const ms = samples.map((s) => s.ms);
        rounds.push({
          p50Ms: percentile(ms, 50),
          p95Ms: percentile(ms, 95),
          p99Ms: percentile(ms, 99),
          renderMs: median(samples.map((s) => s.renderMs)),
          queryMs: median(samples.map((s) => s.queryMs)),
          requests: samples.length,
        });
        log(
          `plot: ${n} points, round ${round + 1}/${options.rounds}: ${samples.length} requests, ` +
            `p50 ${rounds.at(-1)?.p50Ms.toFixed(1)} ms, p95 ${rounds.at(-1)?.p95Ms.toFixed(1)} ms`,
        );
      }
      rows.push({
        points: n,
        ...figures(rounds, ['p50Ms', 'p95Ms', 'p99Ms', 'renderMs', 'queryMs']),
        requestsPerRound: rounds.map((r) => r.requests),
      });
    }
    const plotRss = rss.stop();

    let loadTest: Record<string, unknown> | null = null;
    let loadRss = 0;
    if (options.load) {
      const loadSampler = new RssSampler().start();
      // the load test's own key and plan (10,000/s, burst 20,000): it measures the API, not the app's throttle
      const stage = /\/_aws\/execute-api\/([^/]+)\/([^/]+)\//.exec(outputs.plotApiUrl);
      if (!stage) throw new Error(`PlotApiUrl ${outputs.plotApiUrl} is not in the local execute-api form`);
      const loadKey = await keyOnOwnPlanAt(
        cloud.endpoints.api,
        cloud.region,
        { apiId: stage[1] as string, stage: stage[2] as string },
        { rateLimit: 10_000, burstLimit: 20_000 },
        'bench-load-test',
      );
      loadTest = await runLoadTest(cloud, docs, outputs, loadKey, options.load, log);
      // autocannon leaves requests queued in the API when it stops; one more request, answered after
      // them, means the backlog is gone before the cloud stops
      await fetch(`${outputs.plotApiUrl}?window=3600&bucket=bench-load-a`, {
        headers: { accept: 'image/png', 'x-api-key': apiKey },
      }).then((r) => r.arrayBuffer());
      loadRss = loadSampler.stop();
    }
    return { rows, seededWith, loadTest, peakRssMb: { plot: plotRss, loadTest: loadRss } };
  } finally {
    rss.stop();
    ddb.destroy();
    await cloud.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

interface Sample {
  ms: number;
  renderMs: number;
  queryMs: number;
}

async function timedGet(url: URL, apiKey: string): Promise<Sample> {
  const started = performance.now();
  const response = await fetch(url, { headers: { accept: 'image/png', 'x-api-key': apiKey } });
  await response.arrayBuffer();
  const ms = since(started);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return {
    ms,
    renderMs: Number(response.headers.get('x-render-ms') ?? Number.NaN),
    queryMs: Number(response.headers.get('x-query-ms') ?? Number.NaN),
  };
}

/** The views of the load test: weights by repetition (the 1-hour view is the dashboard's default). */
const loadWindows = [900, 900, 900, 3600, 3600, 3600, 3600, 3600, 86400, 86400];
const loadSeries = ['current', 'both'];

/**
 * 50 connections on a realistic mix: 4 buckets (the tracked bucket, with live uploads during the
 * runs, and 3 with a seeded history of 500 points), 3 windows, 2 series, each request drawn at random
 * (fixed seed). An object is uploaded to the tracked bucket every `uploadEveryMs` through S3, so the
 * tracker commits new revisions while the charts are read, as a live dashboard sees it.
 */
async function runLoadTest(
  cloud: LocalCloud,
  docs: DynamoDBDocumentClient,
  outputs: Omit<AppOutputs, 'plotApiKey'>,
  apiKey: string,
  load: { seconds: number; runs: number; connections: number; uploadEveryMs: number },
  log: (line: string) => void,
) {
  const now = Date.now();
  const seeded = ['bench-load-a', 'bench-load-b', 'bench-load-c'];
  for (const bucket of seeded) {
    await seedHistoryPoints(
      docs,
      outputs.historyTable,
      bucket,
      syntheticHistory(500, now - 3_500_000, now - 10_000),
    );
  }
  const s3 = new S3Client({
    region: cloud.region,
    endpoint: cloud.endpoints.s3,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let uploads = 0;
  const upload = () =>
    s3.send(
      new PutObjectCommand({
        Bucket: outputs.bucketName,
        Key: `live/${uploads++}.bin`,
        Body: Buffer.alloc(1024 + ((uploads * 7919) % 65_536)),
      }),
    );
  await upload();
  await cloud.whenIdle();

  const api = new URL(outputs.plotApiUrl);
  const paths: string[] = [];
  for (const bucket of [outputs.bucketName, ...seeded])
    for (const window of loadWindows)
      for (const series of loadSeries)
        paths.push(`${api.pathname}?window=${window}&bucket=${bucket}&series=${series}`);
  const child = join(import.meta.dirname, 'load-child.ts');
  const autocannon = async (seconds: number) => {
    // live updates while the connections run
    const uploader = setInterval(
      () => void upload().catch((err) => log(`load: upload failed: ${err}`)),
      load.uploadEveryMs,
    );
    try {
      const { stdout } = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          child,
          api.origin,
          String(load.connections),
          String(seconds),
          JSON.stringify(paths),
        ],
        // the key in the environment, not on the command line
        { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PLOT_API_KEY: apiKey } },
      );
      return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    } finally {
      clearInterval(uploader);
    }
  };
  try {
    // warm-up, not counted: the API scales the plotting function out to its concurrency limit
    const warm = await autocannon(5);
    log(`load: warm-up ${warm.requests} requests, ${warm.errors} errors, ${warm.non2xx} non-2xx`);
    const runs = [];
    const uploadsBefore = uploads;
    for (let i = 0; i < load.runs; i++) {
      const result = await autocannon(load.seconds);
      result.cacheHitRatio = result.cacheHits / Math.max(1, result.cacheHits + result.cacheMisses);
      runs.push(result);
      log(
        `load: run ${i + 1}/${load.runs}: ${result.requestsPerSec.toFixed(1)} req/s, p95 ${result.p95Ms} ms, ` +
          `p99 ${result.p99Ms} ms, ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx, ` +
          `cache ${result.cacheHits} hits / ${result.cacheMisses} misses`,
      );
    }
    const hits = runs.reduce((sum, r) => sum + r.cacheHits, 0);
    const misses = runs.reduce((sum, r) => sum + r.cacheMisses, 0);
    return {
      url: 'GET <PlotApiUrl>?window=900|3600|86400&bucket=<4 buckets>&series=current|both, drawn at random per request (weights 3:5:2 for the windows), Accept: image/png',
      buckets: `the tracked bucket (an upload every ${load.uploadEveryMs} ms during the runs, through S3 and the tracker) and 3 with 500 seeded points`,
      connections: load.connections,
      durationSeconds: load.seconds,
      ...figures(runs, ['requestsPerSec', 'p50Ms', 'p95Ms', 'p99Ms', 'cacheHitRatio']),
      requests: runs.map((r) => r.requests),
      errors: runs.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
      non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      // over all runs: hits / (hits + misses) as the API reported them (x-chart-cache)
      cacheHitRatio: Number((hits / Math.max(1, hits + misses)).toFixed(3)),
      cacheHits: hits,
      cacheMisses: misses,
      uploadsDuringRuns: uploads - uploadsBefore,
    };
  } finally {
    s3.destroy();
  }
}
