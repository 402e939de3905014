import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckpointStore, fileCheckpoints } from '../../../emulator/dynamodb/streams/checkpoints.ts';
import type { LambdaStreamRecord } from '../../../emulator/dynamodb/streams/lambda-records.ts';
import { parseStreamMapping } from '../../../emulator/dynamodb/streams/mapping.ts';
import { StreamPoller } from '../../../emulator/dynamodb/streams/poller.ts';
import { credentials, dynamodbEndpoint, region } from '../../support/aws.ts';

// The poller against the real DynamoDB Local streams (the run's shared instance).
let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;

beforeAll(() => {
  dynamodb = new DynamoDBClient({ endpoint: dynamodbEndpoint(), region, credentials });
  streams = new DynamoDBStreamsClient({ endpoint: dynamodbEndpoint(), region, credentials });
});
afterAll(() => {
  dynamodb.destroy();
  streams.destroy();
});

async function streamTable(): Promise<string> {
  const name = `stream-${randomUUID().slice(0, 8)}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  return name;
}

const put = (table: string, id: string, n: number) =>
  dynamodb.send(new PutItemCommand({ TableName: table, Item: { id: { S: id }, n: { N: String(n) } } }));

function poller(
  table: string,
  props: Record<string, unknown>,
  handle: (records: LambdaStreamRecord[]) => unknown,
  log: string[] = [],
  checkpoints?: CheckpointStore,
) {
  const spec = parseStreamMapping(
    {
      EventSourceArn: `arn:aws:dynamodb:${region}:000000000000:table/${table}/stream/x`,
      FunctionName: 'fn',
      StartingPosition: 'TRIM_HORIZON',
      ...props,
    },
    { stack: 'Test', logicalId: 'Mapping', id: table },
  );
  if (!spec) throw new Error('not a stream mapping');
  const p = new StreamPoller({
    spec,
    streams,
    dynamodb,
    region,
    pollIntervalMs: 50,
    retryBaseMs: 10,
    log: (line) => log.push(line),
    ...(checkpoints ? { checkpoints } : {}),
    invoke: async (event) => {
      try {
        return { ok: true, payload: await handle(event.Records) };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    },
  });
  p.start();
  return p;
}

async function until(check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('DynamoDB stream poller (DynamoDB Local)', () => {
  it('delivers every record once, in order, in batches of at most BatchSize', async () => {
    const table = await streamTable();
    for (let i = 0; i < 7; i++) await put(table, `k${i % 3}`, i); // inserts and modifies
    const batches: LambdaStreamRecord[][] = [];
    const p = poller(table, { BatchSize: 3 }, (records) => {
      batches.push(records);
      return null;
    });
    await until(() => batches.flat().length >= 7);
    await put(table, 'late', 7); // arrives while polling
    await until(() => batches.flat().length >= 8);
    await p.stop();
    const all = batches.flat();
    expect(all.map((r) => Number((r.dynamodb.NewImage as { n: { N: string } }).n.N))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7,
    ]);
    expect(all.map((r) => r.eventName)).toEqual([
      'INSERT',
      'INSERT',
      'INSERT',
      'MODIFY',
      'MODIFY',
      'MODIFY',
      'MODIFY',
      'INSERT',
    ]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(3);
    expect(all[3]?.dynamodb.OldImage).toEqual({ id: { S: 'k0' }, n: { N: '0' } });
    expect(all[0]).toMatchObject({ eventSource: 'aws:dynamodb', awsRegion: region, eventVersion: '1.1' });
    const sequence = all.map((r) => BigInt(r.dynamodb.SequenceNumber));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
  });

  it('retries a failing batch, bisects it to the bad record, discards it and goes on in order', async () => {
    const table = await streamTable();
    for (let i = 0; i < 6; i++) await put(table, `k${i}`, i);
    const seen: number[][] = [];
    const delivered: number[] = [];
    const log: string[] = [];
    const p = poller(
      table,
      { BatchSize: 6, MaximumRetryAttempts: 1, BisectBatchOnFunctionError: true },
      (records) => {
        const ns = records.map((r) => Number((r.dynamodb.NewImage as { n: { N: string } }).n.N));
        seen.push(ns);
        if (ns.includes(4)) throw new Error('record 4 is poison');
        delivered.push(...ns);
        return null;
      },
      log,
    );
    await until(() => delivered.length >= 5);
    await put(table, 'after', 6);
    await until(() => delivered.includes(6));
    await p.stop();
    expect(seen.slice(0, 7)).toEqual([[0, 1, 2, 3, 4, 5], [0, 1, 2], [3, 4, 5], [3, 4], [3], [4], [4]]);
    expect(delivered).toEqual([0, 1, 2, 3, 5, 6]);
    expect(p.stats().discardedRecords).toBe(1);
    expect(log.join('\n')).toMatch(/1 record\(s\) from \d+ discarded after 1 retries \(record 4 is poison\)/);
  });

  it('starts at LATEST when asked and stops cleanly while waiting', async () => {
    const table = await streamTable();
    await put(table, 'old', 0);
    const seen: number[] = [];
    const p = poller(table, { StartingPosition: 'LATEST' }, (records) => {
      seen.push(...records.map((r) => Number((r.dynamodb.NewImage as { n: { N: string } }).n.N)));
      return null;
    });
    await p.whenQuiet();
    await put(table, 'new', 1);
    await until(() => seen.length > 0);
    const started = Date.now();
    await p.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(seen).toEqual([1]);
  });

  it('resumes after a restart where it stopped when it keeps checkpoints, and says when they are for another stream', async () => {
    const table = await streamTable();
    const dir = mkdtempSync(join(tmpdir(), 'stream-checkpoints-'));
    const file = join(dir, 'Test.Mapping.json');
    const ids = (records: LambdaStreamRecord[]) =>
      records.map((r) => (r.dynamodb.Keys as { id: { S: string } }).id.S);
    try {
      const seen: string[] = [];
      const log: string[] = [];
      const collect = (records: LambdaStreamRecord[]) => {
        seen.push(...ids(records));
        return null;
      };
      const first = poller(
        table,
        {},
        collect,
        log,
        fileCheckpoints(file, (line) => log.push(line)),
      );
      for (let i = 0; i < 3; i++) await put(table, `a${i}`, i);
      await until(() => seen.length >= 3);
      await first.stop();
      const saved = JSON.parse(readFileSync(file, 'utf8'));
      expect(Object.values(saved.shards)).toEqual([
        expect.objectContaining({ startAt: 'TRIM_HORIZON', done: false, lastSequence: expect.any(String) }),
      ]);

      // the same mapping again (a restarted cloud): TRIM_HORIZON does not deliver a0..a2 a second time
      const second = poller(
        table,
        {},
        collect,
        log,
        fileCheckpoints(file, (line) => log.push(line)),
      );
      await put(table, 'b0', 9);
      await until(() => seen.length >= 4);
      await second.whenQuiet();
      await second.stop();
      expect(seen).toEqual(['a0', 'a1', 'a2', 'b0']);

      // positions saved for another stream (the table was created again) are not used
      writeFileSync(
        file,
        JSON.stringify({ ...saved, streamArn: 'arn:aws:dynamodb:us-east-1:0:table/x/stream/y' }),
      );
      const replayed: string[] = [];
      const third = poller(
        table,
        {},
        (records) => {
          replayed.push(...ids(records));
          return null;
        },
        log,
        fileCheckpoints(file, (line) => log.push(line)),
      );
      await until(() => replayed.length >= 4);
      await third.stop();
      expect(replayed).toEqual(['a0', 'a1', 'a2', 'b0']);
      expect(log.join('\n')).toContain('its checkpoint is for arn:aws:dynamodb:us-east-1:0:table/x/stream/y');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
