import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStreamMapping } from '../../emulator/dynamodb/streams/mapping.ts';
import { StreamPoller } from '../../emulator/dynamodb/streams/poller.ts';
import { type OutboxAlert, outboxSortKey, toOutboxAlert } from '../../handlers/alerts/items.ts';
import type { AlertMessage } from '../../handlers/alerts/message.ts';
import { type PublisherPorts, publishOutboxRecords } from '../../handlers/alerts/publisher.ts';
import { ALERTS } from '../../handlers/alerts/schema.ts';
import { LedgerStore } from '../../handlers/tracking/ledger-store.ts';
import { parseRecord } from '../../handlers/tracking/s3-event.ts';
import { SizeTracker } from '../../handlers/tracking/tracker.ts';
import { createAlertsTable, readOutbox } from '../support/alerts-table.ts';
import { createTables, credentials, documentClient, dynamodbEndpoint, region } from '../support/aws.ts';
import { s3Record } from '../support/s3-events.ts';

// The publisher's core on real outbox rows: written by the tracker's transaction, read back from the
// alerts table's stream on DynamoDB Local, marked with the same conditional update the function uses.
let db: DynamoDBDocumentClient;
let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let alertsTable: string;
let tracker: SizeTracker;
const bucket = `publisher-${process.pid}`;

beforeAll(async () => {
  db = documentClient();
  dynamodb = new DynamoDBClient({ endpoint: dynamodbEndpoint(), region, credentials });
  streams = new DynamoDBStreamsClient({ endpoint: dynamodbEndpoint(), region, credentials });
  alertsTable = await createAlertsTable();
  const store = new LedgerStore(
    db,
    { ...(await createTables()), alerts: alertsTable },
    {
      alertDefaults: {
        objectCount: { threshold: 1, hysteresis: 0 },
        currentBytes: { threshold: 10, hysteresis: 0 },
      },
    },
  );
  tracker = new SizeTracker(store, async () => null);
});
afterAll(() => {
  dynamodb.destroy();
  streams.destroy();
});

const key = (alert: OutboxAlert) => ({
  [ALERTS.partitionKey]: alert.bucket,
  [ALERTS.sortKey]: outboxSortKey(alert.revision, alert.metric),
});

function ports(published: AlertMessage[], failFor?: string): PublisherPorts {
  return {
    async current(alert) {
      const out = await db.send(
        new GetCommand({ TableName: alertsTable, Key: key(alert), ConsistentRead: true }),
      );
      return out.Item ? toOutboxAlert(out.Item) : undefined;
    },
    async publish(message) {
      if (failFor && message.attributes.metric === failFor) throw new Error('SNS is down for this one');
      published.push(message);
      return `m-${published.length}`;
    },
    async markPublished(alert, messageId) {
      await db.send(
        new UpdateCommand({
          TableName: alertsTable,
          Key: key(alert),
          UpdateExpression: 'SET #s = :p, message_id = :m',
          ConditionExpression: '#s = :pending',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':p': 'published', ':m': messageId, ':pending': 'pending' },
        }),
      );
      return true;
    },
    now: Date.now,
  };
}

/** Every record of the alerts table's stream so far, as Lambda would deliver them. */
async function streamRecords(): Promise<DynamoDBRecord[]> {
  const spec = parseStreamMapping(
    {
      EventSourceArn: `arn:aws:dynamodb:${region}:000000000000:table/${alertsTable}/stream/x`,
      FunctionName: 'publisher',
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 1000,
    },
    { stack: 'Test', logicalId: 'Publisher', id: 'p' },
  );
  if (!spec) throw new Error('no mapping');
  const records: DynamoDBRecord[] = [];
  const poller = new StreamPoller({
    spec,
    streams,
    dynamodb,
    region,
    pollIntervalMs: 50,
    log: () => {},
    invoke: async (event) => {
      records.push(...(event.Records as unknown as DynamoDBRecord[]));
      return { ok: true, payload: null };
    },
  });
  poller.start();
  await poller.whenQuiet();
  await poller.whenQuiet();
  await poller.stop();
  return records;
}

describe('alerts publisher core (DynamoDB Local)', () => {
  it('publishes each new outbox row once, reports only the failing record, and skips replays', async () => {
    const parsed = parseRecord(
      s3Record(bucket, 'big.bin', 'ObjectCreated:Put', { size: 50, sequencer: '01' }),
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    const applied = await tracker.apply(parsed.change); // crosses both lines at once: two rows
    expect(applied.outcome === 'applied' && applied.alerts.map((a) => a.metric)).toEqual([
      'currentBytes',
      'objectCount',
    ]);
    const records = await streamRecords();
    // the config seed and the two outbox rows; only the outbox rows are alerts
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'INSERT', 'INSERT']);

    const sent: AlertMessage[] = [];
    const first = await publishOutboxRecords(records, ports(sent, 'objectCount'), 'http://127.0.0.1:9/plot');
    expect(sent.map((m) => m.attributes.metric)).toEqual(['currentBytes']);
    const failing = records.find((r) => r.dynamodb?.NewImage?.metric?.S === 'objectCount');
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: failing?.dynamodb?.SequenceNumber }]);

    // Lambda retries from the failed record; a full replay (TRIM_HORIZON after a restart) is harmless too
    const second = await publishOutboxRecords(records, ports(sent), 'http://127.0.0.1:9/plot');
    expect(second).toMatchObject({
      published: [`${bucket}/objectCount/1`],
      skipped: [`${bucket}/currentBytes/1`],
    });
    expect(second.batchItemFailures).toEqual([]);
    expect((await readOutbox(db, alertsTable, bucket)).map((a) => a.state)).toEqual([
      'published',
      'published',
    ]);
    const third = await publishOutboxRecords(await streamRecords(), ports(sent), undefined);
    expect(third.published).toEqual([]);
    expect(sent).toHaveLength(2);
    expect(sent[0]?.body).toContain('Chart:    http://127.0.0.1:9/plot?bucket=');
  });
});
