import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startDynamoDbLocal } from '../../emulator/dynamodb/server.ts';
import { startLocalCloud } from '../../emulator/local-cloud.ts';
import { freePort } from '../../emulator/services/free-port.ts';
import { repoRoot } from '../../infra/paths.ts';
import { apiKeyValueAt } from '../../integration/targets/api-key.ts';
import { appOutputs } from '../../integration/targets/embedded.ts';
import { RssSampler } from './rss.ts';
import { figure, since } from './stats.ts';

const run = promisify(execFile);

export interface ColdStartOptions {
  readonly assemblyDir: string;
  readonly runs: number;
  readonly synthRuns: number;
  readonly log: (line: string) => void;
}

/**
 * Cold start of the embedded cloud, as a child process (`node --import tsx scripts/bench/cold-child.ts`,
 * what `make embedded-up` runs minus npx and the synth check): from the launch to the first 200 of
 * GET <PlotApiUrl>?window=3600, polled every 25 ms. The state folder is a copy of one prepared once
 * (a cloud started, one object uploaded and tracked, stopped), so the plot API has a history to draw
 * and the URL is known in advance. "withSynth" first runs `cdk synth -o <fresh dir>` and starts from
 * that assembly; "withoutSynth" uses cdk.out as it is. DynamoDB Local alone: startDynamoDbLocal()'s
 * startupMs (spawn to first answered request) on a copy of the same database.
 */
export async function runColdStartPart(options: ColdStartOptions) {
  const { log } = options;
  const work = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  try {
    const prepared = join(work, 'prepared');
    // the key's value derives from the state folder's seed: every copy of it has the same key
    const { plotPath, apiKey } = await prepareState(options.assemblyDir, prepared);
    log('cold start: state prepared');

    const dynamoAlone: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      const dataDir = join(work, `ddb-${i}`);
      cpSync(join(prepared, 'dynamodb'), dataDir, { recursive: true });
      const ddb = await startDynamoDbLocal({ dataDir });
      dynamoAlone.push(ddb.startupMs);
      await ddb.stop();
    }
    log(`cold start: DynamoDB Local alone ${dynamoAlone.join(', ')} ms`);

    const rss: number[] = [];
    const launch = async (label: string, index: number, synth: boolean) => {
      const stateDir = join(work, `${label}-${index}`);
      cpSync(prepared, stateDir, { recursive: true });
      const port = await freePort();
      const url = `http://127.0.0.1:${port}${plotPath}`;
      const started = performance.now();
      let assemblyDir = options.assemblyDir;
      if (synth) {
        assemblyDir = join(work, `cdk.out-${index}`);
        await run('npx', ['--no-install', 'cdk', 'synth', '--quiet', '-o', assemblyDir], {
          cwd: repoRoot,
          maxBuffer: 64 * 1024 * 1024,
        });
      }
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'cold-child.ts'), assemblyDir, stateDir, String(port)],
        { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-2000);
      });
      const sampler = new RssSampler(child.pid).start();
      try {
        const ms = await firstOk(url, apiKey, child, () => stderr, started);
        await sleep(500); // the function children and any lazy work: part of its footprint
        rss.push(sampler.stop());
        return ms;
      } finally {
        sampler.stop();
        await stopChild(child);
      }
    };

    const without: number[] = [];
    for (let i = 0; i < options.runs; i++) without.push(await launch('nosynth', i, false));
    log(`cold start: without synth ${without.map(Math.round).join(', ')} ms`);
    const withSynth: number[] = [];
    for (let i = 0; i < options.synthRuns; i++) withSynth.push(await launch('synth', i, true));
    log(`cold start: with synth ${withSynth.map(Math.round).join(', ')} ms`);

    return {
      coldStartMs: {
        runs: {
          withSynth: withSynth.length,
          withoutSynth: without.length,
          dynamodbLocalAlone: dynamoAlone.length,
        },
        ...figure('withSynth', withSynth, 0),
        ...figure('withoutSynth', without, 0),
        ...figure('dynamodbLocalAlone', dynamoAlone, 0),
      },
      peakRssMb: Math.max(...rss),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Starts a cloud on `stateDir`, lets the tracker record one upload, stops; returns the plot path+query and API key. */
async function prepareState(
  assemblyDir: string,
  stateDir: string,
): Promise<{ plotPath: string; apiKey: string }> {
  const cloud = await startLocalCloud({ assemblyDir, stateDir, log: () => {} });
  try {
    const outputs = appOutputs(cloud.outputs);
    const s3 = new S3Client({
      region: cloud.region,
      endpoint: cloud.endpoints.s3,
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await s3.send(new PutObjectCommand({ Bucket: outputs.bucketName, Key: 'cold-start.txt', Body: 'hello' }));
    s3.destroy();
    await cloud.whenIdle();
    const url = new URL(outputs.plotApiUrl);
    url.searchParams.set('window', '3600');
    const apiKey = await apiKeyValueAt(cloud.endpoints.api, cloud.region, outputs.plotApiKeyId);
    const response = await fetch(url, { headers: { accept: 'image/png', 'x-api-key': apiKey } });
    if (response.status !== 200) throw new Error(`prepared cloud's plot API answered ${response.status}`);
    return { plotPath: `${url.pathname}${url.search}`, apiKey };
  } finally {
    await cloud.stop();
  }
}

async function firstOk(
  url: string,
  apiKey: string,
  child: ChildProcess,
  stderr: () => string,
  started: number,
) {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the cloud exited (code ${child.exitCode}): ${stderr()}`);
    try {
      const response = await fetch(url, { headers: { accept: 'image/png', 'x-api-key': apiKey } });
      await response.arrayBuffer();
      if (response.status === 200) return since(started);
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  throw new Error(`no 200 from ${url} within 180 s: ${stderr()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
