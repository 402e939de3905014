import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { LambdaFunctionSpec } from '../../emulator/cloudformation/cloud-model.ts';
import { LambdaRunner } from '../../emulator/lambda/runner.ts';
import { FunctionError, startLocalCloud } from '../../emulator/local-cloud.ts';
import type { S3EventRecord } from '../../emulator/s3/event-records.ts';
import { appOutputs } from '../../integration/targets/embedded.ts';
import { figure, since } from './stats.ts';

/**
 * The Lambda runner's own speed (issue 9): invocations per second through the embedded cloud's
 * execution environments, warm, at concurrency 1 and 8 (8 is the fault campaign's), for
 * - a no-op function: the runner's fixed cost per invocation (IPC, JSON, logs, bookkeeping);
 * - the size-tracking function on real S3 event records: what the fault campaign is made of; and
 *   the same at concurrency 8 with crashes injected into about 6 % of invocations, as in the
 *   campaign: every crash costs a fresh environment (process, bundle load, first invocation with
 *   cold code), which measured about 300 ms of CPU against about 15 ms for a warm invocation.
 * Cold starts (a fresh environment loading its bundle) are timed apart.
 */

/** Planned crash share: about 85 % of planned crashes land (a handler that finishes first is spared). */
const CAMPAIGN_CRASH_RATE = 0.07;
export interface RuntimePartOptions {
  readonly assemblyDir: string;
  readonly runs: number;
  readonly noopInvocations: number;
  readonly trackerInvocations: number;
  readonly log: (line: string) => void;
}

async function timed(
  count: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await call(next++);
    }),
  );
  return count / (since(started) / 1000);
}

async function noop(options: RuntimePartOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-runtime-'));
  writeFileSync(
    join(dir, 'index.mjs'),
    'export const handler = async (event) => ({ ok: true, n: event.n });\n',
  );
  const spec: LambdaFunctionSpec = {
    name: 'bench-noop',
    logicalId: 'BenchNoop',
    stack: 'Bench',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:bench-noop',
    assetDir: dir,
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    timeoutSeconds: 30,
    memoryMb: 128,
    environment: {},
  };
  const runner = new LambdaRunner({
    region: 'us-east-1',
    endpoints: { s3: 'http://127.0.0.1:9', dynamodb: 'http://127.0.0.1:9' },
    maxConcurrency: 8,
  });
  try {
    const coldStarted = performance.now();
    await runner.invoke(spec, { n: 0 });
    const coldMs = since(coldStarted);
    const invoke = async (i: number) => {
      const outcome = await runner.invoke(spec, { n: i });
      if (!outcome.ok) throw new Error(`no-op failed: ${outcome.error.errorMessage}`);
    };
    await timed(8 * 5, 8, invoke); // all 8 environments started and warm
    const serial: number[] = [];
    const parallel: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      serial.push(await timed(options.noopInvocations, 1, invoke));
      parallel.push(await timed(options.noopInvocations, 8, invoke));
    }
    return {
      coldStartMs: Math.round(coldMs),
      ...figure('perSecConcurrency1', serial),
      ...figure('perSecConcurrency8', parallel),
    };
  } finally {
    await runner.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function tracker(options: RuntimePartOptions, crashRate = 0) {
  const cloud = await startLocalCloud({
    assemblyDir: options.assemblyDir,
    stateDir: null,
    log: () => {},
    ...(crashRate > 0 ? { faults: { crashRate, seed: 20261130, functions: ['SizeTrackingFunction'] } } : {}),
  });
  const s3 = new S3Client({
    region: cloud.region,
    endpoint: cloud.endpoints.s3,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const outputs = appOutputs(cloud.outputs);
    // Records of real objects, captured from the embedded S3; the bucket's own notification also
    // runs the tracker on each (untimed), so the timed runs are duplicates, as in the campaign.
    const records: S3EventRecord[] = [];
    const unsubscribe = cloud.onS3Event((record) => {
      if (record.s3.bucket.name === outputs.bucketName) records.push(record);
    });
    const objects = Math.min(200, options.trackerInvocations);
    for (let i = 0; i < objects; i++)
      await s3.send(
        new PutObjectCommand({
          Bucket: outputs.bucketName,
          Key: `bench/runtime-${i}`,
          Body: 'x'.repeat(i + 1),
        }),
      );
    await cloud.whenIdle();
    unsubscribe();
    const invoke = async (i: number) => {
      const record = records[i % records.length] as S3EventRecord;
      try {
        await cloud.invoke(outputs.trackerFunction, { Records: [record] });
      } catch (err) {
        // an injected crash fails the (synchronous) invocation; anything else is a real failure
        if (!(crashRate > 0 && err instanceof FunctionError && err.errorType === 'Runtime.ExitError'))
          throw err;
      }
    };
    if (crashRate > 0) {
      const before = cloud.faultStats();
      const parallel: number[] = [];
      for (let run = 0; run < options.runs; run++)
        parallel.push(await timed(options.trackerInvocations, 8, invoke));
      const after = cloud.faultStats();
      const crashed = (after.crashes - before.crashes) / (after.invocations - before.invocations);
      return {
        ...figure('perSecConcurrency8WithCrashes', parallel),
        crashedShare: Math.round(crashed * 1000) / 1000,
      };
    }
    const serial: number[] = [];
    const parallel: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      serial.push(await timed(options.trackerInvocations, 1, invoke));
      parallel.push(await timed(options.trackerInvocations, 8, invoke));
    }
    return { ...figure('perSecConcurrency1', serial), ...figure('perSecConcurrency8', parallel) };
  } finally {
    s3.destroy();
    await cloud.stop();
  }
}

export async function runRuntimePart(options: RuntimePartOptions) {
  const noopFigures = await noop(options);
  options.log(`runtime: no-op ${JSON.stringify(noopFigures)}`);
  const warm = await tracker(options);
  const withCrashes = await tracker(options, CAMPAIGN_CRASH_RATE);
  const trackerFigures = { ...warm, ...withCrashes };
  options.log(`runtime: tracker ${JSON.stringify(trackerFigures)}`);
  return { noop: noopFigures, tracker: trackerFigures };
}
