import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { decideCrossings, type FiredState } from '../../handlers/alerts/crossing.ts';
import { configItem, configKey } from '../../handlers/alerts/items.ts';
import type { Thresholds } from '../../handlers/alerts/thresholds.ts';
import { LedgerStore } from '../../handlers/tracking/ledger-store.ts';
import { parseRecord } from '../../handlers/tracking/s3-event.ts';
import { SizeTracker } from '../../handlers/tracking/tracker.ts';
import { createAlertsTable, readOutbox } from '../support/alerts-table.ts';
import { createTables, documentClient } from '../support/aws.ts';
import { readHistory } from '../support/history.ts';
import { s3Record } from '../support/s3-events.ts';

// The tracker's transaction on the real DynamoDB Local: one outbox row per crossing, whatever is
// replayed, concurrent, or crashed after commit. Content types are not looked up (no S3 needed).
let db: DynamoDBDocumentClient;
let tables: { history: string; ledger: string; alerts: string };
let bucketCounter = 0;

beforeAll(async () => {
  db = documentClient();
  tables = { ...(await createTables()), alerts: await createAlertsTable() };
});

function trackerFor(options: { defaults?: Thresholds; client?: DynamoDBDocumentClient } = {}) {
  const store = new LedgerStore(options.client ?? db, tables, { alertDefaults: options.defaults ?? {} });
  return { store, tracker: new SizeTracker(store, async () => null) };
}

function change(bucket: string, key: string, eventName: string, size: number, sequencer: string) {
  const parsed = parseRecord(
    s3Record(bucket, key, eventName, { size, sequencer, eTag: `e-${key}-${sequencer}` }),
  );
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.change;
}

async function setThresholds(bucket: string, thresholds: Thresholds) {
  await db.send(
    new PutCommand({
      TableName: tables.alerts,
      Item: configItem(bucket, {
        thresholds,
        version: 1,
        updatedAt: new Date().toISOString(),
        source: 'api',
      }),
    }),
  );
}

/** The crossings the committed history implies (the reference the outbox must match). */
async function crossingsInHistory(bucket: string, thresholds: Thresholds) {
  let fired: FiredState = {};
  const revisions: number[] = [];
  for (const point of await readHistory(db, tables.history, bucket)) {
    const decision = decideCrossings(
      thresholds,
      fired,
      { currentBytes: point.sizeBytes, storedBytes: point.sizeBytes, objectCount: point.objectCount },
      point.revision,
    );
    fired = decision.fired;
    if (decision.crossings.length > 0) revisions.push(point.revision);
  }
  return revisions;
}

const newBucket = () => `alerting-${process.pid}-${++bucketCounter}`;

describe('alerts in the tracker transaction (DynamoDB Local)', () => {
  it('writes one outbox row at the crossing, none while above, another after re-arm', async () => {
    const bucket = newBucket();
    await setThresholds(bucket, { currentBytes: { threshold: 100, hysteresis: 20 } });
    const { tracker, store } = trackerFor();
    const sizes = [50, 100, 120, 85, 110, 79, 100];
    const outcomes = [];
    for (const [i, size] of sizes.entries())
      outcomes.push(await tracker.apply(change(bucket, 'k', 'ObjectCreated:Put', size, `0${i + 1}`)));
    expect(outcomes.map((o) => (o.outcome === 'applied' ? o.alerts.length : -1))).toEqual([
      0, 1, 0, 0, 0, 0, 1,
    ]);
    const outbox = await readOutbox(db, tables.alerts, bucket);
    expect(outbox.map((a) => [a.revision, a.value, a.state])).toEqual([
      [2, 100, 'pending'],
      [7, 100, 'pending'],
    ]);
    expect(outbox[0]?.alertId).toBe(`${bucket}/currentBytes/2`);
    // the fired state rides on the totals item
    expect((await store.readConsistent(bucket, [], Date.now())).totals?.alertsFired).toEqual({
      currentBytes: 7,
    });
  });

  it('seeds the default thresholds on first use and decides with them', async () => {
    const bucket = newBucket();
    const { tracker } = trackerFor({ defaults: { objectCount: { threshold: 2, hysteresis: 1 } } });
    await tracker.apply(change(bucket, 'a', 'ObjectCreated:Put', 1, '01'));
    const seeded = await db.send(new GetCommand({ TableName: tables.alerts, Key: configKey(bucket) }));
    expect(seeded.Item).toMatchObject({
      source: 'defaults',
      thresholds: { objectCount: { threshold: 2, hysteresis: 1 } },
    });
    await tracker.apply(change(bucket, 'b', 'ObjectCreated:Put', 1, '01'));
    expect((await readOutbox(db, tables.alerts, bucket)).map((a) => a.metric)).toEqual(['objectCount']);
  });

  it('gives exactly one row per crossing under duplicates, concurrency and crashes after commit', async () => {
    const bucket = newBucket();
    const thresholds: Thresholds = {
      currentBytes: { threshold: 80, hysteresis: 40 },
      objectCount: { threshold: 5, hysteresis: 2 },
    };
    await setThresholds(bucket, thresholds);
    // A client whose TransactWriteItems "crashes" after DynamoDB committed, one call in 3: the caller
    // never learns it committed, and the event is delivered again (as Lambda retries it).
    const crashing = documentClient();
    let calls = 0;
    crashing.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'TransactWriteItemsCommand' && ++calls % 3 === 0)
          throw new Error('crashed after commit');
        return out;
      },
      { step: 'initialize', name: 'crashAfterCommit' },
    );
    const writers = [trackerFor({ client: crashing }), trackerFor(), trackerFor({ client: crashing })];
    const deliver = async (event: ReturnType<typeof change>, n: number) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await (writers[(n + attempt) % writers.length] ?? writers[0])?.tracker.apply(event);
        } catch (err) {
          if (attempt >= 5) throw err; // the async retries Lambda would make
        }
      }
    };
    /** Every event twice, all at once, from the three writers. */
    const phase = (events: ReturnType<typeof change>[]) =>
      Promise.all(events.flatMap((event, i) => [deliver(event, i), deliver(event, i + 1)]));
    const keys = Array.from({ length: 6 }, (_, i) => i);
    // up to 90 B / 6 objects (crossing both), down to 38 B / 2 (re-arming both), up again (crossing both)
    await phase(keys.map((i) => change(bucket, `key-${i}`, 'ObjectCreated:Put', 10 + 2 * i, '10')));
    await phase(keys.slice(0, 4).map((i) => change(bucket, `key-${i}`, 'ObjectRemoved:Delete', 0, '20')));
    await phase(
      keys.slice(0, 4).map((i) => change(bucket, `key-${i}`, 'ObjectCreated:Put', 10 + 2 * i, '30')),
    );
    expect(calls).toBeGreaterThan(3); // crashes did happen
    const expected = await crossingsInHistory(bucket, thresholds);
    const outbox = await readOutbox(db, tables.alerts, bucket);
    expect(outbox.map((a) => a.metric).sort()).toEqual([
      'currentBytes',
      'currentBytes',
      'objectCount',
      'objectCount',
    ]);
    expect([...new Set(outbox.map((a) => a.revision))].sort((a, b) => a - b)).toEqual(expected);
    expect(new Set(outbox.map((a) => a.alertId)).size).toBe(outbox.length);
    // every history point exists once: the totals moved once per real change
    const history = await readHistory(db, tables.history, bucket);
    expect(history.map((p) => p.revision)).toEqual(history.map((_, i) => i + 1));
  });
});
