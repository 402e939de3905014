import {
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { S3EventRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedS3, startS3Server } from '../../emulator/s3/server.ts';
import { HISTORY } from '../../handlers/shared/schema.ts';
import { LedgerStore } from '../../handlers/tracking/ledger-store.ts';
import { Reconciler } from '../../handlers/tracking/reconcile.ts';
import { parseRecord } from '../../handlers/tracking/s3-event.ts';
import { s3KeyVersions } from '../../handlers/tracking/s3-versions.ts';
import { SizeTracker } from '../../handlers/tracking/tracker.ts';
import { createBucket, createTables, documentClient, s3Client } from '../support/aws.ts';

/**
 * The tracker against the versioned embedded S3's own event records: delivered in order, shuffled
 * with duplicates (AWS's at-least-once, unordered delivery), or with LocalStack 4.14's constant
 * sequencer. Every run must end with current totals == the current versions S3 lists and stored
 * totals == every data version S3 lists.
 */

let server: EmbeddedS3;
let s3: S3Client;
let db: DynamoDBDocumentClient;
let store: LedgerStore;
let historyTable: string;
const records = new Map<string, S3EventRecord[]>();

beforeAll(async () => {
  server = await startS3Server();
  s3 = s3Client(server.endpoint);
  server.onEvent((record) => {
    const r = record as unknown as S3EventRecord;
    const list = records.get(r.s3.bucket.name) ?? [];
    list.push(r);
    records.set(r.s3.bucket.name, list);
  });
  db = documentClient();
  const tables = await createTables();
  historyTable = tables.history;
  store = new LedgerStore(db, tables);
});

afterAll(async () => {
  await server?.stop();
});

/** A seeded generator (mulberry32): the same seed gives the same delivery. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function recount(bucket: string) {
  const totals = { sizeBytes: 0, objectCount: 0, storedBytes: 0, storedVersions: 0 };
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        EncodingType: 'url',
        ...(keyMarker ? { KeyMarker: keyMarker, VersionIdMarker: versionIdMarker } : {}),
      }),
    );
    for (const v of page.Versions ?? []) {
      totals.storedBytes += v.Size ?? 0;
      totals.storedVersions++;
      if (v.IsLatest) {
        totals.sizeBytes += v.Size ?? 0;
        totals.objectCount++;
      }
    }
    if (!page.IsTruncated) return totals;
    keyMarker = page.NextKeyMarker ? decodeURIComponent(page.NextKeyMarker.replace(/\+/g, ' ')) : undefined;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

const hostileKeys = [' \n ', 'a+b c%25.txt', `deep/${'x'.repeat(1000)}`, 'sha256:0000'];

/** The versioned scenario of issue 8, plus hostile keys; returns the bucket. */
async function scenario(): Promise<string> {
  const bucket = await createBucket(s3, 'versioned');
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  const put = (Key: string, size: number) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x'.repeat(size) }));
  const v1 = await put('assignment1.txt', 18);
  await put('assignment1.txt', 27);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'assignment1.txt', VersionId: v1.VersionId }));
  const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'assignment1.txt' }));
  await s3.send(
    new DeleteObjectCommand({ Bucket: bucket, Key: 'assignment1.txt', VersionId: marker.VersionId }),
  );
  await put('assignment2.txt', 2);
  for (const [i, key] of hostileKeys.entries()) {
    await put(key, 10 + i);
    await put(key, 20 + i);
  }
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: hostileKeys[0] }));
  // let the last records arrive
  await new Promise((resolve) => setTimeout(resolve, 200));
  return bucket;
}

async function deliverAll(bucket: string, delivered: readonly S3EventRecord[]) {
  const tracker = new SizeTracker(store, async () => null, { keyVersions: s3KeyVersions(s3) });
  let verified = 0;
  for (const record of delivered) {
    const parsed = parseRecord(record);
    if (!parsed.ok) throw new Error(parsed.reason);
    const outcome = await tracker.apply(parsed.change);
    if (outcome.outcome === 'applied' && outcome.verified) verified++;
  }
  const totals = (await store.readConsistent(bucket, [], Date.now())).totals;
  return { totals, verified };
}

async function pointsOf(bucket: string) {
  const page = await db.send(
    new QueryCommand({
      TableName: historyTable,
      KeyConditionExpression: '#b = :b',
      ExpressionAttributeNames: { '#b': HISTORY.partitionKey },
      ExpressionAttributeValues: { ':b': bucket },
      ConsistentRead: true,
    }),
  );
  return (page.Items ?? []).map((i) => [i.size_bytes, i.object_count, i.stored_bytes, i.stored_versions]);
}

async function pointTimes(bucket: string): Promise<number[]> {
  const page = await db.send(
    new QueryCommand({
      TableName: historyTable,
      KeyConditionExpression: '#b = :b',
      ExpressionAttributeNames: { '#b': HISTORY.partitionKey },
      ExpressionAttributeValues: { ':b': bucket },
      ConsistentRead: true,
    }),
  );
  return (page.Items ?? []).map((i) => Number(i.time_ms));
}

function expectNoDuplicatePoint(points: unknown[][]) {
  for (let i = 1; i < points.length; i++) expect(points[i]).not.toEqual(points[i - 1]);
}

describe("versioned bucket, the embedded S3's own records", () => {
  it('in order: current 18, 27, 27, 0, 27, then the driver keys; stored follows every version', async () => {
    const bucket = await scenario();
    const own = records.get(bucket) ?? [];
    expect(own.every((r) => (r.s3.object as { versionId?: string }).versionId)).toBe(true);
    const { totals, verified } = await deliverAll(bucket, own);
    const truth = await recount(bucket);
    expect(totals).toMatchObject(truth);
    expect(verified).toBe(0);
    const points = await pointsOf(bucket);
    expect(points.slice(0, 6)).toEqual([
      [18, 1, 18, 1],
      [27, 1, 45, 2],
      [27, 1, 27, 1],
      [0, 0, 27, 1],
      [27, 1, 27, 1],
      [29, 2, 29, 2],
    ]);
    expectNoDuplicatePoint(points);
  });

  it('AWS-like delivery: shuffled, every third record twice, with a reconciliation halfway', async () => {
    const bucket = await scenario();
    const next = random(8);
    const own = records.get(bucket) ?? [];
    const delivered = own.flatMap((r, i) => (i % 3 === 0 ? [r, r] : [r]));
    for (let i = delivered.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [delivered[i], delivered[j]] = [delivered[j] as S3EventRecord, delivered[i] as S3EventRecord];
    }
    const half = Math.floor(delivered.length / 2);
    await deliverAll(bucket, delivered.slice(0, half));
    await new Reconciler(s3, store).reconcile(bucket);
    const { totals } = await deliverAll(bucket, delivered.slice(half));
    expect(totals).toMatchObject(await recount(bucket));
    expectNoDuplicatePoint(await pointsOf(bucket));
  });

  it('LocalStack 4.14 delivery: one constant sequencer on every record', async () => {
    const bucket = await scenario();
    const own = (records.get(bucket) ?? []).map((r) => ({
      ...r,
      s3: { ...r.s3, object: { ...r.s3.object, sequencer: '0055AED6DCD90281E5' } },
    }));
    const { totals, verified } = await deliverAll(bucket, [...own, ...own]);
    expect(totals).toMatchObject(await recount(bucket));
    expect(verified).toBeGreaterThan(0);
    expectNoDuplicatePoint(await pointsOf(bucket));
  });

  it('lifecycle: an expired current version becomes a marker, expired noncurrent versions leave stored', async () => {
    const bucket = await createBucket(s3, 'lifecycle');
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: {
          Rules: [
            { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 1 } },
            {
              ID: 'old',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            },
          ],
        },
      }),
    );
    const put = (Key: string, size: number) =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x'.repeat(size) }));
    await put('logs/a', 3);
    await put('data', 100);
    await put('data', 40);
    const day = 24 * 3600 * 1000;
    await server.advanceClock(2 * day);
    await server.advanceClock(31 * day);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const own = records.get(bucket) ?? [];
    expect(own.map((r) => r.eventName)).toContain('LifecycleExpiration:Delete');
    expect(own.map((r) => r.eventName)).toContain('LifecycleExpiration:DeleteMarkerCreated');
    const { totals } = await deliverAll(bucket, own);
    expect(totals).toMatchObject(await recount(bucket));
    expect(totals).toMatchObject({ sizeBytes: 40, objectCount: 1 });
    // The server's clock was moved 33 days ahead: its eventTimes are not believed past the bound.
    const times = await pointTimes(bucket);
    expect(times.length).toBeGreaterThan(0);
    for (const time of times) expect(time).toBeLessThanOrEqual(Date.now());
  });
});
