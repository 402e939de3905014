import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5OfAttributes } from '../../../emulator/sqs/md5.ts';
import { type SqsServer, startSqsServer } from '../../../emulator/sqs/server.ts';
import { SqsService } from '../../../emulator/sqs/service.ts';

/** The embedded SQS's API through @aws-sdk/client-sqs (JSON protocol), one server for the file. */
const dataDir = mkdtempSync(join(tmpdir(), 'sqs-api-'));
let service: SqsService;
let server: SqsServer;
let sqs: SQSClient;

beforeAll(async () => {
  service = new SqsService({ region: 'us-east-1', accountId: '000000000000', dataDir });
  server = await startSqsServer({ service });
  sqs = new SQSClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  sqs?.destroy();
  await server?.stop();
  service?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const createQueue = async (name: string, attributes: Record<string, string> = {}) =>
  (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl as string;

describe('queues', () => {
  it('creates, finds, lists, describes and deletes a queue', async () => {
    const url = await createQueue('orders', { VisibilityTimeout: '5' });
    expect(url).toBe(`${server.endpoint}/000000000000/orders`);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' }))).QueueUrl).toBe(url);
    // the same name and attributes: the same queue; other attributes: QueueNameExists
    expect(await createQueue('orders', { VisibilityTimeout: '5' })).toBe(url);
    await expect(createQueue('orders', { VisibilityTimeout: '6' })).rejects.toMatchObject({
      name: 'QueueNameExists',
      Code: 'QueueAlreadyExists',
      message:
        'A queue already exists with the same name and a different value for attribute VisibilityTimeout',
    });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(Attributes).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:orders',
      VisibilityTimeout: '5',
      DelaySeconds: '0',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '345600',
      ApproximateNumberOfMessages: '0',
    });
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'ord' }))).QueueUrls).toEqual([url]);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
      Code: 'AWS.SimpleQueueService.NonExistentQueue',
      message: 'The specified queue does not exist.',
    });
  });

  it('refuses bad names and attributes with SQS words', async () => {
    await expect(createQueue('bad name')).rejects.toMatchObject({
      Code: 'InvalidParameterValue',
      message: 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    });
    await expect(createQueue('plain', { FifoQueue: 'true' })).rejects.toMatchObject({
      Code: 'InvalidParameterValue',
      message: expect.stringContaining('must end with .fifo suffix'),
    });
    await expect(createQueue('q1', { VisibilityTimeout: '43201' })).rejects.toMatchObject({
      name: 'InvalidAttributeValue',
      message: 'Invalid value for the parameter VisibilityTimeout.',
    });
    await expect(createQueue('q2', { ContentBasedDeduplication: 'true' })).rejects.toMatchObject({
      name: 'InvalidAttributeName',
      message: 'Unknown Attribute ContentBasedDeduplication.',
    });
    await expect(
      createQueue('q3', {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nope',
          maxReceiveCount: 2,
        }),
      }),
    ).rejects.toMatchObject({
      Code: 'InvalidParameterValue',
      message: expect.stringContaining('Dead letter target does not exist'),
    });
  });
});

describe('messages', () => {
  it('sends and receives with the MD5s the SDK checks, system and message attributes', async () => {
    const url = await createQueue('attrs');
    const attributes = {
      kind: { DataType: 'String', StringValue: 'résumé' },
      size: { DataType: 'Number', StringValue: '42' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
    };
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'héllo 🌍', MessageAttributes: attributes }),
    );
    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update('héllo 🌍', 'utf8').digest('hex'));
    // the attribute digest as SQS documents it (checked against the SDK's own check below)
    expect(sent.MD5OfMessageAttributes).toBe(
      md5OfAttributes({
        kind: { DataType: 'String', StringValue: 'résumé' },
        size: { DataType: 'Number', StringValue: '42' },
        blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 255]).toString('base64') },
      }),
    );
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    expect(Messages).toHaveLength(1);
    const message = Messages?.[0];
    expect(message?.Body).toBe('héllo 🌍');
    expect(message?.MessageId).toBe(sent.MessageId);
    expect(message?.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: '000000000000' });
    expect(Number(message?.Attributes?.SentTimestamp)).toBeGreaterThan(Date.now() - 10_000);
    expect(message?.MessageAttributes?.kind?.StringValue).toBe('résumé');
    expect(Buffer.from(message?.MessageAttributes?.blob?.BinaryValue ?? []).toString('hex')).toBe('000102ff');
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
  });

  it('hides a received message for its visibility timeout, counts receives, deletes', async () => {
    const url = await createQueue('visibility', { VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
    const first = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    expect(first.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(attrs.Attributes).toEqual({ ApproximateNumberOfMessagesNotVisible: '1' });
    // long polling returns as soon as the timeout ends
    const started = Date.now();
    const again = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5, MessageSystemAttributeNames: ['All'] }),
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    // the old receipt can no longer change the visibility
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: first.Messages?.[0]?.ReceiptHandle,
          VisibilityTimeout: 10,
        }),
      ),
    ).rejects.toMatchObject({
      Code: 'InvalidParameterValue',
      message: expect.stringContaining('not available for visibility timeout change'),
    });
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: again.Messages?.[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(third.Messages?.[0]?.Body).toBe('one');
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: third.Messages?.[0]?.ReceiptHandle }),
    );
    // deleting again succeeds; a made-up handle does not
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: third.Messages?.[0]?.ReceiptHandle }),
    );
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'nope!' })),
    ).rejects.toMatchObject({
      name: 'ReceiptHandleIsInvalid',
    });
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('0');
    expect(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('long-polls until a message arrives, and gives up after WaitTimeSeconds', async () => {
    const url = await createQueue('long-poll');
    const started = Date.now();
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
    setTimeout(() => void sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late' })), 300);
    const { Messages } = await waiting;
    expect(Messages?.[0]?.Body).toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(3000);
    const empty = Date.now();
    expect(
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }))).Messages,
    ).toBeUndefined();
    expect(Date.now() - empty).toBeGreaterThanOrEqual(950);
  });

  it('delays messages (queue DelaySeconds and per message)', async () => {
    const url = await createQueue('delayed', { DelaySeconds: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'queue delay' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'no delay', DelaySeconds: 0 }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(first.Messages?.map((m) => m.Body)).toEqual(['no delay']);
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
      }),
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    const later = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 3 }));
    expect(later.Messages?.map((m) => m.Body)).toEqual(['queue delay']);
  });

  it('sends and deletes in batches, reporting failed entries', async () => {
    const url = await createQueue('batches');
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'A' },
          { Id: 'b', MessageBody: 'B', MessageAttributes: { n: { DataType: 'Number', StringValue: 'x' } } },
          { Id: 'c', MessageBody: 'C' },
        ],
      }),
    );
    expect(sent.Successful?.map((s) => s.Id)).toEqual(['a', 'c']);
    expect(sent.Failed).toEqual([
      {
        Id: 'b',
        SenderFault: true,
        Code: 'InvalidParameterValue',
        Message: "Can't cast the value of message (user) attribute 'n' to a number.",
      },
    ]);
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }),
    );
    expect(Messages?.map((m) => m.Body).sort()).toEqual(['A', 'C']);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          ...(Messages ?? []).map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })),
          { Id: 'bad', ReceiptHandle: 'garbage!' },
        ],
      }),
    );
    expect(deleted.Successful?.map((s) => s.Id)).toEqual(['m0', 'm1']);
    expect(deleted.Failed?.[0]).toMatchObject({ Id: 'bad', Code: 'ReceiptHandleIsInvalid' });
    await expect(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'x', MessageBody: '1' },
            { Id: 'x', MessageBody: '2' },
          ],
        }),
      ),
    ).rejects.toMatchObject({
      Code: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
      message: 'Id x repeated.',
    });
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] }))).rejects.toMatchObject(
      {
        Code: 'AWS.SimpleQueueService.EmptyBatchRequest',
      },
    );
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    await expect(sqs.send(new PurgeQueueCommand({ QueueUrl: url }))).rejects.toMatchObject({
      Code: 'AWS.SimpleQueueService.PurgeQueueInProgress',
    });
  });

  it('moves a message received maxReceiveCount times to the dead-letter queue', async () => {
    const dlq = await createQueue('dead-letters');
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }),
    );
    const url = await createQueue('work', {
      VisibilityTimeout: '0',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
    });
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    const moved = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlq, MessageSystemAttributeNames: ['All'] }),
    );
    expect(moved.Messages?.[0]).toMatchObject({ MessageId: sent.MessageId, Body: 'poison' });
    expect(moved.Messages?.[0]?.Attributes?.DeadLetterQueueSourceArn).toBe(
      'arn:aws:sqs:us-east-1:000000000000:work',
    );
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: '' } }));
  });

  it('refuses bad messages with SQS words', async () => {
    const url = await createQueue('strict', { MaximumMessageSize: '1024' });
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1025) })),
    ).rejects.toMatchObject({
      Code: 'InvalidParameterValue',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.',
    });
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'bad \u0000' })),
    ).rejects.toMatchObject({
      name: 'InvalidMessageContents',
    });
    await expect(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })),
    ).rejects.toMatchObject({
      message:
        'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    });
    await expect(
      sqs.send(
        new SendMessageCommand({ QueueUrl: `${server.endpoint}/000000000000/missing`, MessageBody: 'x' }),
      ),
    ).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  });

  it('knows no queue attribute named like an Object.prototype member', async () => {
    const url = await createQueue('prototype-attributes');
    for (const name of ['toString', 'constructor', 'hasOwnProperty'])
      await expect(
        sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { [name]: '5' } })),
      ).rejects.toMatchObject({ name: 'InvalidAttributeName' });
    await expect(
      sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['toString' as QueueAttributeName],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidAttributeName', message: 'Unknown Attribute toString.' });
  });

  it('keeps message attributes named like Object.prototype members (__proto__, toString, constructor)', async () => {
    const url = await createQueue('prototype-names');
    // raw JSON: in a JavaScript object literal `__proto__` would set a prototype, not a key
    const attributes =
      '{"__proto__":{"DataType":"String","StringValue":"a"},' +
      '"toString":{"DataType":"String","StringValue":"b"},' +
      '"constructor":{"DataType":"Number","StringValue":"1"}}';
    const call = async (action: string, body: string) => {
      const response = await fetch(server.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
        body,
      });
      expect(response.status).toBe(200);
      return JSON.parse(await response.text());
    };
    const sent = await call(
      'SendMessage',
      `{"QueueUrl":${JSON.stringify(url)},"MessageBody":"m","MessageAttributes":${attributes}}`,
    );
    // the digest SQS computes over all three names (the SDK checks it against its own)
    const expected = md5OfAttributes(Object.assign(Object.create(null), JSON.parse(attributes)));
    expect(sent.MD5OfMessageAttributes).toBe(expected);
    const received = await call(
      'ReceiveMessage',
      JSON.stringify({ QueueUrl: url, MessageAttributeNames: ['All'] }),
    );
    const message = received.Messages[0];
    expect(Object.keys(message.MessageAttributes).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(message.MessageAttributes.toString).toEqual({ DataType: 'String', StringValue: 'b' });
    expect(message.MD5OfMessageAttributes).toBe(expected);
  });
});

describe('FIFO queues', () => {
  it('orders by group, holds a group while one of its messages is in flight, deduplicates', async () => {
    const url = await createQueue('jobs.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    const send = (body: string, group: string, dedup?: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          MessageGroupId: group,
          ...(dedup ? { MessageDeduplicationId: dedup } : {}),
        }),
      );
    const a1 = await send('a1', 'A');
    await send('b1', 'B');
    await send('a2', 'A');
    const duplicate = await send('a1', 'A'); // content-based: the same body within 5 minutes
    expect(duplicate.MessageId).toBe(a1.MessageId);
    expect(duplicate.SequenceNumber).toBe(a1.SequenceNumber);
    expect(a1.SequenceNumber).toMatch(/^\d{20}$/);
    const first = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    expect(first.Messages?.[0]?.Body).toBe('a1');
    expect(first.Messages?.[0]?.Attributes).toMatchObject({
      MessageGroupId: 'A',
      SequenceNumber: a1.SequenceNumber,
    });
    // group A is held while a1 is in flight: only B's message comes
    const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(second.Messages?.map((m) => m.Body)).toEqual(['b1']);
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages?.[0]?.ReceiptHandle }),
    );
    const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(third.Messages?.map((m) => m.Body)).toEqual(['a2']);
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }))).rejects.toMatchObject(
      {
        Code: 'MissingParameter',
        message: 'The request must contain the parameter MessageGroupId.',
      },
    );
    await expect(
      sqs.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'A', DelaySeconds: 2 }),
      ),
    ).rejects.toMatchObject({ Code: 'InvalidParameterValue' });
    const plain = await createQueue('nodedup.fifo', { FifoQueue: 'true' });
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: plain, MessageBody: 'x', MessageGroupId: 'g' })),
    ).rejects.toMatchObject({
      message:
        'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    });
  });
});

describe('durability and the query protocol', () => {
  it('keeps queues and messages (in flight ones too) across a restart of the service', async () => {
    const url = await createQueue('durable', { VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'kept' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'in flight' }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1 }));
    expect(received.Messages?.[0]?.Body).toBe('kept');
    const reopened = new SqsService({ region: 'us-east-1', accountId: '000000000000', dataDir });
    try {
      const queue = reopened.queueOfUrl(url);
      const now = reopened.receiveNow(queue, { maxNumberOfMessages: 10, visibilityTimeout: 30 });
      expect(now.map((m) => m.Body)).toEqual(['in flight']);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const later = reopened.receiveNow(queue, { maxNumberOfMessages: 10, attributeNames: ['All'] });
      expect(later.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['kept', '2']]);
    } finally {
      reopened.stop();
    }
  });

  it('answers the query protocol in XML', async () => {
    const form = (params: Record<string, string>) =>
      fetch(server.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params),
      });
    const created = await form({
      Action: 'CreateQueue',
      QueueName: 'xml',
      'Attribute.1.Name': 'DelaySeconds',
      'Attribute.1.Value': '0',
    });
    expect(created.status).toBe(200);
    expect(await created.text()).toContain(`<QueueUrl>${server.endpoint}/000000000000/xml</QueueUrl>`);
    const sent = await form({
      Action: 'SendMessage',
      QueueUrl: `${server.endpoint}/000000000000/xml`,
      MessageBody: 'a <b> & "c"',
      'MessageAttribute.1.Name': 'k',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'v',
    });
    expect(await sent.text()).toMatch(/<MD5OfMessageBody>[0-9a-f]{32}<\/MD5OfMessageBody>/);
    const received = await (
      await form({
        Action: 'ReceiveMessage',
        QueueUrl: `${server.endpoint}/000000000000/xml`,
        'MessageAttributeName.1': 'All',
      })
    ).text();
    expect(received).toContain('<Body>a &lt;b&gt; &amp; &quot;c&quot;</Body>');
    expect(received).toContain(
      '<MessageAttribute><Name>k</Name><Value><DataType>String</DataType><StringValue>v</StringValue></Value></MessageAttribute>',
    );
    const missing = await form({ Action: 'GetQueueUrl', QueueName: 'nope' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('<Code>AWS.SimpleQueueService.NonExistentQueue</Code>');
  });

  // an independent client of the query protocol: botocore before 1.31 (Debian's python3-boto3) speaks it
  const queryPython = ['/usr/bin/python3', 'python3'].find((python) => {
    try {
      const protocol = execFileSync(
        python,
        ['-c', "import botocore.session as s; print(s.get_session().get_service_model('sqs').protocol)"],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      return protocol.trim() === 'query';
    } catch {
      return false;
    }
  });
  it.skipIf(!queryPython)(
    'serves boto3 over the query protocol (botocore < 1.31, as Debian ships it; skipped without one)',
    async () => {
      const script = [
        'import sys, boto3, botocore',
        "s = boto3.client('sqs', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')",
        "url = s.create_queue(QueueName='boto-query')['QueueUrl']",
        "sent = s.send_message(QueueUrl=url, MessageBody='h\u00e9 <&>', MessageAttributes={'b': {'DataType': 'Binary', 'BinaryValue': b'\\x00\\xff'}})",
        "m = s.receive_message(QueueUrl=url, MessageAttributeNames=['All'], AttributeNames=['All'])['Messages'][0]",
        "s.delete_message(QueueUrl=url, ReceiptHandle=m['ReceiptHandle'])",
        'try:',
        "    s.get_queue_url(QueueName='nope')",
        'except botocore.exceptions.ClientError as e:',
        "    code = e.response['Error']['Code']",
        "print(sent['MD5OfMessageAttributes'], m['Body'] == 'h\u00e9 <&>', m['MessageAttributes']['b']['BinaryValue'].hex(), m['Attributes']['ApproximateReceiveCount'], code)",
      ].join('\n');
      // not execFileSync: the server answering it runs in this process
      const out = (
        await promisify(execFile)(queryPython as string, ['-c', script, server.endpoint])
      ).stdout.trim();
      const expected = md5OfAttributes({
        b: { DataType: 'Binary', BinaryValue: Buffer.from([0, 255]).toString('base64') },
      });
      expect(out).toBe(`${expected} True 00ff 1 AWS.SimpleQueueService.NonExistentQueue`);
    },
  );
});
