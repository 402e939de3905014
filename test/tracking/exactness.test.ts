import { createHash } from 'node:crypto';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { S3EventRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedS3, startS3Server } from '../../emulator/s3/server.ts';
import { HISTORY, LEDGER } from '../../handlers/shared/schema.ts';
import { entryId, LedgerStore } from '../../handlers/tracking/ledger-store.ts';
import { Reconciler } from '../../handlers/tracking/reconcile.ts';
import { parseRecord } from '../../handlers/tracking/s3-event.ts';
import { s3KeyVersions } from '../../handlers/tracking/s3-versions.ts';
import { SizeTracker } from '../../handlers/tracking/tracker.ts';
import { createBucket, createTables, documentClient, s3Client, type TestTables } from '../support/aws.ts';
import { s3Record } from '../support/s3-events.ts';

let s3Server: EmbeddedS3;
let s3: S3Client;
let db: DynamoDBDocumentClient;
let tables: TestTables;
let store: LedgerStore;
let bucket: string;

beforeAll(async () => {
  s3Server = await startS3Server();
  s3 = s3Client(s3Server.endpoint);
  db = documentClient();
  tables = await createTables();
  store = new LedgerStore(db, tables);
});

afterAll(async () => {
  await s3Server?.stop();
});

beforeEach(async () => {
  bucket = await createBucket(s3);
});

interface Point {
  readonly timeMs: number;
  readonly sizeBytes: number;
  readonly objectCount: number;
  readonly storedBytes: number;
  readonly storedVersions: number;
  readonly cause: string;
}

async function points(): Promise<Point[]> {
  const page = await db.send(
    new QueryCommand({
      TableName: tables.history,
      KeyConditionExpression: '#b = :b',
      ExpressionAttributeNames: { '#b': HISTORY.partitionKey },
      ExpressionAttributeValues: { ':b': bucket },
      ConsistentRead: true,
    }),
  );
  return (page.Items ?? []).map((item) => ({
    timeMs: Number(item.time_ms),
    sizeBytes: Number(item.size_bytes),
    objectCount: Number(item.object_count),
    storedBytes: Number(item.stored_bytes),
    storedVersions: Number(item.stored_versions),
    cause: String(item.cause),
  }));
}

async function totals() {
  return (await store.readConsistent(bucket, [], Date.now())).totals;
}

function tracker(now: () => number = Date.now): SizeTracker {
  return new SizeTracker(store, async () => null, { keyVersions: s3KeyVersions(s3), now });
}

interface RecordOptions {
  size?: number;
  sequencer?: string;
  eTag?: string;
  versionId?: string;
  eventTime?: string;
}

function record(key: string, eventName: string, options: RecordOptions = {}): S3EventRecord {
  const r = s3Record(bucket, key, eventName, options);
  if (options.versionId) (r.s3.object as { versionId?: string }).versionId = options.versionId;
  return { ...r, eventTime: options.eventTime ?? r.eventTime };
}

async function deliver(t: SizeTracker, r: S3EventRecord) {
  const parsed = parseRecord(r);
  if (!parsed.ok) throw new Error(parsed.reason);
  return t.apply(parsed.change);
}

/** A PUT on the embedded S3 and the record S3 would send for it (eTag from S3's answer). */
async function put(key: string, body: string, options: RecordOptions = {}): Promise<S3EventRecord> {
  const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return record(key, 'ObjectCreated:Put', {
    size: Buffer.byteLength(body),
    eTag: out.ETag?.replace(/"/g, ''),
    ...options,
  });
}

async function del(key: string, options: RecordOptions = {}): Promise<S3EventRecord> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  return record(key, 'ObjectRemoved:Delete', options);
}

describe('LocalStack 4.14: every record carries the same sequencer', () => {
  const constant = '0055AED6DCD90281E5';

  it('gives the driver scenario 18, 27, 0, 2 bytes, one point per change, asking S3 when needed', async () => {
    const t = tracker();
    // Each record delivered as its operation completes, as LocalStack does.
    const events: S3EventRecord[] = [];
    const outcomes = [];
    for (const operation of [
      () => put('assignment1.txt', 'x'.repeat(18), { sequencer: constant }),
      () => put('assignment1.txt', 'y'.repeat(27), { sequencer: constant }),
      () => del('assignment1.txt', { sequencer: constant }),
      () => put('assignment2.txt', 'zz', { sequencer: constant }),
    ]) {
      const e = await operation();
      events.push(e);
      outcomes.push(await deliver(t, e));
    }
    expect((await points()).map((p) => p.sizeBytes)).toEqual([18, 27, 0, 2]);
    expect(outcomes.map((o) => (o.outcome === 'applied' ? Boolean(o.verified) : o.outcome))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    // Redeliveries of every record: no change, no point.
    for (const e of events) await deliver(t, e);
    expect(await points()).toHaveLength(4);
    expect(await totals()).toMatchObject({ sizeBytes: 2, objectCount: 1, storedBytes: 2, storedVersions: 1 });
  });
});

describe('versioned ledger on DynamoDB Local', () => {
  it('keeps current and stored totals in the totals item and in every point', async () => {
    const t = tracker();
    const steps: [S3EventRecord, number[]][] = [
      [record('k', 'ObjectCreated:Put', { size: 4, versionId: 'v1', sequencer: '01' }), [4, 1, 4, 1]],
      [record('k', 'ObjectCreated:Put', { size: 13, versionId: 'v2', sequencer: '02' }), [13, 1, 17, 2]],
      [record('k', 'ObjectRemoved:Delete', { versionId: 'v1', sequencer: '03' }), [13, 1, 13, 1]],
      [record('k', 'ObjectRemoved:DeleteMarkerCreated', { versionId: 'm1', sequencer: '04' }), [0, 0, 13, 1]],
      [record('k', 'ObjectRemoved:Delete', { versionId: 'm1', sequencer: '05' }), [13, 1, 13, 1]],
    ];
    for (const [r, expected] of steps) {
      await deliver(t, r);
      const now = await totals();
      expect([now?.sizeBytes, now?.objectCount, now?.storedBytes, now?.storedVersions]).toEqual(expected);
      // A redelivery changes nothing.
      await deliver(t, r);
    }
    expect(
      (await points()).map((p) => [p.sizeBytes, p.objectCount, p.storedBytes, p.storedVersions]),
    ).toEqual(steps.map(([, expected]) => expected));
  });
});

describe('exact under skewed clocks, late events and hostile keys', () => {
  it('reconciliation fenced by an epoch: a tracker 800 ms behind ends at 500 B / 1 object, not 150 B / 2', async () => {
    const tracker800Behind = tracker(() => Date.now() - 800);
    await deliver(tracker800Behind, await put('a', 'a'.repeat(100), { sequencer: '01' }));
    await deliver(tracker800Behind, await put('b', 'b'.repeat(50), { sequencer: '01' }));
    expect(await totals()).toMatchObject({ sizeBytes: 150, objectCount: 2 });

    // The reconciler's own client: right after the listing answered, the bucket changes and the
    // (slow-clocked) tracker applies the overwrite and the delete, before the reconciler commits.
    const reconcilerS3 = s3Client(s3Server.endpoint);
    let raced = false;
    reconcilerS3.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        if (!raced && String((args.input as { Bucket?: string }).Bucket) === bucket) {
          raced = true;
          await deliver(tracker800Behind, await put('a', 'A'.repeat(500), { sequencer: '02' }));
          await deliver(tracker800Behind, await del('b', { sequencer: '02' }));
        }
        return out;
      },
      { step: 'finalizeRequest', name: 'raceAfterListing' },
    );
    const report = await new Reconciler(reconcilerS3, store, Date.now).reconcile(bucket);
    expect(raced).toBe(true);
    expect(report.skippedAsNewer).toBe(2);
    expect(await totals()).toMatchObject({ sizeBytes: 500, objectCount: 1 });
    // Redeliveries stay duplicates, and a second run agrees.
    await deliver(tracker800Behind, record('a', 'ObjectCreated:Put', { size: 500, sequencer: '02' }));
    const again = await new Reconciler(s3, store).reconcile(bucket);
    expect(again).toMatchObject({ correctedEntries: 0, after: { sizeBytes: 500, objectCount: 1 } });
  });

  it('a late older event does not undo what a listing proved: 99 B stays 99 B', async () => {
    const t = tracker();
    const early = await put('k', 'e'.repeat(10), { sequencer: '01' });
    const late = await put('k', 'l'.repeat(99), { sequencer: '02' });
    // Both events are still in Lambda's retry queue when reconciliation runs.
    await new Reconciler(s3, store).reconcile(bucket);
    expect(await totals()).toMatchObject({ sizeBytes: 99, objectCount: 1 });
    const outcome = await deliver(t, early);
    expect(outcome).toMatchObject({ outcome: 'applied', delta: { bytes: 0 }, pointWritten: false });
    expect(await totals()).toMatchObject({ sizeBytes: 99, objectCount: 1 });
    expect(await deliver(t, late)).toMatchObject({ outcome: 'duplicate' });
    expect(await totals()).toMatchObject({ sizeBytes: 99, objectCount: 1 });
  });

  it('a tracker whose clock is 120 s fast stamps points at S3 event times, not in the future', async () => {
    const fast = tracker(() => Date.now() + 120_000);
    const honest = tracker();
    for (let i = 0; i < 5; i++) await deliver(fast, record(`f${i}`, 'ObjectCreated:Put', { size: 1 }));
    for (let i = 0; i < 5; i++) await deliver(honest, record(`h${i}`, 'ObjectCreated:Put', { size: 1 }));
    const history = await points();
    expect(history).toHaveLength(10);
    const now = Date.now();
    for (const p of history) expect(p.timeMs).toBeLessThanOrEqual(now);
    // Non-decreasing: later points are never stamped before earlier ones.
    expect(history.map((p) => p.timeMs)).toEqual([...history.map((p) => p.timeMs)].sort((a, b) => a - b));
  });

  it("a reconciler whose clock is 120 s fast stamps its point with S3's clock, not its own", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'missed.txt', Body: 'm'.repeat(33) }));
    const report = await new Reconciler(s3, store, () => Date.now() + 120_000).reconcile(bucket);
    expect(report).toMatchObject({ correctedEntries: 1, after: { sizeBytes: 33, objectCount: 1 } });
    const history = await points();
    expect(history.at(-1)).toMatchObject({ cause: 'Reconciliation', sizeBytes: 33 });
    for (const p of history) expect(p.timeMs).toBeLessThanOrEqual(Date.now());
    // A later event point is not pushed to the reconciler's clock either.
    await deliver(tracker(), record('later.txt', 'ObjectCreated:Put', { size: 1, sequencer: '01' }));
    expect((await points()).at(-1)?.timeMs).toBeLessThanOrEqual(Date.now());
  });

  it('reconciliation lists with EncodingType=url: the key " \\n " is not read as "" (no phantom, no false delete)', async () => {
    const t = tracker();
    const hostile = ' \n ';
    await deliver(t, await put(hostile, 'h'.repeat(12), { sequencer: '01' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'untracked \n key', Body: 'u'.repeat(5) }));
    const report = await new Reconciler(s3, store).reconcile(bucket);
    expect(report).toMatchObject({ correctedEntries: 1, after: { sizeBytes: 17, objectCount: 2 } });
    const entries = [];
    for await (const entry of store.entries(bucket)) entries.push(entry.key);
    expect(entries.sort()).toEqual([hostile, 'untracked \n key'].sort());
    expect(await new Reconciler(s3, store).reconcile(bucket)).toMatchObject({ correctedEntries: 0 });
  });

  it('a literal key "sha256:<hex>" cannot take the entry of the long key hashed to <hex>', async () => {
    const longKey = `long/${'k'.repeat(1100)}`;
    const forged = `sha256:${createHash('sha256').update(longKey).digest('hex')}`;
    expect(entryId(longKey)).not.toBe(entryId(forged));
    expect(entryId(longKey).startsWith(LEDGER.objectPrefix)).toBe(false);
    const t = tracker();
    await deliver(t, record(longKey, 'ObjectCreated:Put', { size: 7, sequencer: '01' }));
    await deliver(t, record(forged, 'ObjectCreated:Put', { size: 5, sequencer: '01' }));
    expect(await totals()).toMatchObject({ sizeBytes: 12, objectCount: 2 });
    const snapshot = await store.readConsistent(bucket, [longKey, forged], Date.now());
    expect(snapshot.entries.get(longKey)?.versions[0]?.sizeBytes).toBe(7);
    expect(snapshot.entries.get(forged)?.versions[0]?.sizeBytes).toBe(5);
  });
});

describe('asking S3 about one key', () => {
  it('keeps exact-key matches only, and says absent for an absent key', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b c', Body: 'xyz' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b c/d', Body: 'longer' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b cd', Body: 'longest' }));
    const read = s3KeyVersions(s3);
    expect(await read(bucket, 'a/b c')).toMatchObject([{ versionId: 'null', marker: false, sizeBytes: 3 }]);
    expect(await read(bucket, 'a/b')).toEqual([]);
  });
});
