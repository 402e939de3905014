import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../emulator/local-cloud.ts';
import { FIXTURE_ASSEMBLY } from './fixture-app.ts';

/**
 * The embedded SQS in a deployed CDK app (fixture-app.ts, its assembly committed): queues from the
 * template, event source mappings, S3 -> SNS -> SQS -> Lambda. One cloud for the whole file.
 */
const workDir = mkdtempSync(join(tmpdir(), 'sqs-cloud-'));
const stateDir = join(workDir, 'state');
const assemblyDir = join(workDir, 'cdk.out');
const lines: string[] = [];
let cloud: LocalCloud;
let sqs: SQSClient;
let out: Record<string, string>;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const start = () =>
  startLocalCloud({
    assemblyDir,
    stateDir,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    log: (line) => lines.push(line),
  });

beforeAll(async () => {
  cpSync(FIXTURE_ASSEMBLY, assemblyDir, { recursive: true });
  cloud = await start();
  sqs = new SQSClient({ endpoint: cloud.endpoints.sqs, region: 'us-east-1', credentials });
  out = cloud.outputs.SqsFixture as Record<string, string>;
});

afterAll(async () => {
  sqs?.destroy();
  await cloud?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

/** The JSON lines a fixture function logged (`{"fixture": ...}`), oldest first. */
function logged(fn: string): Record<string, unknown>[] {
  return cloud
    .logs(fn)
    .map((line) => /\{"fixture":.*\}/.exec(line)?.[0])
    .filter((json): json is string => json !== undefined)
    .map((json) => (JSON.parse(json) as { fixture: Record<string, unknown> }).fixture);
}

async function drain(queueUrl: string, count: number, waitSeconds = 10): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + waitSeconds * 1000;
  while (messages.length < count && Date.now() < deadline) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    messages.push(...(Messages ?? []));
  }
  return messages;
}

const attribute = async (queueUrl: string, name: string) =>
  (
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [name as 'All'] })))
      .Attributes as Record<string, string> | undefined
  )?.[name];

describe('queues from the template', () => {
  it('makes the queues with their names, attributes, Ref (URL) and GetAtt', async () => {
    expect(out.NamedUrl).toBe(`${cloud.endpoints.sqs}/000000000000/sqs-fixture-named`);
    expect(out.NamedArn).toBe('arn:aws:sqs:us-east-1:000000000000:sqs-fixture-named');
    expect(out.NamedName).toBe('sqs-fixture-named');
    expect(await attribute(out.NamedUrl as string, 'MessageRetentionPeriod')).toBe('300');
    expect(await attribute(out.NamedUrl as string, 'ReceiveMessageWaitTimeSeconds')).toBe('1');
    expect(out.OrderedUrl).toMatch(/\/000000000000\/SqsFixture-Ordered[A-Za-z0-9-]+\.fifo$/);
    const redrive = JSON.parse((await attribute(out.FlakyUrl as string, 'RedrivePolicy')) as string);
    expect(redrive).toEqual({
      deadLetterTargetArn: expect.stringMatching(
        /^arn:aws:sqs:us-east-1:000000000000:SqsFixture-DeadLetters/,
      ),
      maxReceiveCount: 2,
    });
    expect(lines.some((line) => line.includes('AWS::SQS::QueuePolicy'))).toBe(true);
  });
});

describe('event source mappings', () => {
  it('delivers batches of at most BatchSize to at most MaximumConcurrency invocations; whenIdle waits for them', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `m${i}`);
    for (let i = 0; i < ids.length; i += 4)
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: out.WorkUrl,
          Entries: ids
            .slice(i, i + 4)
            .map((id) => ({ Id: id, MessageBody: JSON.stringify({ id, sleepMs: 50 }) })),
        }),
      );
    await cloud.whenIdle();
    const batches = logged('Worker') as {
      ids: string[];
      started: number;
      ended: number;
      sources: string[];
    }[];
    expect(batches.flatMap((b) => b.ids).sort()).toEqual([...ids].sort());
    expect(Math.max(...batches.map((b) => b.ids.length))).toBeLessThanOrEqual(5);
    // MaximumConcurrency 2: never three invocations at once
    for (const batch of batches) {
      const overlapping = batches.filter(
        (other) => other.started < batch.ended && other.ended > batch.started,
      );
      expect(overlapping.length).toBeLessThanOrEqual(2);
    }
    expect(batches[0]?.sources).toEqual([expect.stringMatching(/:SqsFixture-Work/)]);
    expect(await attribute(out.WorkUrl as string, 'ApproximateNumberOfMessages')).toBe('0');
    expect(await attribute(out.WorkUrl as string, 'ApproximateNumberOfMessagesNotVisible')).toBe('0');
  });

  it('keeps reported failures and failed invocations, which the redrive policy moves to the DLQ', async () => {
    const before = logged('FlakyWorker').length;
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: out.FlakyUrl,
        Entries: [
          { Id: 'good', MessageBody: JSON.stringify({ id: 'good' }) },
          { Id: 'bad', MessageBody: JSON.stringify({ id: 'bad', fail: true }) },
        ],
      }),
    );
    await cloud.whenIdle();
    expect(
      logged('FlakyWorker')
        .slice(before)
        .flatMap((b) => b.ids as string[]),
    ).toContain('good');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: out.FlakyUrl,
        MessageBody: JSON.stringify({ id: 'boom', throw: true }),
      }),
    );
    // each comes back after the 1 s visibility timeout, fails again, then goes to the DLQ (maxReceiveCount 2)
    const dead = await drain(out.DeadLettersUrl as string, 2, 12);
    expect(dead.map((m) => JSON.parse(m.Body as string).id).sort()).toEqual(['bad', 'boom']);
    expect(dead.every((m) => m.Attributes?.DeadLetterQueueSourceArn?.includes(':SqsFixture-Flaky'))).toBe(
      true,
    );
    // the first attempt reported 'bad' failed (the second may have shared a batch with 'boom', which logs nothing)
    const first = logged('FlakyWorker')
      .slice(before)
      .find((b) => (b.ids as string[]).includes('bad')) as { ids: string[]; receiveCounts: string[] };
    expect(first.receiveCounts[first.ids.indexOf('bad')]).toBe('1');
    expect(dead.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['1', '1']);
    expect(lines.some((line) => line.includes('the function failed (Error: asked to fail on boom)'))).toBe(
      true,
    );
  }, 20_000);

  it('keeps each FIFO group in order', async () => {
    const bodies = ['a1', 'b1', 'a2', 'a3', 'b2', 'a4'];
    for (const body of bodies)
      await sqs.send(
        new SendMessageCommand({ QueueUrl: out.OrderedUrl, MessageBody: body, MessageGroupId: body[0] }),
      );
    await cloud.whenIdle();
    const seen = logged('OrderedWorker').flatMap((b) => b.bodies as string[]);
    expect(seen.filter((b) => b.startsWith('a'))).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(seen.filter((b) => b.startsWith('b'))).toEqual(['b1', 'b2']);
  });

  it('does not poll a disabled mapping', async () => {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: out.PausedUrl, MessageBody: JSON.stringify({ id: 'paused' }) }),
    );
    await cloud.whenIdle();
    expect(await attribute(out.PausedUrl as string, 'ApproximateNumberOfMessages')).toBe('1');
    expect(lines.some((line) => /SQS mapping WorkerSqsEventSource\w*Paused\w* is disabled/.test(line))).toBe(
      true,
    );
  });
});

describe('S3 and SNS to SQS', () => {
  it('runs S3 -> SNS -> SQS -> Lambda, raw and enveloped, and S3 -> SQS with its s3:TestEvent', async () => {
    const s3 = new S3Client({
      endpoint: cloud.endpoints.s3,
      region: 'us-east-1',
      credentials,
      forcePathStyle: true,
    });
    try {
      await s3.send(new PutObjectCommand({ Bucket: out.UploadsBucket, Key: 'in/a b.txt', Body: 'hello' }));
      await s3.send(
        new PutObjectCommand({ Bucket: out.UploadsBucket, Key: 'elsewhere.txt', Body: 'filtered out' }),
      );
      await s3.send(new DeleteObjectCommand({ Bucket: out.UploadsBucket, Key: 'in/a b.txt' }));
      await s3.send(new PutObjectCommand({ Bucket: out.NativeBucketName, Key: 'note.txt', Body: 'x' }));
      await s3.send(new PutObjectCommand({ Bucket: out.NativeBucketName, Key: 'note.bin', Body: 'x' }));
    } finally {
      s3.destroy();
    }
    await cloud.whenIdle();
    // enveloped: the chain function got SNS's JSON document, and reported it through AWS_ENDPOINT_URL_SQS
    const results = (await drain(out.ResultsUrl as string, 2)).map((m) => JSON.parse(m.Body as string));
    const notifications = results.map((r) => JSON.parse(r.body));
    expect(
      notifications.every((n) => n.Type === 'Notification' && n.Subject === 'Amazon S3 Notification'),
    ).toBe(true);
    const messages = notifications.map((n) => JSON.parse(n.Message));
    expect(messages.map((m) => m.Event ?? m.Records[0].eventName).sort()).toEqual([
      'ObjectCreated:Put',
      's3:TestEvent',
    ]);
    expect(messages.find((m) => m.Records)?.Records[0].s3.object.key).toBe('in/a+b.txt');
    // raw: the bare S3 message
    const raw = (await drain(out.RawQueueUrl as string, 2)).map((m) => JSON.parse(m.Body as string));
    expect(raw.map((m) => m.Event ?? m.Records[0].eventName).sort()).toEqual([
      'ObjectCreated:Put',
      's3:TestEvent',
    ]);
    // S3 -> SQS directly (CDK's custom resource, and a bucket's own NotificationConfiguration)
    const direct = (await drain(out.DirectUrl as string, 2)).map((m) => JSON.parse(m.Body as string));
    expect(direct[0]).toMatchObject({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Bucket: out.UploadsBucket,
    });
    expect(direct[1]?.Records[0]).toMatchObject({
      eventName: 'ObjectRemoved:Delete',
      s3: { object: { key: 'in/a+b.txt' } },
    });
    const native = (await drain(out.NativeQueueUrl as string, 2)).map((m) => JSON.parse(m.Body as string));
    expect(native.map((m) => m.Event ?? m.Records[0].s3.object.key)).toEqual(['s3:TestEvent', 'note.txt']);
  });
});
