import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal } from '../../emulator/dynamodb/server.ts';
import { type EmbeddedS3, startS3Server } from '../../emulator/s3/server.ts';
import { headObjectContentType } from '../../handlers/tracking/content-type.ts';
import { LedgerStore } from '../../handlers/tracking/ledger-store.ts';
import { Reconciler } from '../../handlers/tracking/reconcile.ts';
import type { ObjectChange } from '../../handlers/tracking/s3-event.ts';
import { s3KeyVersions } from '../../handlers/tracking/s3-versions.ts';
import { SizeTracker } from '../../handlers/tracking/tracker.ts';
import { BaselineTracker } from './baseline-tracker.ts';
import { CallCounter } from './call-counter.ts';
import { EventTap } from './event-tap.ts';
import { RssSampler } from './rss.ts';
import { seedS3Bucket } from './s3-seed.ts';
import { figures, median, percentile, round, since } from './stats.ts';
import { createAppTables, createBaselineTable } from './tables.ts';

export interface TrackerPartOptions {
  readonly assemblyDir: string;
  readonly sizes: readonly number[];
  readonly runs: number;
  /** Events per run for our tracker. */
  readonly oursEvents: number;
  /** Events per run for the baseline at a bucket size (it lists the whole bucket each time). */
  readonly baselineEvents: (objects: number) => number;
  /** Stop a baseline run after this long, whatever its event count (at least one event). */
  readonly baselineBudgetMs: number;
  readonly log: (line: string) => void;
}

interface RunFigures extends Record<string, number> {
  callsPerEvent: number;
  eventsPerSec: number;
  p50Ms: number;
  p95Ms: number;
}

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const tables = { history: 'bench-history', ledger: 'bench-ledger' };
const baselineTable = 'bench-baseline-history';

/**
 * Our tracker vs the seeds' design on buckets of N objects. Ours is the size-tracking handler's code
 * path minus the Lambda wrapper: SizeTracker + LedgerStore + headObjectContentType, in this process,
 * on clients pointed at the embedded S3 and DynamoDB Local. Each event is a real PutObject or
 * DeleteObject; its record comes from the embedded S3's event stream and is applied; the time per
 * event is the tracker's (record in hand -> applied), the S3 request itself is the same for both.
 */
export async function runTrackerPart(options: TrackerPartOptions) {
  const { log } = options;
  const work = mkdtempSync(join(tmpdir(), 'bench-tracker-'));
  const rss = new RssSampler().start();
  let s3: EmbeddedS3 | undefined;
  let dynamo: Awaited<ReturnType<typeof startDynamoDbLocal>> | undefined;
  const clients: { destroy(): void }[] = [];
  try {
    const seeding = performance.now();
    const seeded = options.sizes.map((n) => seedS3Bucket(join(work, 's3'), `bench-n${n}`, n));
    const setup = {
      s3: "objects written into the embedded S3's store before it starts (scripts/bench/s3-seed.ts, emulator/s3/seed.ts)",
      s3SeedMs: Math.round(since(seeding)),
      ledger: 'the real Reconciler, once per bucket (one listing; ledger entries in transactions of 98)',
      reconcileMs: {} as Record<string, number>,
    };
    log(`tracker: wrote ${options.sizes.join(' + ')} objects into the S3 store in ${ms(since(seeding))}`);
    [dynamo, s3] = await Promise.all([startDynamoDbLocal(), startS3Server({ dataDir: join(work, 's3') })]);

    const make = (counter?: CallCounter) => {
      const s3Client = new S3Client({ region, credentials, endpoint: s3?.endpoint, forcePathStyle: true });
      const ddb = new DynamoDBClient({ region, credentials, endpoint: dynamo?.endpoint });
      counter?.attach(s3Client, 'S3');
      counter?.attach(ddb, 'DynamoDB');
      clients.push(s3Client, ddb);
      const docs = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
      return { s3: s3Client, ddb, docs };
    };
    const plain = make();
    await createAppTables(plain.ddb, options.assemblyDir, tables);
    await createBaselineTable(plain.ddb, baselineTable);

    const oursCounter = new CallCounter();
    const ours = make(oursCounter);
    let lookupErrors = 0;
    const tracker = new SizeTracker(
      new LedgerStore(ours.docs, tables),
      headObjectContentType(ours.s3, () => lookupErrors++),
      { keyVersions: s3KeyVersions(ours.s3) },
    );
    const baseCounter = new CallCounter();
    const base = make(baseCounter);
    const baseline = new BaselineTracker(base.s3, base.docs, baselineTable);
    // Untimed: keeps our ledger exact through the baseline's events too.
    const catchUp = new SizeTracker(
      new LedgerStore(plain.docs, tables),
      headObjectContentType(plain.s3, () => {}),
      { keyVersions: s3KeyVersions(plain.s3) },
    );

    // The ledger of objects that predate tracking comes from the real Reconciler (one full listing).
    const reconciler = new Reconciler(plain.s3, new LedgerStore(plain.docs, tables));
    for (const bucket of seeded) {
      const started = performance.now();
      const report = await reconciler.reconcile(bucket.bucket);
      if (report.after.objectCount !== bucket.keys.length || report.after.sizeBytes !== bucket.totalBytes) {
        throw new Error(`reconciling ${bucket.bucket} gave ${JSON.stringify(report.after)}`);
      }
      setup.reconcileMs[String(bucket.keys.length)] = Math.round(since(started));
      log(`tracker: reconciled ${bucket.bucket} (${bucket.keys.length} objects) in ${ms(since(started))}`);
    }

    const tap = new EventTap(s3);
    const rows = [];
    const operations = operationsFor(seeded);
    for (const bucket of seeded) {
      const n = bucket.keys.length;
      const next = operations(bucket.bucket);
      const oursRuns: RunFigures[] = [];
      const baseRuns: RunFigures[] = [];
      const oursCalls: Record<string, number>[] = [];
      for (let run = 0; run < options.runs; run++) {
        // ours
        const oursMs: number[] = [];
        oursCounter.reset();
        let oursCallTotal = 0;
        for (let i = 0; i < options.oursEvents; i++) {
          const change = await next(plain.s3, tap);
          const before = oursCounter.total();
          const started = performance.now();
          await tracker.apply(change);
          oursMs.push(since(started));
          oursCallTotal += oursCounter.total() - before;
        }
        oursRuns.push(runFigures(oursMs, oursCallTotal));
        oursCalls.push(oursCounter.byOperation());

        // baseline: the same kind of events, each followed by a full listing and a PutItem
        const baseMs: number[] = [];
        let baseCallTotal = 0;
        const runStarted = performance.now();
        const count = options.baselineEvents(n);
        for (let i = 0; i < count; i++) {
          if (i > 0 && since(runStarted) > options.baselineBudgetMs) break;
          const change = await next(plain.s3, tap);
          const before = baseCounter.total();
          const started = performance.now();
          await baseline.apply(change.bucket);
          baseMs.push(since(started));
          baseCallTotal += baseCounter.total() - before;
          await catchUp.apply(change);
        }
        baseRuns.push(runFigures(baseMs, baseCallTotal));
        log(
          `tracker: ${n} objects, run ${run + 1}/${options.runs}: ours ${fmt(oursRuns.at(-1))}; ` +
            `baseline ${fmt(baseRuns.at(-1))} (${baseMs.length} events)`,
        );
      }
      const exact = await checkExact(plain.docs, baseline, bucket.bucket);
      rows.push({
        objects: n,
        ours: {
          ...figures(oursRuns, ['callsPerEvent', 'eventsPerSec', 'p50Ms', 'p95Ms']),
          calls: oursCalls[0],
        },
        baseline: figures(baseRuns, ['callsPerEvent', 'eventsPerSec', 'p50Ms', 'p95Ms']),
        speedup: round(
          median(oursRuns.map((r) => r.eventsPerSec)) / median(baseRuns.map((r) => r.eventsPerSec)),
          1,
        ),
        exactAfterRuns: exact,
      });
    }
    tap.close();
    if (lookupErrors > 0) log(`tracker: ${lookupErrors} content-type lookups failed`);
    return { rows, setup, peakRssMb: rss.stop() };
  } finally {
    rss.stop();
    for (const client of clients) client.destroy();
    await s3?.stop();
    await dynamo?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function runFigures(times: number[], calls: number): RunFigures {
  const total = times.reduce((a, b) => a + b, 0);
  return {
    callsPerEvent: calls / times.length,
    eventsPerSec: (times.length * 1000) / total,
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
  };
}

/**
 * The event mix, the same at every size: a new object, an overwrite of an existing object with a new
 * size, a delete of an existing object, in turn. Returns the bucket's change, as its record arrived.
 */
function operationsFor(seeded: { bucket: string; keys: string[] }[]) {
  return (bucket: string) => {
    const keys = seeded.find((s) => s.bucket === bucket)?.keys ?? [];
    const live = [...keys];
    let step = 0;
    let pick = 12345;
    const take = () => {
      pick = (pick * 1103515245 + 12345) % 2 ** 31;
      return pick % live.length;
    };
    return async (s3: S3Client, tap: EventTap): Promise<ObjectChange> => {
      const kind = step % 3;
      step++;
      let key: string;
      if (kind === 0) {
        key = `new/${step}`;
        live.push(key);
        await s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body(step), ContentType: 'text/plain' }),
        );
      } else if (kind === 1) {
        key = live[take()] as string;
        await s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body(step), ContentType: 'text/plain' }),
        );
      } else {
        const index = take();
        key = live[index] as string;
        live.splice(index, 1);
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      }
      return tap.next(bucket, key);
    };
  };
}

function body(step: number): string {
  return 'y'.repeat(50 + (step % 500));
}

/** After the runs, our totals must equal a fresh full listing. */
async function checkExact(docs: DynamoDBDocumentClient, baseline: BaselineTracker, bucket: string) {
  const listed = await baseline.apply(bucket);
  const out = await docs.send(
    new GetCommand({ TableName: tables.ledger, Key: { bucket, entry: 'totals' }, ConsistentRead: true }),
  );
  return (
    Number(out.Item?.size_bytes) === listed.sizeBytes && Number(out.Item?.object_count) === listed.objectCount
  );
}

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function fmt(run: RunFigures | undefined): string {
  if (!run) return '-';
  return `${run.callsPerEvent.toFixed(2)} calls/event, ${run.eventsPerSec.toFixed(1)} events/s, p50 ${run.p50Ms.toFixed(1)} ms`;
}
