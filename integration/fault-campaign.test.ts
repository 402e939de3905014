import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../emulator/local-cloud.ts';
import type { EventsOptions } from '../emulator/s3/delivery/options.ts';
import { type ProfiledEventSource, profiledEventSource } from '../emulator/s3/delivery/source.ts';
import type { S3EventRecord } from '../emulator/s3/event-records.ts';
import { seededRandom } from '../emulator/services/seeded-random.ts';
import { decideCrossings, type FiredState } from '../handlers/alerts/crossing.ts';
import { configItem } from '../handlers/alerts/items.ts';
import type { Thresholds } from '../handlers/alerts/thresholds.ts';
import { LedgerStore } from '../handlers/tracking/ledger-store.ts';
import { Reconciler } from '../handlers/tracking/reconcile.ts';
import { readOutbox } from '../test/support/alerts-table.ts';
import { readHistory } from '../test/support/history.ts';
import { BucketModel } from './support/bucket-model.ts';
import {
  type BucketCheck,
  checkBucket,
  checkStoredTotals,
  listVersions,
  type Stores,
} from './support/exactness.ts';
import { ensureAssembly } from './targets/assembly.ts';
import { appOutputs } from './targets/embedded.ts';

/**
 * The fault campaign (issue 5, item 2; issue 8): thousands of object operations through the S3 API
 * on the embedded target; their S3-faithful event records reach the size-tracking function through
 * the `aws` delivery profile (emulator/s3/delivery/: duplicates, some late, records held back so later
 * ones overtake them), through Lambda's async path with concurrency, while the emulator kills handlers
 * mid-event and the async invoker retries them the Lambda way. Afterwards every bucket's totals,
 * ledger and history must be exact. Seeded (FAULT_SEED), sized by FAULT_OPS.
 *
 * It runs on versioned buckets (put versions, deletes that leave delete markers, deletes of a version
 * or a marker by id, multi-deletes with version ids) and checks the stored totals against
 * ListObjectVersions as well; FAULT_VERSIONED=0 runs it on unversioned buckets.
 */
const SEED = Number(process.env.FAULT_SEED ?? 20261122);
const OPERATIONS = Number(process.env.FAULT_OPS ?? 5000);
const VERSIONED = (process.env.FAULT_VERSIONED ?? '1') === '1';
const BUCKETS = 10; // one totals item each: a bucket's changes commit one at a time
const KEYS_PER_BUCKET = 60;
const HOT_KEYS = 5; // per bucket: a share of the operations hit these, so one key's events crowd a window
const S3_WORKERS = 12;
const CONCURRENCY = 8;
const CLOCK_SKEW_MS = 1000;
/** A reconciliation of one bucket starts this often while the operations run (real clock, test process). */
const RECONCILE_EVERY_MS = 4000;
const CRASH_RATE = Number(process.env.FAULT_CRASH_RATE ?? 0.075); // about 85 % of planned crashes land
/** The aws profile at campaign strength: over 20 % duplicates, half of them late, delays up to 3 s. */
const DELIVERY: EventsOptions = {
  profile: 'aws',
  seed: SEED,
  duplicateRate: 0.22,
  lateDuplicateShare: 0.5,
  reorderRate: 0.15,
  maxDelayMs: 3_000,
};
const TRACKER = 'SizeTrackingFunction';
/** Set on every campaign bucket: its count moves across this line many times (issue 10: one outbox row per crossing). */
const ALERT_THRESHOLDS: Thresholds = { objectCount: { threshold: KEYS_PER_BUCKET / 3, hysteresis: 3 } };

const random = seededRandom(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

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
  // hostile: whitespace the SDK's XML parsing would eat, and 1,020-byte keys (hashed ledger ids)
  (i) => ` \n ${i}\t `,
  (i) => `long/${'x'.repeat(1010)}-${String(i).padStart(4, '0')}`,
  // the literal text of a hashed ledger id: must never share an entry with the long key it hashes
  (i) =>
    `sha256:${createHash('sha256')
      .update(`long/${'x'.repeat(1010)}-${String(i - 1).padStart(4, '0')}`)
      .digest('hex')}`,
];

function objectSize(): number {
  const r = random();
  if (r < 0.05) return 0;
  if (r < 0.55) return 1 + Math.floor(random() * 256);
  if (r < 0.95) return 256 + Math.floor(random() * 3840);
  return 4096 + Math.floor(random() * 28672);
}

type OperationKind = 'put' | 'delete' | 'deleteVersion' | 'copy' | 'multiDelete';

interface CampaignNumbers {
  operations: number;
  byKind: Record<OperationKind, number>;
  keysTouched: number;
  eventsEmitted: number;
  deliveries: number;
  duplicates: number;
  lateDuplicates: number;
  heldBack: number;
  outOfOrder: number;
  handlerRuns: number;
  crashes: number;
  retries: number;
  failures: number;
  /** Reconciliations that ran while operations and events were in flight. */
  reconciliations: number;
  reconcileCorrections: number;
  /** Threshold crossings in the buckets' histories (each must have exactly one outbox row). */
  alertCrossings?: number;
  s3PhaseMs: number;
  durationMs: number;
}

describe(`fault campaign on the embedded target (${VERSIONED ? 'versioned' : 'unversioned'} buckets, aws delivery)`, () => {
  let cloud: LocalCloud;
  let s3: S3Client;
  let stores: Stores;
  let alertsTable: string;
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
      faults: {
        crashRate: CRASH_RATE,
        seed: SEED,
        functions: [TRACKER],
        spareFinalAttempt: true,
        // every tracker environment on a clock of its own, up to a second off the reconciler's
        clockSkewMs: CLOCK_SKEW_MS,
      },
      log: (line) => logLines.push(line),
    });
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const region = cloud.region;
    s3 = new S3Client({ region, credentials, endpoint: cloud.endpoints.s3, forcePathStyle: true });
    const dynamodb = new DynamoDBClient({ region, credentials, endpoint: cloud.endpoints.dynamodb });
    const outputs = appOutputs(cloud.outputs);
    alertsTable = Object.assign({}, ...Object.values(cloud.outputs)).AlertsTableName as string;
    stores = {
      s3,
      documents: DynamoDBDocumentClient.from(dynamodb),
      tables: { history: outputs.historyTable, ledger: outputs.ledgerTable },
    };
    // Extra buckets have no notification configuration: only this test delivers their events.
    for (let b = 0; b < BUCKETS; b++) {
      const bucket = `fault-campaign-${b}-${SEED.toString(36)}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      if (VERSIONED) {
        await s3.send(
          new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
        );
        const { Status } = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
        if (Status !== 'Enabled')
          throw new Error(`FAULT_VERSIONED=1 needs an S3 with versioning; bucket ${bucket} says ${Status}`);
      }
      buckets.push(bucket);
      await stores.documents.send(
        new PutCommand({
          TableName: alertsTable,
          Item: configItem(bucket, {
            thresholds: ALERT_THRESHOLDS,
            version: 1,
            updatedAt: '',
            source: 'api',
          }),
        }),
      );
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

    const numbers: CampaignNumbers = {
      operations: 0,
      byKind: { put: 0, delete: 0, deleteVersion: 0, copy: 0, multiDelete: 0 },
      keysTouched: 0,
      eventsEmitted: 0,
      deliveries: 0,
      duplicates: 0,
      lateDuplicates: 0,
      heldBack: 0,
      outOfOrder: 0,
      handlerRuns: 0,
      crashes: 0,
      retries: 0,
      failures: 0,
      reconciliations: 0,
      reconcileCorrections: 0,
      s3PhaseMs: 0,
      durationMs: 0,
    };

    // --- delivery: the campaign buckets have no notification configuration, so their records go
    // through the aws profile here and on to the tracker through Lambda's async path
    const campaignBuckets = new Set(buckets);
    const delivery: ProfiledEventSource = profiledEventSource(
      {
        onEvent: (listener) =>
          cloud.onS3Event((record, facts) => {
            if (campaignBuckets.has(record.s3.bucket.name)) listener(record, facts);
          }),
      },
      DELIVERY,
    );
    const newestDelivered = new Map<string, string>(); // bucket/key -> newest sequencer delivered so far
    const stopDelivering = delivery.onEvent((record: S3EventRecord) => {
      const id = `${record.s3.bucket.name}/${record.s3.object.key}`;
      const newest = newestDelivered.get(id);
      const sequencer = record.s3.object.sequencer;
      if (newest !== undefined && sequencer < newest) numbers.outOfOrder++;
      if (newest === undefined || sequencer > newest) newestDelivered.set(id, sequencer);
      void cloud.invokeAsync(TRACKER, { Records: [record] });
    });

    // --- operations through the S3 API; one operation at a time per key, so the model is exact
    const models = buckets.map(() => new BucketModel(VERSIONED));
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
    // unversioned: put 72 %, delete 21 %, copy 4 %, multi-delete 3 % (as before issue 8);
    // versioned: put 55 %, delete (marker) 14 %, delete of a version or marker by id 18 %, copy 5 %, multi-delete 8 %
    const mix: [OperationKind, number][] = VERSIONED
      ? [
          ['put', 0.55],
          ['delete', 0.69],
          ['deleteVersion', 0.87],
          ['copy', 0.92],
          ['multiDelete', 1],
        ]
      : [
          ['put', 0.72],
          ['delete', 0.93],
          ['copy', 0.97],
          ['multiDelete', 1],
        ];

    // progress every 15 s (to stderr, and to FAULT_PROGRESS_FILE when set, to follow a long run)
    const progress = setInterval(() => {
      const line = `[${Math.round((performance.now() - started) / 1000)} s] operations ${numbers.operations}, delivery ${JSON.stringify(delivery.stats())}, handler runs ${JSON.stringify(cloud.faultStats())}\n`;
      process.stderr.write(line);
      if (process.env.FAULT_PROGRESS_FILE) appendFileSync(process.env.FAULT_PROGRESS_FILE, line);
    }, 15_000);
    let issued = 0;
    const worker = async () => {
      while (issued < OPERATIONS) {
        const b = Math.floor(random() * BUCKETS);
        const bucket = buckets[b] as string;
        const model = models[b] as BucketModel;
        const r = random();
        const kind = (mix.find(([, upTo]) => r < upTo) ?? mix[0])?.[0] as OperationKind;
        let held: string[];
        let run: () => Promise<void>;
        if (kind === 'put') {
          held = [chooseKey(b)];
          const [key] = held as [string];
          const size = objectSize();
          run = async () => {
            const out = await s3.send(
              new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(size, 97 + (size % 26)) }),
            );
            model.put(key, size, out.VersionId);
          };
        } else if (kind === 'delete') {
          held = [chooseKey(b)];
          const [key] = held as [string];
          run = async () => {
            const out = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
            model.deleteCurrent(key, out.VersionId);
          };
        } else if (kind === 'deleteVersion') {
          const withVersions = model.keysWithVersions();
          if (withVersions.length === 0) continue;
          held = [pick(withVersions)];
          const [key] = held as [string];
          run = async () => {
            // chosen once the key is ours: any version, noncurrent, current or a delete marker
            const version = pick(model.versionsOf(key));
            if (!version) return;
            await s3.send(
              new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: version.versionId }),
            );
            model.deleteVersion(key, version.versionId);
          };
        } else if (kind === 'copy') {
          const present = model.keysWithCurrentObject();
          if (present.length === 0) continue;
          held = [pick(present), chooseKey(b)];
          const [source, destination] = held as [string, string];
          run = async () => {
            const size = model.currentSize(source);
            if (size === undefined) return; // deleted before we held it
            const out = await s3.send(
              new CopyObjectCommand({
                Bucket: bucket,
                Key: destination,
                CopySource: copySource(bucket, source),
              }),
            );
            model.put(destination, size, out.VersionId);
          };
        } else {
          held = Array.from({ length: 2 + Math.floor(random() * 5) }, () => chooseKey(b));
          const doomed = held;
          run = async () => {
            // in a versioned bucket, some entries name a version (or a marker) to remove for good
            const entries = doomed.map((Key) => {
              const versions = model.versionsOf(Key);
              const byId = VERSIONED && versions.length > 0 && random() < 0.4 ? pick(versions) : undefined;
              return byId ? { Key, VersionId: byId.versionId } : { Key };
            });
            const out = await s3.send(
              new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: entries } }),
            );
            if (out.Errors?.length) throw new Error(`DeleteObjects errors: ${JSON.stringify(out.Errors)}`);
            for (const entry of entries) {
              if ('VersionId' in entry && entry.VersionId) model.deleteVersion(entry.Key, entry.VersionId);
              else {
                const deleted = out.Deleted?.find((d) => d.Key === entry.Key && !d.VersionId);
                model.deleteCurrent(entry.Key, deleted?.DeleteMarkerVersionId);
              }
            }
          };
        }
        if (!lock(b, held)) {
          await sleep(0);
          continue;
        }
        issued++;
        try {
          await run();
          numbers.byKind[kind]++;
          numbers.operations++;
        } finally {
          unlock(b, held);
        }
      }
    };
    // reconciliations race the trackers (whose clocks are up to CLOCK_SKEW_MS off this one)
    const reconciler = new Reconciler(
      s3,
      new LedgerStore(stores.documents, { ...stores.tables, alerts: alertsTable }),
    );
    let operating = true;
    const reconciling = (async () => {
      for (let round = 0; operating; round++) {
        await sleep(RECONCILE_EVERY_MS);
        if (!operating) break;
        const report = await reconciler.reconcile(buckets[round % buckets.length] as string);
        numbers.reconciliations++;
        numbers.reconcileCorrections += report.correctedEntries;
      }
    })();
    try {
      await Promise.all(Array.from({ length: S3_WORKERS }, worker));
    } finally {
      operating = false;
      await reconciling;
    }
    numbers.s3PhaseMs = Math.round(performance.now() - started);
    numbers.keysTouched = touched.size;

    // the last records arrive shortly after their responses: wait until none has come for a moment,
    // then until nothing is held back and every invocation (with its retries) is done
    for (let seen = -1; seen !== delivery.stats().received; ) {
      seen = delivery.stats().received;
      await sleep(300);
    }
    do {
      await delivery.whenDrained();
      await cloud.whenIdle();
    } while (delivery.stats().pending > 0);
    stopDelivering();
    delivery.stop();
    clearInterval(progress);
    numbers.durationMs = Math.round(performance.now() - started);
    const deliveryStats = delivery.stats();
    numbers.eventsEmitted = deliveryStats.received;
    numbers.deliveries = deliveryStats.delivered;
    numbers.duplicates = deliveryStats.duplicates;
    numbers.lateDuplicates = deliveryStats.lateDuplicates;
    numbers.heldBack = deliveryStats.heldBack;
    const stats = cloud.faultStats();
    numbers.handlerRuns = stats.invocations;
    numbers.crashes = stats.crashes;
    numbers.retries = logLines.filter((line) => line.includes('async invocation failed (attempt')).length;
    numbers.failures = cloud.failures().length;

    const checks: (BucketCheck & { bucket: string; stored: string })[] = [];
    for (const [b, bucket] of buckets.entries()) {
      const model = models[b] as BucketModel;
      const check = await checkBucket(stores, bucket);
      const problems = [...check.problems];
      let stored = '';
      if (VERSIONED) {
        problems.push(...(await checkStoredTotals(stores, bucket)));
        const versions = await listVersions(s3, bucket);
        stored = `; stored ${versions.sizeBytes} B in ${versions.versions} versions, ${versions.deleteMarkers} delete markers`;
        // what S3 acknowledged agrees with what it lists (else the emulator, not the tracker, is off)
        expect(versions).toEqual(model.stored());
      }
      // exactly one outbox row per crossing of the committed history (tracker and reconciler commits)
      let fired: FiredState = {};
      const crossings: number[] = [];
      for (const point of await readHistory(stores.documents, stores.tables.history, bucket)) {
        const values = { currentBytes: point.sizeBytes, storedBytes: 0, objectCount: point.objectCount };
        const decision = decideCrossings(ALERT_THRESHOLDS, fired, values, point.revision);
        fired = decision.fired;
        if (decision.crossings.length > 0) crossings.push(point.revision);
      }
      const rows = (await readOutbox(stores.documents, alertsTable, bucket)).map((row) => row.revision);
      if (rows.join() !== crossings.join())
        problems.push(`outbox rows at revisions [${rows}], crossings at [${crossings}]`);
      numbers.alertCrossings = (numbers.alertCrossings ?? 0) + crossings.length;
      checks.push({ bucket, ...check, problems, stored });
      expect({ sizeBytes: check.listing.sizeBytes, objectCount: check.listing.objectCount }).toEqual(
        model.current(),
      );
    }

    const summary = [
      `fault campaign (seed ${SEED}, ${VERSIONED ? 'versioned' : 'unversioned'} buckets): ${numbers.operations} operations (${JSON.stringify(numbers.byKind)}) over ${numbers.keysTouched} keys in ${BUCKETS} buckets`,
      `  events emitted ${numbers.eventsEmitted}, delivered ${numbers.deliveries} by the aws profile ${JSON.stringify(DELIVERY)}: ${numbers.duplicates} duplicates (${pct(numbers.duplicates, numbers.eventsEmitted)} of events, ${numbers.lateDuplicates} late), ${numbers.heldBack} held back, ${numbers.outOfOrder} delivered after a newer event of the same key`,
      `  handler runs ${numbers.handlerRuns}, crashed ${numbers.crashes} (${pct(numbers.crashes, numbers.handlerRuns)}), retries ${numbers.retries}, failures ${numbers.failures}, concurrency ${CONCURRENCY}`,
      `  reconciliations during the run ${numbers.reconciliations} (${numbers.reconcileCorrections} entries corrected), tracker clocks skewed up to ±${CLOCK_SKEW_MS} ms`,
      `  alert threshold crossings ${numbers.alertCrossings ?? 0} (${JSON.stringify(ALERT_THRESHOLDS)}), each with exactly one outbox row`,
      `  S3 phase ${numbers.s3PhaseMs} ms, duration ${numbers.durationMs} ms`,
      ...checks.map(
        (check) =>
          `  ${check.bucket}: ${check.listing.objectCount} objects, ${check.listing.sizeBytes} B${check.stored}; totals ${check.totals?.sizeBytes} B / ${check.totals?.objectCount}; ${check.historyPoints} history points; ${check.ledgerEntries} ledger entries; ${check.problems.length} problems`,
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
    expect(numbers.reconciliations).toBeGreaterThan(0);
  }, 900_000);
});

function pct(part: number, whole: number): string {
  return `${((100 * part) / Math.max(1, whole)).toFixed(1)} %`;
}
