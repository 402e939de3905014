import { invalidValue, missingParameter, queueDoesNotExist, SqsError } from './errors.ts';
import type { SqsService } from './service.ts';
import { checkBatch, optionalInt } from './validation.ts';

/**
 * SQS's operations on the service, in the shapes of the JSON protocol (the query protocol's
 * parameters are turned into the same shapes by query-protocol.ts). Each takes the request's input
 * and returns its output object.
 */
export type Input = Record<string, unknown>;
export type Operation = (
  input: Input,
  service: SqsService,
  signal: AbortSignal,
) => unknown | Promise<unknown>;

function stringMap(value: unknown, name: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidValue(name, JSON.stringify(value), 'must be a map');
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return [String(value)];
  return value.map(String);
}

const sendInput = (input: Input) => ({
  body: input.MessageBody,
  delaySeconds: input.DelaySeconds,
  messageAttributes: input.MessageAttributes,
  messageSystemAttributes: input.MessageSystemAttributes,
  messageGroupId: input.MessageGroupId,
  messageDeduplicationId: input.MessageDeduplicationId,
});

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateQueue: (input, service) => ({
    QueueUrl: service.createQueue(
      input.QueueName,
      stringMap(input.Attributes, 'Attributes'),
      stringMap(input.tags ?? input.Tags, 'tags'),
    ),
  }),
  GetQueueUrl: (input, service) => {
    if (typeof input.QueueName !== 'string' || input.QueueName === '') throw missingParameter('QueueName');
    if (!service.queueByName(input.QueueName)) throw queueDoesNotExist();
    return { QueueUrl: service.queueUrl(input.QueueName) };
  },
  GetQueueAttributes: (input, service) => {
    const attributes = service.queueAttributes(
      service.queueOfUrl(input.QueueUrl),
      stringList(input.AttributeNames),
    );
    return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
  },
  SetQueueAttributes: (input, service) => {
    service.setQueueAttributes(service.queueOfUrl(input.QueueUrl), stringMap(input.Attributes, 'Attributes'));
    return {};
  },
  ListQueues: (input, service) => {
    const max = optionalInt(
      input.MaxResults,
      'MaxResults',
      1,
      1000,
      'MaxResults must be an integer between 1 and 1000.',
    );
    const page = service.listQueues(
      typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : undefined,
      max,
      typeof input.NextToken === 'string' ? input.NextToken : undefined,
    );
    return {
      ...(page.urls.length > 0 ? { QueueUrls: page.urls } : {}),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  },
  DeleteQueue: (input, service) => {
    service.deleteQueue(service.queueOfUrl(input.QueueUrl));
    return {};
  },
  PurgeQueue: (input, service) => {
    service.purgeQueue(service.queueOfUrl(input.QueueUrl));
    return {};
  },
  TagQueue: (input, service) => {
    service.tagQueue(service.queueOfUrl(input.QueueUrl), stringMap(input.Tags, 'Tags'));
    return {};
  },
  UntagQueue: (input, service) => {
    service.untagQueue(service.queueOfUrl(input.QueueUrl), stringList(input.TagKeys) ?? []);
    return {};
  },
  ListQueueTags: (input, service) => {
    const tags = service.queueOfUrl(input.QueueUrl).tags;
    return Object.keys(tags).length > 0 ? { Tags: tags } : {};
  },
  SendMessage: (input, service) => service.sendMessage(service.queueOfUrl(input.QueueUrl), sendInput(input)),
  SendMessageBatch: (input, service) => {
    const queue = service.queueOfUrl(input.QueueUrl);
    const entries = checkBatch(input.Entries, 'SendMessageBatchRequestEntry');
    const total = entries.reduce((sum, e) => sum + Buffer.byteLength(String(e.MessageBody ?? '')), 0);
    if (total > 1_048_576)
      throw new SqsError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than 1048576 bytes. You have sent ${total} bytes.`,
      );
    const result = service.sendMessageBatch(
      queue,
      entries.map((entry) => ({ id: String(entry.Id), ...sendInput(entry) })),
    );
    return { Successful: result.successful, Failed: result.failed };
  },
  ReceiveMessage: (input, service, signal) => {
    const queue = service.queueOfUrl(input.QueueUrl);
    const max = optionalInt(
      input.MaxNumberOfMessages,
      'MaxNumberOfMessages',
      1,
      10,
      'Must be between 1 and 10, if provided.',
    );
    const wait = optionalInt(
      input.WaitTimeSeconds,
      'WaitTimeSeconds',
      0,
      20,
      'Must be >= 0 and <= 20, if provided.',
    );
    const visibility = optionalInt(
      input.VisibilityTimeout,
      'VisibilityTimeout',
      0,
      43_200,
      'Must be >= 0 and <= 43200, if provided.',
    );
    const attributeNames = [
      ...(stringList(input.AttributeNames) ?? []),
      ...(stringList(input.MessageSystemAttributeNames) ?? []),
    ];
    return service
      .receiveMessage(
        queue,
        {
          ...(max !== undefined ? { maxNumberOfMessages: max } : {}),
          ...(wait !== undefined ? { waitTimeSeconds: wait } : {}),
          ...(visibility !== undefined ? { visibilityTimeout: visibility } : {}),
          attributeNames,
          messageAttributeNames: stringList(input.MessageAttributeNames) ?? [],
        },
        signal,
      )
      .then((messages) => (messages.length > 0 ? { Messages: messages } : {}));
  },
  DeleteMessage: (input, service) => {
    service.deleteMessage(service.queueOfUrl(input.QueueUrl), input.ReceiptHandle);
    return {};
  },
  DeleteMessageBatch: (input, service) => {
    const queue = service.queueOfUrl(input.QueueUrl);
    const entries = checkBatch(input.Entries, 'DeleteMessageBatchRequestEntry');
    const result = service.deleteMessageBatch(
      queue,
      entries.map((entry) => ({ id: String(entry.Id), receiptHandle: entry.ReceiptHandle })),
    );
    return { Successful: result.successful, Failed: result.failed };
  },
  ChangeMessageVisibility: (input, service) => {
    service.changeMessageVisibility(
      service.queueOfUrl(input.QueueUrl),
      input.ReceiptHandle,
      input.VisibilityTimeout,
    );
    return {};
  },
  ChangeMessageVisibilityBatch: (input, service) => {
    const queue = service.queueOfUrl(input.QueueUrl);
    const entries = checkBatch(input.Entries, 'ChangeMessageVisibilityBatchRequestEntry');
    const result = service.changeMessageVisibilityBatch(
      queue,
      entries.map((entry) => ({
        id: String(entry.Id),
        receiptHandle: entry.ReceiptHandle,
        visibilityTimeout: entry.VisibilityTimeout,
      })),
    );
    return { Successful: result.successful, Failed: result.failed };
  },
};
