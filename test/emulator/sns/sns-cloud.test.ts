import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfirmSubscriptionCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readAssembly } from '../../../emulator/cloudformation/assembly.ts';
import { ignoredResources } from '../../../emulator/cloudformation/ignored.ts';
import { type LocalCloud, startLocalCloud } from '../../../emulator/local-cloud.ts';
import { readOutbox } from '../../../emulator/sns/outbox.ts';
import { FIXTURE_ASSEMBLY, HOOK_PLACEHOLDER } from './fixture-app.ts';

/**
 * The embedded SNS on a synthesized CDK app (fixture-app.ts, its assembly committed): one cloud and
 * one HTTP endpoint for the whole file.
 */
const workDir = mkdtempSync(join(tmpdir(), 'sns-cloud-'));
const stateDir = join(workDir, 'state');
const lines: string[] = [];
const posts: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
let hook: Server;
let hookUrl: string;
let cloud: LocalCloud;
let sns: SNSClient;

beforeAll(async () => {
  // the HTTP subscriber confirms its subscription the way an endpoint does: GET the SubscribeURL
  hook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      posts.push({ path: request.url ?? '', headers: request.headers, body });
      response.end('ok');
      // /manual confirms through the API (see the test), /hook through its SubscribeURL
      if (request.url === '/hook' && request.headers['x-amz-sns-message-type'] === 'SubscriptionConfirmation')
        void fetch(JSON.parse(body).SubscribeURL);
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  const assemblyDir = join(workDir, 'cdk.out');
  cpSync(FIXTURE_ASSEMBLY, assemblyDir, { recursive: true });
  const template = join(assemblyDir, 'SnsFixture.template.json');
  writeFileSync(template, readFileSync(template, 'utf8').replaceAll(HOOK_PLACEHOLDER, hookUrl));
  cloud = await startLocalCloud({
    assemblyDir,
    stateDir,
    region: 'eu-west-1',
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    asyncRetryDelaysMs: [50, 50],
    log: (line) => lines.push(line),
  });
  sns = new SNSClient({
    endpoint: cloud.endpoints.sns,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await cloud.whenIdle();
});

afterAll(async () => {
  sns?.destroy();
  await cloud?.stop();
  await new Promise((resolve) => hook?.close(resolve));
  rmSync(workDir, { recursive: true, force: true });
});

const outputs = () => cloud.outputs.SnsFixture as Record<string, string>;
const topicArn = () => outputs().TopicArn as string;

function receivedEvents(): { Records: { EventSubscriptionArn: string; Sns: Record<string, unknown> }[] }[] {
  return cloud
    .logs('Receiver')
    .filter((line) => line.startsWith('{"received"'))
    .map((line) => JSON.parse(line).received);
}

const notifications = (path = '/hook') =>
  posts.filter((post) => post.path === path && post.headers['x-amz-sns-message-type'] === 'Notification');

async function publish(
  message: string,
  attributes: Record<string, { DataType: string; StringValue: string }>,
) {
  const { MessageId } = await sns.send(
    new PublishCommand({
      TopicArn: topicArn(),
      Message: message,
      Subject: 'Bucket size',
      MessageAttributes: attributes,
    }),
  );
  await cloud.whenIdle();
  return MessageId as string;
}

describe('embedded SNS on a synthesized app', () => {
  it('creates the topics and subscriptions, and accepts what it does not evaluate', async () => {
    expect(topicArn()).toMatch(
      /^arn:aws:sns:eu-west-1:000000000000:SnsFixture-Alerts[0-9A-F]{8}-[A-Z0-9]{12}$/,
    );
    expect(outputs().TopicName).toBe(topicArn().split(':').pop());
    expect(outputs().FifoTopicArn).toMatch(/\.fifo$/);
    expect(outputs().AlarmArn).toMatch(/^arn:aws:cloudwatch:eu-west-1:000000000000:alarm:/);
    for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard', 'AWS::SNS::TopicPolicy'])
      expect(lines.some((line) => line.includes(`ignoring ${type}`))).toBe(true);
    // what make embedded-up lists as accepted, not evaluated
    const cloudWatch = ignoredResources(readAssembly(FIXTURE_ASSEMBLY).stacks).filter((r) =>
      r.type.startsWith('AWS::CloudWatch::'),
    );
    expect(cloudWatch.map((r) => r.type).sort()).toEqual([
      'AWS::CloudWatch::Alarm',
      'AWS::CloudWatch::Dashboard',
    ]);
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    expect(Topics?.map((t) => t.TopicArn).sort()).toEqual([outputs().FifoTopicArn, topicArn()].sort());
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn() }));
    expect(Subscriptions?.map((s) => s.Protocol).sort()).toEqual(['email', 'email-json', 'http', 'lambda']);
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn() }));
    expect(Attributes).toMatchObject({
      DisplayName: 'Size alerts',
      SubscriptionsConfirmed: '4',
      SubscriptionsPending: '0',
    });
  });

  it('sends the HTTP endpoint a SubscriptionConfirmation first, as SNS does', () => {
    expect(posts[0]?.headers).toMatchObject({
      'x-amz-sns-message-type': 'SubscriptionConfirmation',
      'x-amz-sns-topic-arn': topicArn(),
      'user-agent': 'Amazon Simple Notification Service Agent',
    });
    expect(JSON.parse(posts[0]?.body ?? '{}')).toMatchObject({
      Type: 'SubscriptionConfirmation',
      TopicArn: topicArn(),
    });
  });

  it('delivers a matching message to the function, the mailboxes and the endpoint', async () => {
    const messageId = await publish('bucket photos crossed 80 GB', {
      severity: { DataType: 'String', StringValue: 'high' },
      bytes: { DataType: 'Number', StringValue: '150' },
    });
    const [event] = receivedEvents();
    expect(event?.Records).toHaveLength(1);
    expect(event?.Records[0]).toMatchObject({ EventSource: 'aws:sns', EventVersion: '1.0' });
    expect(event?.Records[0]?.EventSubscriptionArn).toMatch(new RegExp(`^${topicArn()}:[0-9a-f-]{36}$`));
    expect(event?.Records[0]?.Sns).toMatchObject({
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: topicArn(),
      Subject: 'Bucket size',
      Message: 'bucket photos crossed 80 GB',
      SignatureVersion: '1',
      MessageAttributes: {
        severity: { Type: 'String', Value: 'high' },
        bytes: { Type: 'Number', Value: '150' },
      },
    });
    expect(event?.Records[0]?.Sns.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const emails = readOutbox(stateDir);
    expect(emails.map((e) => [e.to, e.protocol, e.subject, e.messageId])).toEqual(
      expect.arrayContaining([
        ['ops@example.com', 'email', 'Bucket size', messageId],
        ['robot@example.com', 'email-json', 'Bucket size', messageId],
      ]),
    );
    expect(emails).toHaveLength(2);
    const plain = emails.find((e) => e.protocol === 'email');
    expect(plain?.body.startsWith('bucket photos crossed 80 GB\n')).toBe(true);
    expect(plain?.headers.From).toBe('"Size alerts" <no-reply@sns.amazonaws.com>');
    expect(emails.find((e) => e.protocol === 'email-json')?.json).toMatchObject({
      Type: 'Notification',
      MessageId: messageId,
      Message: 'bucket photos crossed 80 GB',
    });
    expect(cloud.outbox()).toEqual(emails);

    const [post] = notifications();
    expect(post?.headers).toMatchObject({
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': messageId,
      'content-type': 'text/plain; charset=UTF-8',
    });
    expect(JSON.parse(post?.body ?? '{}')).toMatchObject({
      Type: 'Notification',
      MessageId: messageId,
      Subject: 'Bucket size',
    });
  });

  it('does not deliver a message the filter policy rejects to the function, only to the others', async () => {
    const before = {
      events: receivedEvents().length,
      emails: readOutbox(stateDir).length,
      posts: notifications().length,
    };
    await publish('low severity', {
      severity: { DataType: 'String', StringValue: 'low' },
      bytes: { DataType: 'Number', StringValue: '150' },
    });
    await publish('too small', {
      severity: { DataType: 'String', StringValue: 'critical' },
      bytes: { DataType: 'Number', StringValue: '99' },
    });
    expect(receivedEvents()).toHaveLength(before.events);
    expect(readOutbox(stateDir)).toHaveLength(before.emails + 4);
    expect(notifications()).toHaveLength(before.posts + 2);
  });

  it('lets a function publish through AWS_ENDPOINT_URL_SNS', async () => {
    const before = readOutbox(stateDir, { topic: outputs().TopicName }).length;
    const result = (await cloud.invoke('Publisher', { message: 'from a function', subject: 'Hi' })) as {
      status: number;
      endpoint: string;
    };
    expect(result).toMatchObject({ status: 200, endpoint: cloud.endpoints.sns });
    await cloud.whenIdle();
    const emails = readOutbox(stateDir, { topic: outputs().TopicName });
    expect(emails).toHaveLength(before + 2);
    expect(emails.at(-1)?.subject).toBe('Hi');
  });

  it('switches the HTTP subscription to raw delivery', async () => {
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn() }));
    const http = Subscriptions?.find((s) => s.Protocol === 'http')?.SubscriptionArn as string;
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: http,
        AttributeName: 'RawMessageDelivery',
        AttributeValue: 'true',
      }),
    );
    const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: http }));
    expect(Attributes).toMatchObject({
      RawMessageDelivery: 'true',
      Endpoint: hookUrl,
      PendingConfirmation: 'false',
    });
    await publish('raw body', {});
    const post = notifications().at(-1);
    expect(post?.body).toBe('raw body');
    expect(post?.headers['x-amz-sns-rawdelivery']).toBe('true');
  });

  it('deduplicates on a FIFO topic and publishes batches', async () => {
    const first = await sns.send(
      new PublishCommand({ TopicArn: outputs().FifoTopicArn, Message: 'once', MessageGroupId: 'g' }),
    );
    const again = await sns.send(
      new PublishCommand({ TopicArn: outputs().FifoTopicArn, Message: 'once', MessageGroupId: 'g' }),
    );
    expect(again.MessageId).toBe(first.MessageId);
    expect(first.SequenceNumber).toMatch(/^\d{20}$/);
    const batch = await sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn(),
        PublishBatchRequestEntries: [
          { Id: 'ok', Message: 'batched' },
          { Id: 'bad', Message: '' },
        ],
      }),
    );
    expect(batch.Successful?.map((s) => s.Id)).toEqual(['ok']);
    expect(batch.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'InvalidParameter', SenderFault: true }),
    ]);
    await cloud.whenIdle();
  });

  it('answers bad requests with SNS errors', async () => {
    const missing = `${topicArn()}-missing`;
    await expect(sns.send(new GetTopicAttributesCommand({ TopicArn: missing }))).rejects.toMatchObject({
      name: 'NotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(sns.send(new PublishCommand({ TopicArn: missing, Message: 'x' }))).rejects.toMatchObject({
      name: 'NotFoundException',
    });
    await expect(
      sns.send(
        new SubscribeCommand({
          TopicArn: topicArn(),
          Protocol: 'lambda',
          Endpoint: 'arn:aws:lambda:eu-west-1:000000000000:function:x',
          Attributes: { FilterPolicy: '{"severity": "high"}' },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Attributes Reason: FilterPolicy: "severity" must be an object or an array',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      sns.send(
        new SubscribeCommand({
          TopicArn: topicArn(),
          Protocol: 'sqs',
          Endpoint: 'https://sqs.eu-west-1.amazonaws.com/000000000000/q',
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: SQS endpoint ARN',
    });
    await expect(sns.send(new PublishCommand({ TopicArn: topicArn(), Message: '' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Empty message',
    });
    await expect(
      sns.send(
        new PublishCommand({
          TopicArn: topicArn(),
          Message: 'x',
          MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(sns.send(new GetTopicAttributesCommand({ TopicArn: 'not-an-arn' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: TopicArn',
    });
    await expect(
      sns.send(
        new GetSubscriptionAttributesCommand({
          SubscriptionArn: `${topicArn()}:${'0'.repeat(8)}-0000-4000-a000-${'0'.repeat(12)}`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotFoundException', message: 'Subscription does not exist' });
    const response = await fetch(cloud.endpoints.sns, {
      method: 'POST',
      body: new URLSearchParams({ Action: 'Nope' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidAction</Code>');
  });

  it('subscribes and unsubscribes through the API (email confirmed at once)', async () => {
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn: topicArn(), Protocol: 'email', Endpoint: 'late@example.com' }),
    );
    expect(SubscriptionArn).toMatch(new RegExp(`^${topicArn()}:`));
    await sns.send(new UnsubscribeCommand({ SubscriptionArn }));
    await expect(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });

  it('holds an API subscription until it is confirmed, then filters on the message body', async () => {
    const endpoint = hookUrl.replace('/hook', '/manual');
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn(),
        Protocol: 'http',
        Endpoint: endpoint,
        Attributes: {
          FilterPolicyScope: 'MessageBody',
          FilterPolicy: '{"bucket": {"size": [{"numeric": [">", 80]}]}}',
        },
      }),
    );
    expect(SubscriptionArn).toBe('pending confirmation');
    const body = (size: number) => JSON.stringify({ bucket: { name: 'photos', size } });
    await publish(body(99), {});
    expect(notifications('/manual')).toHaveLength(0);
    const confirmation = posts.find((post) => post.path === '/manual');
    expect(confirmation?.headers['x-amz-sns-message-type']).toBe('SubscriptionConfirmation');
    const { Token } = JSON.parse(confirmation?.body ?? '{}') as { Token: string };
    const confirmed = await sns.send(new ConfirmSubscriptionCommand({ TopicArn: topicArn(), Token }));
    expect(confirmed.SubscriptionArn).toMatch(new RegExp(`^${topicArn()}:`));
    await publish(body(79), {});
    await publish(body(81), {});
    await publish('not json', {});
    expect(notifications('/manual').map((post) => JSON.parse(post.body).Message)).toEqual([body(81)]);
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: confirmed.SubscriptionArn }));
  });
});
