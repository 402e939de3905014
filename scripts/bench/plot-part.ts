import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalCloud } from '../../emulator/local-cloud.ts';
import { apiKeyValueAt } from '../../integration/targets/api-key.ts';
import { appOutputs } from '../../integration/targets/embedded.ts';
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
  readonly load: { readonly seconds: number; readonly runs: number; readonly connections: number } | null;
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
      loadTest = await runLoadTest(docs, outputs.historyTable, outputs.plotApiUrl, apiKey, options.load, log);
      // autocannon leaves requests queued in the API when it stops; one more request, answered after
      // them, means the backlog is gone before the cloud stops
      await fetch(`${outputs.plotApiUrl}?window=3600&bucket=bench-load`, {
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

async function runLoadTest(
  docs: DynamoDBDocumentClient,
  historyTable: string,
  plotApiUrl: string,
  apiKey: string,
  load: { seconds: number; runs: number; connections: number },
  log: (line: string) => void,
) {
  const bucket = 'bench-load';
  const now = Date.now();
  // a modest history: 500 points over the last hour
  await seedHistoryPoints(docs, historyTable, bucket, syntheticHistory(500, now - 3_500_000, now - 10_000));
  const url = new URL(plotApiUrl);
  url.searchParams.set('window', '3600');
  url.searchParams.set('bucket', bucket);
  const child = join(import.meta.dirname, 'load-child.ts');
  const autocannon = async (seconds: number) => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', child, url.toString(), String(load.connections), String(seconds)],
      // the key in the environment, not on the command line
      { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PLOT_API_KEY: apiKey } },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  };
  // warm-up, not counted: the API scales the plotting function out to its concurrency limit
  const warm = await autocannon(5);
  log(`load: warm-up ${warm.requests} requests, ${warm.errors} errors, ${warm.non2xx} non-2xx`);
  const runs = [];
  for (let i = 0; i < load.runs; i++) {
    const result = await autocannon(load.seconds);
    runs.push(result);
    log(
      `load: run ${i + 1}/${load.runs}: ${result.requestsPerSec.toFixed(1)} req/s, p95 ${result.p95Ms} ms, ` +
        `p99 ${result.p99Ms} ms, ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`,
    );
  }
  return {
    url: `GET <PlotApiUrl>?window=3600&bucket=${bucket} (500 points), Accept: image/png`,
    connections: load.connections,
    durationSeconds: load.seconds,
    ...figures(runs, ['requestsPerSec', 'p50Ms', 'p95Ms', 'p99Ms']),
    requests: runs.map((r) => r.requests),
    errors: runs.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
  };
}
