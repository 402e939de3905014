import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../emulator/local-cloud.ts';
import type { S3EventRecord } from '../emulator/s3/event-records.ts';
import { seededRandom } from '../emulator/services/seeded-random.ts';
import { checkBucket, type Stores } from './support/exactness.ts';
import { ensureAssembly } from './targets/assembly.ts';
import { appOutputs } from './targets/embedded.ts';

/**
 * The fault campaign (issue 5, item 2): thousands of object operations through the S3 API on the
 * embedded target; their S3-faithful event records are delivered to the size-tracking function
 * by this test, duplicated, reordered, concurrently, while the emulator kills handlers mid-event
 * and the async invoker retries them the Lambda way. Afterwards every bucket's totals, ledger and
 * history must be exact. Seeded (FAULT_SEED), sized by FAULT_OPS.
 */
const SEED = Number(process.env.FAULT_SEED ?? 20261122);
const OPERATIONS = Number(process.env.FAULT_OPS ?? 5000);
const BUCKETS = 10; // one totals item each: a bucket's changes commit one at a time
const KEYS_PER_BUCKET = 60;
const HOT_KEYS = 5; // per bucket: a share of the operations hit these, so one key's events crowd a window
const S3_WORKERS = 12;
const CONCURRENCY = 8;
const CRASH_RATE = Number(process.env.FAULT_CRASH_RATE ?? 0.075); // about 85 % of planned crashes land
const DUPLICATE_RATE = 0.22;
const LATE_SHARE = 0.5; // of the duplicates: held back and delivered 1-40 windows later
const WINDOW = 24; // deliveries are shuffled within windows of this many records
const TRACKER = 'SizeTrackingFunction';

const random = seededRandom(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Keys S3 allows and that trip up encoders: spaces, '+', '%', unicode, '&', '=', '?', quotes. */
const KEY_SHAPES: ((i: number) => string)[] = [
  (i) => `plain/object-${i}.txt`,
  (i) => `with space/file ${i}.txt`,
  (i) => `plus+sign+${i}.bin`,
  (i) => `100% done ${i}.txt`,
  (i) => `unicode/été 📦 ${i}.bin`,
  (i) => `ключ/数据-${i}`,
  (i) => `a&b=c?${i}.txt`,
  (i) => `deep/nested/path/${i}/leaf`,
  (i) => `tilde~and'quote ${i}`,
];

function objectSize(): number {
  const r = random();
  if (r < 0.05) return 0;
  if (r < 0.55) return 1 + Math.floor(random() * 256);
  if (r < 0.95) return 256 + Math.floor(random() * 3840);
  return 4096 + Math.floor(random() * 28672);
}

interface CampaignNumbers {
  operations: number;
  byKind: Record<'put' | 'delete' | 'copy' | 'multiDelete', number>;
  keysTouched: number;
  eventsEmitted: number;
  deliveries: number;
  duplicates: number;
  lateDuplicates: number;
  outOfOrder: number;
  handlerRuns: number;
  crashes: number;
  retries: number;
  failures: number;
  s3PhaseMs: number;
  durationMs: number;
}

describe('fault campaign on the embedded target', () => {
  let cloud: LocalCloud;
  let s3: S3Client;
  let stores: Stores;
  const logLines: string[] = [];
  const buckets: string[] = [];

  beforeAll(async () => {
    const assemblyDir = await ensureAssembly();
    cloud = await startLocalCloud({
      assemblyDir,
      stateDir: null,
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      functionConcurrency: CONCURRENCY,
      // Lambda waits about 1 and 2 minutes; the same two retries, sooner
      asyncRetryDelaysMs: [100, 200],
      faults: { crashRate: CRASH_RATE, seed: SEED, functions: [TRACKER], spareFinalAttempt: true },
      log: (line) => logLines.push(line),
    });
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const region = cloud.region;
    s3 = new S3Client({ region, credentials, endpoint: cloud.endpoints.s3, forcePathStyle: true });
    const dynamodb = new DynamoDBClient({ region, credentials, endpoint: cloud.endpoints.dynamodb });
    const outputs = appOutputs(cloud.outputs);
    stores = {
      s3,
      documents: DynamoDBDocumentClient.from(dynamodb),
      tables: { history: outputs.historyTable, ledger: outputs.ledgerTable },
    };
    // Extra buckets have no notification configuration: only this test delivers their events.
    for (let b = 0; b < BUCKETS; b++) {
      const bucket = `fault-campaign-${b}-${SEED.toString(36)}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      buckets.push(bucket);
    }
  });

  afterAll(async () => {
    s3?.destroy();
    stores?.documents.destroy();
    await cloud?.stop();
  });

  it(`keeps totals, ledger and history exact through ${OPERATIONS} operations with duplicates, reordering and crashes`, async () => {
    const started = performance.now();
    const keys = buckets.map((_, b) =>
      Array.from({ length: KEYS_PER_BUCKET }, (_, i) =>
        (KEY_SHAPES[i % KEY_SHAPES.length] as (i: number) => string)(b * 1000 + i),
      ),
    );

    // --- delivery: windows shuffled, duplicates now or late, all through Lambda's async path
    const numbers: CampaignNumbers = {
      operations: 0,
      byKind: { put: 0, delete: 0, copy: 0, multiDelete: 0 },
      keysTouched: 0,
      eventsEmitted: 0,
      deliveries: 0,
      duplicates: 0,
      lateDuplicates: 0,
      outOfOrder: 0,
      handlerRuns: 0,
      crashes: 0,
      retries: 0,
      failures: 0,
      s3PhaseMs: 0,
      durationMs: 0,
    };
    const newestDelivered = new Map<string, string>(); // bucket/key -> newest sequencer delivered so far
    const deliver = (record: S3EventRecord) => {
      const id = `${record.s3.bucket.name}/${record.s3.object.key}`;
      const newest = newestDelivered.get(id);
      const sequencer = record.s3.object.sequencer;
      if (newest !== undefined && sequencer < newest) numbers.outOfOrder++;
      if (newest === undefined || sequencer > newest) newestDelivered.set(id, sequencer);
      numbers.deliveries++;
      void cloud.invokeAsync(TRACKER, { Records: [record] });
    };
    let window: S3EventRecord[] = [];
    let late: { due: number; record: S3EventRecord }[] = [];
    let flushes = 0;
    const flush = () => {
      flushes++;
      const batch = window;
      window = [];
      const dueNow = late.filter((entry) => entry.due <= flushes);
      late = late.filter((entry) => entry.due > flushes);
      batch.push(...dueNow.map((entry) => entry.record));
      for (const record of shuffle(batch)) deliver(record);
    };
    const campaignBuckets = new Set(buckets);
    const unsubscribe = cloud.onS3Event((record) => {
      if (!campaignBuckets.has(record.s3.bucket.name)) return;
      numbers.eventsEmitted++;
      window.push(record);
      if (random() < DUPLICATE_RATE) {
        numbers.duplicates++;
        if (random() < LATE_SHARE) {
          numbers.lateDuplicates++;
          late.push({ due: flushes + 1 + Math.floor(random() * 40), record });
        } else window.push(record);
      }
      if (window.length >= WINDOW) flush();
    });

    // --- operations through the S3 API; one operation at a time per key, so the listing is the model
    const model = buckets.map(() => new Map<string, number>());
    const busy = new Set<string>();
    const touched = new Set<string>();
    const chooseKey = (b: number) => {
      const bucketKeys = keys[b] as string[];
      return random() < 0.25 ? (bucketKeys[Math.floor(random() * HOT_KEYS)] as string) : pick(bucketKeys);
    };
    const lock = (b: number, wanted: string[]): boolean => {
      const ids = wanted.map((key) => `${b}/${key}`);
      if (new Set(ids).size !== ids.length || ids.some((id) => busy.has(id))) return false;
      for (const id of ids) busy.add(id);
      return true;
    };
    const unlock = (b: number, held: string[]) => {
      for (const key of held) {
        busy.delete(`${b}/${key}`);
        touched.add(`${b}/${key}`);
      }
    };
    const copySource = (bucket: string, key: string) => `${bucket}/${encodeURIComponent(key)}`;

    // progress every 15 s (to stderr, and to FAULT_PROGRESS_FILE when set, to follow a long run)
    const progress = setInterval(() => {
      const line = `[${Math.round((performance.now() - started) / 1000)} s] operations ${numbers.operations}, events ${numbers.eventsEmitted}, delivered ${numbers.deliveries}, handler runs ${JSON.stringify(cloud.faultStats())}\n`;
      process.stderr.write(line);
      if (process.env.FAULT_PROGRESS_FILE) appendFileSync(process.env.FAULT_PROGRESS_FILE, line);
    }, 15_000);
    let issued = 0;
    const worker = async () => {
      while (issued < OPERATIONS) {
        const b = Math.floor(random() * BUCKETS);
        const bucket = buckets[b] as string;
        const state = model[b] as Map<string, number>;
        const r = random();
        let held: string[];
        let run: () => Promise<void>;
        if (r < 0.72) {
          held = [chooseKey(b)];
          const [key] = held as [string];
          const size = objectSize();
          run = async () => {
            await s3.send(
              new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(size, 97 + (size % 26)) }),
            );
            state.set(key, size);
            numbers.byKind.put++;
          };
        } else if (r < 0.93) {
          held = [chooseKey(b)];
          const [key] = held as [string];
          run = async () => {
            await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
            state.delete(key);
            numbers.byKind.delete++;
          };
        } else if (r < 0.97) {
          const present = [...state.keys()];
          if (present.length === 0) continue;
          held = [pick(present), chooseKey(b)];
          const [source, destination] = held as [string, string];
          run = async () => {
            await s3.send(
              new CopyObjectCommand({
                Bucket: bucket,
                Key: destination,
                CopySource: copySource(bucket, source),
              }),
            );
            state.set(destination, state.get(source) as number);
            numbers.byKind.copy++;
          };
        } else {
          held = Array.from({ length: 2 + Math.floor(random() * 5) }, () => chooseKey(b));
          const doomed = held;
          run = async () => {
            await s3.send(
              new DeleteObjectsCommand({
                Bucket: bucket,
                Delete: { Objects: doomed.map((Key) => ({ Key })) },
              }),
            );
            for (const key of doomed) state.delete(key);
            numbers.byKind.multiDelete++;
          };
        }
        if (!lock(b, held)) {
          await sleep(0);
          continue;
        }
        issued++;
        try {
          await run();
          numbers.operations++;
        } finally {
          unlock(b, held);
        }
      }
    };
    await Promise.all(Array.from({ length: S3_WORKERS }, worker));
    numbers.s3PhaseMs = Math.round(performance.now() - started);
    numbers.keysTouched = touched.size;

    // the last events arrive shortly after their responses: wait until none has come for a moment
    for (let seen = -1; seen !== numbers.eventsEmitted; ) {
      seen = numbers.eventsEmitted;
      await sleep(300);
    }
    unsubscribe();
    while (window.length > 0 || late.length > 0) {
      flushes += 40; // everything held back is due now
      flush();
    }
    await cloud.whenIdle();
    clearInterval(progress);
    numbers.durationMs = Math.round(performance.now() - started);
    const stats = cloud.faultStats();
    numbers.handlerRuns = stats.invocations;
    numbers.crashes = stats.crashes;
    numbers.retries = logLines.filter((line) => line.includes('async invocation failed (attempt')).length;
    numbers.failures = cloud.failures().length;

    const checks = [];
    for (const [b, bucket] of buckets.entries()) {
      const check = await checkBucket(stores, bucket);
      checks.push({ bucket, ...check });
      // the model of what was acknowledged agrees with the listing (else the emulator, not the tracker, is off)
      const modelBytes = [...(model[b] as Map<string, number>).values()].reduce((sum, size) => sum + size, 0);
      expect({ bytes: check.listing.sizeBytes, objects: check.listing.objectCount }).toEqual({
        bytes: modelBytes,
        objects: (model[b] as Map<string, number>).size,
      });
    }

    const summary = [
      `fault campaign (seed ${SEED}): ${numbers.operations} operations (${JSON.stringify(numbers.byKind)}) over ${numbers.keysTouched} keys in ${BUCKETS} buckets`,
      `  events emitted ${numbers.eventsEmitted}, delivered ${numbers.deliveries}: ${numbers.duplicates} duplicates (${pct(numbers.duplicates, numbers.eventsEmitted)} of events, ${numbers.lateDuplicates} late), ${numbers.outOfOrder} delivered after a newer event of the same key`,
      `  handler runs ${numbers.handlerRuns}, crashed ${numbers.crashes} (${pct(numbers.crashes, numbers.handlerRuns)}), retries ${numbers.retries}, failures ${numbers.failures}, concurrency ${CONCURRENCY}`,
      `  S3 phase ${numbers.s3PhaseMs} ms, duration ${numbers.durationMs} ms`,
      ...checks.map(
        (check) =>
          `  ${check.bucket}: ${check.listing.objectCount} objects, ${check.listing.sizeBytes} B; totals ${check.totals?.sizeBytes} B / ${check.totals?.objectCount}; ${check.historyPoints} history points; ${check.ledgerEntries} ledger entries; ${check.problems.length} problems`,
      ),
    ].join('\n');
    console.log(summary);
    if (process.env.FAULT_PROGRESS_FILE) appendFileSync(process.env.FAULT_PROGRESS_FILE, `${summary}\n`);

    for (const check of checks) expect(check.problems, check.bucket).toEqual([]);
    expect(cloud.failures()).toEqual([]);
    expect(numbers.operations).toBeGreaterThanOrEqual(OPERATIONS);
    expect(numbers.keysTouched).toBeGreaterThanOrEqual(Math.min(500, BUCKETS * KEYS_PER_BUCKET));
    expect(numbers.duplicates / numbers.eventsEmitted).toBeGreaterThanOrEqual(0.2);
    expect(numbers.outOfOrder).toBeGreaterThan(0);
    expect(numbers.crashes / numbers.handlerRuns).toBeGreaterThanOrEqual(0.05);
    expect(numbers.retries).toBeGreaterThanOrEqual(numbers.crashes);
  }, 900_000);
});

function pct(part: number, whole: number): string {
  return `${((100 * part) / Math.max(1, whole)).toFixed(1)} %`;
}
