import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedS3, startS3Server } from '../../emulator/s3/server.ts';
import { headObjectContentType } from '../../handlers/tracking/content-type.ts';
import { LedgerStore } from '../../handlers/tracking/ledger-store.ts';
import { Reconciler } from '../../handlers/tracking/reconcile.ts';
import { parseRecord } from '../../handlers/tracking/s3-event.ts';
import { s3KeyVersions } from '../../handlers/tracking/s3-versions.ts';
import { SizeTracker } from '../../handlers/tracking/tracker.ts';
import { checkRollups, historyPoints } from '../../integration/support/exactness.ts';
import { createBucket, createTables, documentClient, s3Client, type TestTables } from '../support/aws.ts';
import { readHistory } from '../support/history.ts';
import { s3Record } from '../support/s3-events.ts';

let s3Server: EmbeddedS3;
let s3: S3Client;
let db: DynamoDBDocumentClient;
let tables: TestTables;
let store: LedgerStore;
let tracker: SizeTracker;
let bucket: string;

beforeAll(async () => {
  s3Server = await startS3Server();
  s3 = s3Client(s3Server.endpoint);
  db = documentClient();
  tables = await createTables();
  store = new LedgerStore(db, tables);
  tracker = new SizeTracker(
    store,
    headObjectContentType(s3, (err) => {
      throw err;
    }),
    { keyVersions: s3KeyVersions(s3) },
  );
});

afterAll(async () => {
  await s3Server?.stop();
});

beforeEach(async () => {
  bucket = await createBucket(s3);
});

async function apply(key: string, eventName: string, options: { size?: number; sequencer?: string } = {}) {
  // A redelivery carries the same eTag: derive it from what the event says.
  const eTag = `etag-${key}-${options.size ?? 0}-${options.sequencer ?? ''}`;
  const parsed = parseRecord(s3Record(bucket, key, eventName, { eTag, ...options }));
  if (!parsed.ok) throw new Error(parsed.reason);
  return tracker.apply(parsed.change);
}

async function totals() {
  return (await store.readConsistent(bucket, [], Date.now())).totals;
}

describe('size tracker on DynamoDB Local', () => {
  it('records the seed scenario as 18, 27, 0, 2 bytes with one point per change', async () => {
    await apply('assignment1.txt', 'ObjectCreated:Put', { size: 18, sequencer: '01' });
    await apply('assignment1.txt', 'ObjectCreated:Put', { size: 27, sequencer: '02' });
    await apply('assignment1.txt', 'ObjectRemoved:Delete', { sequencer: '03' });
    await apply('assignment2.txt', 'ObjectCreated:Put', { size: 2, sequencer: '01' });
    const history = await readHistory(db, tables.history, bucket);
    expect(history.map((p) => p.sizeBytes)).toEqual([18, 27, 0, 2]);
    expect(history.map((p) => p.objectCount)).toEqual([1, 1, 0, 1]);
    expect(history.map((p) => p.revision)).toEqual([1, 2, 3, 4]);
  });

  it('ignores duplicate deliveries: no double count, no duplicate point', async () => {
    await apply('a.txt', 'ObjectCreated:Put', { size: 10, sequencer: '0A' });
    const again = await apply('a.txt', 'ObjectCreated:Put', { size: 10, sequencer: '0A' });
    expect(again.outcome).toBe('duplicate');
    expect(await totals()).toMatchObject({ sizeBytes: 10, objectCount: 1 });
    expect(await readHistory(db, tables.history, bucket)).toHaveLength(1);
  });

  it('does not let a late older event undo a newer one, nor resurrect a deleted key', async () => {
    await apply('b.txt', 'ObjectCreated:Put', { size: 50, sequencer: '20' });
    expect((await apply('b.txt', 'ObjectCreated:Put', { size: 5, sequencer: '10' })).outcome).toBe('stale');
    expect(await totals()).toMatchObject({ sizeBytes: 50, objectCount: 1 });
    await apply('b.txt', 'ObjectRemoved:Delete', { sequencer: '30' });
    expect((await apply('b.txt', 'ObjectCreated:Put', { size: 7, sequencer: '25' })).outcome).toBe('stale');
    expect(await totals()).toMatchObject({ sizeBytes: 0, objectCount: 0 });
  });

  it('handles a delete that arrives before its create', async () => {
    await apply('c.txt', 'ObjectRemoved:Delete', { sequencer: '02' });
    expect((await apply('c.txt', 'ObjectCreated:Put', { size: 9, sequencer: '01' })).outcome).toBe('stale');
    expect(await totals()).toBeUndefined();
    expect(await readHistory(db, tables.history, bucket)).toHaveLength(0);
  });

  it('treats a delete of a never-seen key as no change', async () => {
    await apply('d.txt', 'ObjectCreated:Put', { size: 4, sequencer: '01' });
    const outcome = await apply('never-seen.txt', 'ObjectRemoved:Delete', { sequencer: '01' });
    expect(outcome).toMatchObject({
      outcome: 'applied',
      delta: { bytes: 0, objects: 0 },
      pointWritten: false,
    });
    expect(await totals()).toMatchObject({ sizeBytes: 4, objectCount: 1 });
    expect(await readHistory(db, tables.history, bucket)).toHaveLength(1);
  });

  it('applies an overwrite with a smaller object as a decrease', async () => {
    await apply('e.bin', 'ObjectCreated:Put', { size: 1000, sequencer: '01' });
    await apply('e.bin', 'ObjectCreated:CompleteMultipartUpload', { size: 300, sequencer: '02' });
    expect(await totals()).toMatchObject({ sizeBytes: 300, objectCount: 1 });
  });

  it('keeps exact totals under concurrent invocations on the same bucket', async () => {
    const keys = Array.from({ length: 24 }, (_, i) => `concurrent/${i}.dat`);
    await Promise.all(
      keys.map((key, i) => apply(key, 'ObjectCreated:Put', { size: i + 1, sequencer: '01' })),
    );
    // Two concurrent deliveries of the same events too.
    await Promise.all(
      keys
        .slice(0, 8)
        .flatMap((key, i) => [
          apply(key, 'ObjectCreated:Put', { size: i + 1, sequencer: '01' }),
          apply(key, 'ObjectCreated:Put', { size: i + 1, sequencer: '01' }),
        ]),
    );
    const expectedBytes = (24 * 25) / 2;
    expect(await totals()).toMatchObject({ sizeBytes: expectedBytes, objectCount: 24 });
    const history = await readHistory(db, tables.history, bucket);
    expect(history).toHaveLength(24);
    expect(new Set(history.map((p) => p.ts)).size).toBe(24);
    expect(history.at(-1)).toMatchObject({ sizeBytes: expectedBytes, objectCount: 24, revision: 24 });
    // Sorted by time, the revisions are in commit order: the chart never shows an impossible step.
    expect(history.map((p) => p.revision)).toEqual([...history.map((p) => p.revision)].sort((a, b) => a - b));
  });

  it('keeps two changes in the same millisecond as two points', async () => {
    const frozen = new SizeTracker(store, async () => null, { now: () => 1_800_000_000_000 });
    for (const [key, size] of [
      ['m1', 1],
      ['m2', 2],
    ] as const) {
      const record = s3Record(bucket, key, 'ObjectCreated:Put', { size, sequencer: '01' });
      // A point's time is the record's eventTime (S3's clock), not the tracker's.
      const parsed = parseRecord({ ...record, eventTime: new Date(1_800_000_000_000).toISOString() });
      if (parsed.ok) await frozen.apply(parsed.change);
    }
    const history = await readHistory(db, tables.history, bucket);
    expect(history.map((p) => [p.timeMs, p.sizeBytes])).toEqual([
      [1_800_000_000_000, 1],
      [1_800_000_000_000, 3],
    ]);
  });

  it('stores the object metadata of seed 002 in the ledger, content type from S3', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'docs/read me.md',
        Body: '# hi',
        ContentType: 'text/markdown',
      }),
    );
    const head = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'docs/read me.md',
        Body: '# hello',
        ContentType: 'text/markdown',
      }),
    );
    const parsed = parseRecord({
      ...s3Record(bucket, 'docs/read me.md', 'ObjectCreated:Put', { size: 7, sequencer: '05' }),
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    await tracker.apply({ ...parsed.change, eTag: head.ETag?.replace(/"/g, '') ?? null });
    const entry = (await store.readConsistent(bucket, ['docs/read me.md'], Date.now())).entries.get(
      'docs/read me.md',
    );
    expect(entry).toMatchObject({
      versions: [{ versionId: 'null', marker: false, sizeBytes: 7, sequencer: '05' }],
      contentType: 'text/markdown',
      eventName: 'ObjectCreated:Put',
    });
    expect(entry?.versions[0]?.eTag).toBe(head.ETag?.replace(/"/g, ''));
    expect(entry?.eventTime).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('roll-ups', () => {
  it("keeps every level's roll-ups what its points give, one item per level and slot", async () => {
    for (const [i, size] of [12, 40, 7, 25].entries())
      await apply(`r${i}.txt`, 'ObjectCreated:Put', { size, sequencer: `0${i + 1}` });
    await apply('r1.txt', 'ObjectRemoved:Delete', { sequencer: '09' });
    const stores = { s3, documents: db, tables };
    const points = await historyPoints(stores, bucket);
    expect(points.map((p) => p.sizeBytes)).toEqual([12, 52, 59, 84, 44]);
    expect(await checkRollups(stores, bucket, points)).toEqual([]);
  });
});

describe('late events', () => {
  const lateTracker = () =>
    new SizeTracker(
      store,
      headObjectContentType(s3, (err) => {
        throw err;
      }),
    );
  const at = (timeMs: number) => ({ eventTime: new Date(timeMs).toISOString() });
  const created = (key: string, size: number, sequencer: string, timeMs: number) => {
    const parsed = parseRecord(
      s3Record(bucket, key, 'ObjectCreated:Put', { size, sequencer, ...at(timeMs) }),
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.change;
  };

  it("land at the newest point's time, read once when the roll-ups read still hold them", async () => {
    const newest = Math.floor(Date.now() / 1000) * 1000 - 60_000 + 700; // 700 ms into a second
    const stores = { s3, documents: db, tables };
    expect(await lateTracker().apply(created('n.txt', 10, '10', newest))).toMatchObject({ attempts: 1 });
    // 400 ms older, same second: the roll-ups read for its own time are those of the newest point
    expect(await lateTracker().apply(created('a.txt', 20, '11', newest - 400))).toMatchObject({
      outcome: 'applied',
      attempts: 1,
    });
    // 5 s older, another slot: a tracker that has not seen the bucket reads again at the newest time
    expect(await lateTracker().apply(created('b.txt', 30, '12', newest - 5_000))).toMatchObject({
      outcome: 'applied',
      attempts: 2,
    });
    // one that has seen the newest point reads at its time at once
    const warm = lateTracker();
    expect(await warm.apply(created('c.txt', 40, '13', newest))).toMatchObject({ attempts: 1 });
    expect(await warm.apply(created('d.txt', 50, '14', newest - 5_000))).toMatchObject({ attempts: 1 });

    const points = await historyPoints(stores, bucket);
    expect(points.map((p) => p.sizeBytes)).toEqual([10, 30, 60, 100, 150]);
    expect(points.map((p) => Number(p.item.time_ms))).toEqual([newest, newest, newest, newest, newest]);
    expect(await checkRollups(stores, bucket, points)).toEqual([]);
  });
});

describe('reconciliation', () => {
  it('recounts from a listing and corrects drift: missed objects, missed deletes, wrong sizes', async () => {
    const reconciler = new Reconciler(s3, store);
    // Objects that predate tracking, one tracked object whose delete event was lost, one size drift.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'old/1.txt', Body: 'x'.repeat(100) }));
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'old/2 with space.txt', Body: 'y'.repeat(50) }),
    );
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'tracked.txt', Body: 'z'.repeat(30) }));
    await apply('tracked.txt', 'ObjectCreated:Put', { size: 10, sequencer: '01' });
    await apply('gone.txt', 'ObjectCreated:Put', { size: 70, sequencer: '01' });
    expect(await totals()).toMatchObject({ sizeBytes: 80, objectCount: 2 });

    const report = await reconciler.reconcile(bucket);
    expect(report).toMatchObject({
      listedObjects: 3,
      listedBytes: 180,
      before: { sizeBytes: 80, objectCount: 2 },
      after: { sizeBytes: 180, objectCount: 3 },
      drift: { bytes: 100, objects: 1 },
      correctedEntries: 4,
    });
    expect(await totals()).toMatchObject({ sizeBytes: 180, objectCount: 3 });
    const history = await readHistory(db, tables.history, bucket);
    expect(history.at(-1)).toMatchObject({ sizeBytes: 180, objectCount: 3, cause: 'Reconciliation' });

    // A second run finds nothing to fix and adds no point.
    const again = await reconciler.reconcile(bucket);
    expect(again).toMatchObject({ correctedEntries: 0, drift: { bytes: 0, objects: 0 } });
    expect(await readHistory(db, tables.history, bucket)).toHaveLength(history.length);

    // Events keep working after reconciliation: a newer delete still applies.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'old/1.txt' }));
    await apply('old/1.txt', 'ObjectRemoved:Delete', { sequencer: '09' });
    expect(await totals()).toMatchObject({ sizeBytes: 80, objectCount: 2 });
  });

  it('starts tracking an empty bucket at zero so the plot API knows it', async () => {
    const report = await new Reconciler(s3, store).reconcile(bucket);
    expect(report).toMatchObject({ listedObjects: 0, after: { sizeBytes: 0, objectCount: 0 } });
    expect(await readHistory(db, tables.history, bucket)).toMatchObject([
      { sizeBytes: 0, objectCount: 0, cause: 'StartTracking' },
    ]);
  });
});
