import type { MessageAttributeValue } from './md5.ts';

/**
 * The embedded SQS's state: queues and their messages, as the journal (store.ts) records them.
 * Times are epoch milliseconds. A message is visible when `visibleAt <= now`; before its first
 * receive a later `visibleAt` is a delay, after it a visibility timeout (in flight).
 */
export interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
  /** AWSTraceHeader, the one system attribute a sender may set. */
  readonly systemAttributes: Readonly<Record<string, MessageAttributeValue>>;
  /** When it was first enqueued (kept when moved to a dead-letter queue, as SQS does for standard queues). */
  readonly sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** Changes with every receive: a receipt handle names the receive it came from. */
  receipt?: string;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly sequenceNumber?: string;
  /** The queue it came from, when it was moved here by a redrive policy. */
  readonly deadLetterSourceArn?: string;
  readonly senderId?: string;
}

export interface Queue {
  readonly name: string;
  readonly fifo: boolean;
  readonly createdAt: number;
  lastModifiedAt: number;
  /** The settable attributes as given (strings), defaults not included. */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  /** In send order (a Map keeps insertion order): FIFO order, and oldest first for standard queues. */
  readonly messages: Map<string, StoredMessage>;
  /** FIFO: deduplication id (or `<group>\0<id>` with DeduplicationScope messageGroup) -> the first send. */
  readonly deduplication: Map<string, { at: number; messageId: string; sequenceNumber: string }>;
  lastSequence: bigint;
  purgedAt?: number;
}

export const DEDUPLICATION_WINDOW_MS = 5 * 60_000;

/** Settable attributes with their defaults and limits (SetQueueAttributes, CreateQueue). */
export const NUMERIC_ATTRIBUTES: Readonly<Record<string, { min: number; max: number; default: number }>> = {
  DelaySeconds: { min: 0, max: 900, default: 0 },
  MaximumMessageSize: { min: 1024, max: 1_048_576, default: 1_048_576 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
  VisibilityTimeout: { min: 0, max: 43_200, default: 30 },
  KmsDataKeyReusePeriodSeconds: { min: 60, max: 86_400, default: 300 },
};

export const TEXT_ATTRIBUTES = new Set([
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'SqsManagedSseEnabled',
]);
export const FIFO_ONLY_ATTRIBUTES = new Set([
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);

export function numericAttribute(queue: Queue, name: keyof typeof NUMERIC_ATTRIBUTES): number {
  const raw = queue.attributes[name];
  return raw === undefined ? (NUMERIC_ATTRIBUTES[name]?.default ?? 0) : Number(raw);
}

export interface RedrivePolicy {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

export function redrivePolicyOf(queue: Queue): RedrivePolicy | undefined {
  const raw = queue.attributes.RedrivePolicy;
  if (!raw) return undefined;
  return JSON.parse(raw) as RedrivePolicy;
}

export function queueNameOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:sqs:[^:]*:[^:]*:([A-Za-z0-9_-]+(\.fifo)?)$/.exec(arn)?.[1];
}
