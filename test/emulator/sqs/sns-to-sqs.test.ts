import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSnsServer } from '../../../emulator/sns/server.ts';
import { SnsService } from '../../../emulator/sns/service.ts';
import { startSqsServer } from '../../../emulator/sqs/server.ts';
import { SqsService } from '../../../emulator/sqs/service.ts';
import { snsToQueue } from '../../../emulator/sqs/sns-delivery.ts';

/** SNS -> SQS through both real APIs (no cloud): enveloped, raw with attributes, FIFO topic to FIFO queue. */
const stateDir = mkdtempSync(join(tmpdir(), 'sns-sqs-'));
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const sqsService = new SqsService({ region: 'us-east-1', accountId: '000000000000', dataDir: null });
const snsService = new SnsService({
  region: 'us-east-1',
  accountId: '000000000000',
  stateDir,
  invokeFunction: async () => {},
  sendToQueue: snsToQueue(sqsService),
});
let stop: () => Promise<void>;
let sns: SNSClient;
let sqs: SQSClient;
let endpoints: { sns: string; sqs: string };

beforeAll(async () => {
  const sqsServer = await startSqsServer({ service: sqsService });
  const snsServer = await startSnsServer({ service: snsService, accountId: '000000000000' });
  sns = new SNSClient({ endpoint: snsServer.endpoint, region: 'us-east-1', credentials });
  sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: 'us-east-1', credentials });
  endpoints = { sns: snsServer.endpoint, sqs: sqsServer.endpoint };
  stop = async () => {
    await snsServer.stop();
    await sqsServer.stop();
    sqsService.stop();
  };
});

afterAll(async () => {
  sns?.destroy();
  sqs?.destroy();
  await stop?.();
  rmSync(stateDir, { recursive: true, force: true });
});

const arnOf = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

it('delivers the JSON document, or with RawMessageDelivery the message and its attributes', async () => {
  const topic = snsService.createTopic('events').arn;
  const enveloped = (await sqs.send(new CreateQueueCommand({ QueueName: 'enveloped' }))).QueueUrl;
  const raw = (await sqs.send(new CreateQueueCommand({ QueueName: 'raw' }))).QueueUrl;
  await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: arnOf('enveloped') }));
  await sns.send(
    new SubscribeCommand({
      TopicArn: topic,
      Protocol: 'sqs',
      Endpoint: arnOf('raw'),
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  const { MessageId } = await sns.send(
    new PublishCommand({
      TopicArn: topic,
      Message: 'hello',
      Subject: 'greeting',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } },
    }),
  );
  await snsService.whenDrained();
  const [document] =
    (await sqs.send(new ReceiveMessageCommand({ QueueUrl: enveloped, MessageAttributeNames: ['All'] })))
      .Messages ?? [];
  expect(JSON.parse(document?.Body as string)).toMatchObject({
    Type: 'Notification',
    MessageId,
    TopicArn: topic,
    Subject: 'greeting',
    Message: 'hello',
    MessageAttributes: { kind: { Type: 'String', Value: 'test' } },
  });
  expect(document?.MessageAttributes).toBeUndefined();
  const [bare] =
    (await sqs.send(new ReceiveMessageCommand({ QueueUrl: raw, MessageAttributeNames: ['All'] }))).Messages ??
    [];
  expect(bare?.Body).toBe('hello');
  expect(bare?.MessageAttributes?.kind).toMatchObject({ DataType: 'String', StringValue: 'test' });
});

it('keeps a FIFO topic group in a FIFO queue and refuses other protocols on FIFO topics', async () => {
  const topic = snsService.createTopic('ordered.fifo', {
    FifoTopic: 'true',
    ContentBasedDeduplication: 'true',
  }).arn;
  const url = (
    await sqs.send(new CreateQueueCommand({ QueueName: 'ordered.fifo', Attributes: { FifoQueue: 'true' } }))
  ).QueueUrl;
  await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: arnOf('ordered.fifo') }));
  await expect(
    sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'email', Endpoint: 'a@example.com' })),
  ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  for (const body of ['1', '2', '3'])
    await sns.send(new PublishCommand({ TopicArn: topic, Message: body, MessageGroupId: 'g' }));
  await snsService.whenDrained();
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  expect(Messages?.map((m) => JSON.parse(m.Body as string).Message)).toEqual(['1', '2', '3']);
  expect(Messages?.[0]?.Attributes?.MessageGroupId).toBe('g');
});

it('takes names like Object.prototype members as names: nothing polluted, lost or crashed', async () => {
  // raw requests: the SDKs build plain objects, where `__proto__` would never reach the wire
  const form = (endpoint: string, body: string) =>
    fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  // a dotted query-protocol parameter once walked into Object.prototype of the whole local cloud
  for (const [endpoint, action] of [
    [endpoints.sns, 'ListTopics'],
    [endpoints.sqs, 'ListQueues'],
  ] as const) {
    for (const name of ['__proto__.polluted', 'constructor.prototype.polluted']) {
      const response = await form(endpoint, `Action=${action}&${name}=yes`);
      expect(response.status).toBeLessThan(500);
    }
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();

  // an attribute named __proto__ arrives; a filter policy on a `toString` attribute sees none
  const topic = snsService.createTopic('prototype-names').arn;
  await sqs.send(new CreateQueueCommand({ QueueName: 'prototype-names' }));
  await sns.send(
    new SubscribeCommand({
      TopicArn: topic,
      Protocol: 'sqs',
      Endpoint: arnOf('prototype-names'),
      Attributes: { RawMessageDelivery: 'true', FilterPolicy: '{"toString":[{"exists":false}]}' },
    }),
  );
  const published = await form(
    endpoints.sns,
    new URLSearchParams({
      Action: 'Publish',
      TopicArn: topic,
      Message: 'm',
      'MessageAttributes.entry.1.Name': '__proto__',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': 'a',
    }).toString(),
  );
  expect(published.status).toBe(200);
  await snsService.whenDrained();
  const received = await fetch(endpoints.sqs, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ReceiveMessage' },
    body: JSON.stringify({
      QueueUrl: `${endpoints.sqs}/000000000000/prototype-names`,
      MessageAttributeNames: ['All'],
    }),
  });
  const [message] = JSON.parse(await received.text()).Messages ?? [];
  expect(message?.Body).toBe('m');
  expect(Object.keys(message?.MessageAttributes ?? {})).toEqual(['__proto__']);
  expect(Object.getOwnPropertyDescriptor(message.MessageAttributes, '__proto__')?.value).toEqual({
    DataType: 'String',
    StringValue: 'a',
  });
});
