import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { destinationsFrom, s3TestEvent } from '../../../emulator/s3/notifications.ts';
import { failedMessageIds, parseSqsMapping } from '../../../emulator/sqs/mapping.ts';
import { md5OfAttributes } from '../../../emulator/sqs/md5.ts';
import { eventSourceMapping } from '../../../emulator/sqs/resources.ts';
import { SqsService } from '../../../emulator/sqs/service.ts';

/** The embedded SQS's pure parts, and its journal read back after a torn write. */
describe('MD5 of message attributes', () => {
  it('matches the digest of an independent implementation (Python, struct-packed lengths)', () => {
    expect(
      md5OfAttributes({
        kind: { DataType: 'String', StringValue: 'résumé' },
        size: { DataType: 'Number', StringValue: '42' },
        blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 255]).toString('base64') },
      }),
    ).toBe('3da3e00126bf9198e5d75455c3ad56a9');
    expect(md5OfAttributes({})).toBeUndefined();
  });
});

describe('SQS event source mappings', () => {
  const where = { stack: 'S', logicalId: 'M', id: 'id' };
  const queue = 'arn:aws:sqs:us-east-1:000000000000:q';

  it("takes Lambda's defaults and refuses values out of its limits, naming the field", () => {
    expect(parseSqsMapping({ EventSourceArn: queue, FunctionName: 'f' }, where)).toMatchObject({
      batchSize: 10,
      maximumBatchingWindowMs: 0,
      reportBatchItemFailures: false,
      enabled: true,
    });
    expect(() => parseSqsMapping({ EventSourceArn: queue, FunctionName: 'f', BatchSize: 50 }, where)).toThrow(
      'stack S, resource M (AWS::Lambda::EventSourceMapping): Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    );
    expect(() =>
      parseSqsMapping({ EventSourceArn: `${queue}.fifo`, FunctionName: 'f', BatchSize: 11 }, where),
    ).toThrow('BatchSize must be an integer from 1 to 10, got 11');
    expect(() =>
      parseSqsMapping(
        { EventSourceArn: queue, FunctionName: 'f', ScalingConfig: { MaximumConcurrency: 1 } },
        where,
      ),
    ).toThrow('ScalingConfig.MaximumConcurrency must be an integer from 2 to 1000, got 1');
    expect(parseSqsMapping({ EventSourceArn: queue, FunctionName: 'f', Enabled: false }, where).enabled).toBe(
      false,
    );
  });

  it('reads batchItemFailures as Lambda does: unreadable answers fail the whole batch', () => {
    const ids = ['a', 'b', 'c'];
    expect([...failedMessageIds(ids, { batchItemFailures: [{ itemIdentifier: 'b' }] }).failed]).toEqual([
      'b',
    ]);
    expect(failedMessageIds(ids, { batchItemFailures: [] }).failed.size).toBe(0);
    expect(failedMessageIds(ids, null).failed.size).toBe(0);
    expect(failedMessageIds(ids, { batchItemFailures: [{ itemIdentifier: 'x' }] }).failed.size).toBe(3);
    expect(failedMessageIds(ids, { batchItemFailures: 'b' }).whole).toMatch(/not a list/);
  });

  it('names sources it cannot poll before anything starts', () => {
    expect(
      eventSourceMapping.unsupported?.(
        {
          EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
          FilterCriteria: { Filters: [] },
        },
        'AWS::Lambda::EventSourceMapping',
      ),
    ).toEqual([
      'event source arn:aws:kinesis:us-east-1:000000000000:stream/s is not supported (SQS queues and DynamoDB streams are)',
      'FilterCriteria (event filtering) is not supported by the embedded cloud',
    ]);
    expect(
      eventSourceMapping.unsupported?.({ EventSourceArn: queue }, 'AWS::Lambda::EventSourceMapping'),
    ).toEqual([]);
  });
});

describe('S3 queue and topic notifications', () => {
  it('reads both shapes (the template and the API, as CDK sends it) with their filters', () => {
    expect(
      destinationsFrom(
        {
          QueueConfigurations: [
            {
              Event: 's3:ObjectCreated:*',
              Queue: 'arn:q',
              Filter: { S3Key: { Rules: [{ Name: 'Prefix', Value: 'in/' }] } },
            },
          ],
        },
        'b',
        'template',
        'here',
      ),
    ).toEqual([{ bucket: 'b', event: 's3:ObjectCreated:*', kind: 'queue', arn: 'arn:q', prefix: 'in/' }]);
    expect(
      destinationsFrom(
        {
          TopicConfigurations: [
            {
              Id: 'n1',
              Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
              TopicArn: 'arn:t',
              Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.txt' }] } },
            },
          ],
        },
        'b',
        'api',
        'here',
      ).map((d) => [d.kind, d.event, d.id, d.suffix]),
    ).toEqual([
      ['topic', 's3:ObjectCreated:*', 'n1', '.txt'],
      ['topic', 's3:ObjectRemoved:*', 'n1', '.txt'],
    ]);
    expect(() => destinationsFrom({ QueueConfigurations: [{ Events: ['x'] }] }, 'b', 'api', 'here')).toThrow(
      'here: NotificationConfiguration.QueueConfigurations[0].QueueArn must be an ARN',
    );
    expect(JSON.parse(s3TestEvent('b', new Date(0), 'R'))).toMatchObject({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '1970-01-01T00:00:00.000Z',
      Bucket: 'b',
    });
  });
});

describe('the journal', () => {
  it('replays what was acknowledged and skips a torn last line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqs-journal-'));
    try {
      const service = new SqsService({ region: 'us-east-1', accountId: '000000000000', dataDir: dir });
      const url = service.createQueue('q');
      service.sendMessage(service.queueOfUrl(url), { body: 'kept' });
      service.stop();
      // a power cut mid-write leaves half a line
      appendFileSync(join(dir, 'journal.ndjson'), '{"t":"send","q":"q","m":{"id":"torn","bo');
      const reopened = new SqsService({ region: 'us-east-1', accountId: '000000000000', dataDir: dir });
      const queue = reopened.queueOfUrl(url);
      expect(reopened.receiveNow(queue, { maxNumberOfMessages: 10 }).map((m) => m.Body)).toEqual(['kept']);
      reopened.stop();
      // compacted at start: the torn line is gone, the state is whole
      expect(readFileSync(join(dir, 'journal.ndjson'), 'utf8')).not.toContain('torn');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
