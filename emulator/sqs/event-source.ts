import { DEFAULT_POLLERS, failedMessageIds, type SqsMappingSpec } from './mapping.ts';
import type { MessageAttributeValue } from './md5.ts';
import type { Queue } from './model.ts';
import type { ReceivedMessage, SqsService } from './service.ts';

/**
 * Lambda's SQS poller for one event source mapping: up to MaximumConcurrency pollers (5 without it)
 * each long-poll the queue, gather a batch (BatchSize, within MaximumBatchingWindowInSeconds), invoke
 * the function synchronously with `{ Records }`, and delete what it handled: every message on success,
 * all but the reported ones with ReportBatchItemFailures, none on a function error. Messages not
 * deleted come back after the queue's visibility timeout, and its redrive policy moves them to the
 * dead-letter queue after maxReceiveCount receives, as on Lambda. The queue is read in-process
 * (no HTTP), through the same service and journal as the API.
 */
export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Record<string, string>;
  readonly messageAttributes: Record<string, LambdaMessageAttribute>;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
  readonly eventSource: 'aws:sqs';
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

export interface LambdaMessageAttribute {
  readonly stringValue?: string;
  readonly binaryValue?: string;
  readonly stringListValues: string[];
  readonly binaryListValues: string[];
  readonly dataType: string;
}

export type PollerInvoke = (event: {
  Records: SqsRecord[];
}) => Promise<{ ok: true; payload: unknown } | { ok: false; error: string }>;

/** A message as Lambda hands it to a function (`event.Records[i]`, camelCase, unlike the API). Pure. */
export function toSqsRecord(message: ReceivedMessage, queueArn: string, region: string): SqsRecord {
  const messageAttributes: Record<string, LambdaMessageAttribute> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {}) as [
    string,
    MessageAttributeValue,
  ][]) {
    messageAttributes[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: value.BinaryValue } : {}),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType,
    };
  }
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes: message.Attributes ?? {},
    messageAttributes,
    md5OfBody: message.MD5OfBody,
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export interface SqsPollerStats {
  readonly batches: number;
  readonly messages: number;
  readonly failedBatches: number;
  readonly deleted: number;
  /** The most invocations that ran at the same time. */
  readonly peakConcurrency: number;
}

const LONG_POLL_MS = 20_000;

export class SqsPoller {
  readonly spec: SqsMappingSpec;
  private readonly service: SqsService;
  private readonly queue: Queue;
  private readonly invoke: PollerInvoke;
  private readonly log: (line: string) => void;
  private readonly abort = new AbortController();
  private readonly workers: Promise<void>[] = [];
  /** Pollers holding messages (gathering a batch or invoking). */
  private busyWorkers = 0;
  private liveWorkers = 0;
  private counts = { batches: 0, messages: 0, failedBatches: 0, deleted: 0, peakConcurrency: 0 };
  private invoking = 0;

  constructor(options: {
    spec: SqsMappingSpec;
    service: SqsService;
    queue: Queue;
    invoke: PollerInvoke;
    log: (line: string) => void;
  }) {
    this.spec = options.spec;
    this.service = options.service;
    this.queue = options.queue;
    this.invoke = options.invoke;
    this.log = options.log;
  }

  start(): void {
    const count = this.spec.maximumConcurrency ?? DEFAULT_POLLERS;
    for (let i = 0; i < count; i++) {
      this.liveWorkers++;
      this.workers.push(
        this.work()
          .catch((err: Error) => {
            if (!this.abort.signal.aborted)
              this.log(`SQS mapping ${this.spec.logicalId} stopped: ${err.message}`);
          })
          .finally(() => {
            this.liveWorkers--;
          }),
      );
    }
  }

  stats(): SqsPollerStats {
    return { ...this.counts };
  }

  /** True while a batch is being gathered or handled, or the queue has messages to receive now (and pollers to take them). */
  busy(): boolean {
    if (this.busyWorkers > 0) return true;
    // a deleted queue, or pollers that stopped on an error, leave nothing to wait for
    if (this.liveWorkers === 0 || this.service.queueByName(this.queue.name) !== this.queue) return false;
    return this.service.receivableCount(this.queue) > 0;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      // a deleted queue ends the mapping's polling (Lambda would keep failing to read it)
      if (this.service.queueByName(this.queue.name) !== this.queue)
        throw new Error(`queue ${this.queue.name} was deleted`);
      const first = await this.service.receiveMessage(this.queue, this.receiveInput(LONG_POLL_MS), signal);
      if (first.length === 0) continue;
      this.busyWorkers++;
      try {
        const batch = [...first];
        const deadline = Date.now() + this.spec.maximumBatchingWindowMs;
        while (batch.length < this.spec.batchSize && !signal.aborted) {
          const left = deadline - Date.now();
          if (left <= 0) break;
          batch.push(
            ...(await this.service.receiveMessage(this.queue, this.receiveInput(left, batch.length), signal)),
          );
        }
        if (signal.aborted) return; // not deleted: the messages come back after their visibility timeout
        await this.handle(batch);
      } finally {
        this.busyWorkers--;
      }
    }
  }

  private receiveInput(waitMs: number, have = 0) {
    return {
      maxNumberOfMessages: Math.min(10, this.spec.batchSize - have),
      waitMs,
      attributeNames: ['All'],
      messageAttributeNames: ['All'],
    };
  }

  private async handle(batch: ReceivedMessage[]): Promise<void> {
    const arn = this.service.queueArn(this.queue.name);
    const records = batch.map((m) => toSqsRecord(m, arn, this.service.region));
    this.counts.batches++;
    this.counts.messages += batch.length;
    this.invoking++;
    this.counts.peakConcurrency = Math.max(this.counts.peakConcurrency, this.invoking);
    let outcome: Awaited<ReturnType<PollerInvoke>>;
    try {
      outcome = await this.invoke({ Records: records });
    } finally {
      this.invoking--;
    }
    let keep = new Set<string>();
    if (!outcome.ok) {
      keep = new Set(batch.map((m) => m.MessageId));
      this.log(
        `SQS mapping ${this.spec.logicalId}: the function failed (${outcome.error}); ${batch.length} message(s) return after the visibility timeout`,
      );
    } else if (this.spec.reportBatchItemFailures) {
      const result = failedMessageIds(
        batch.map((m) => m.MessageId),
        outcome.payload,
      );
      keep = new Set(result.failed);
      if (result.whole) this.log(`SQS mapping ${this.spec.logicalId}: ${result.whole}`);
    }
    if (keep.size > 0) this.counts.failedBatches++;
    const done = batch.filter((m) => !keep.has(m.MessageId));
    for (let i = 0; i < done.length; i += 10) {
      const slice = done.slice(i, i + 10);
      if (!this.service.queueByName(this.queue.name)) return;
      this.service.deleteMessageBatch(
        this.queue,
        slice.map((m, index) => ({ id: String(index), receiptHandle: m.ReceiptHandle })),
      );
      this.counts.deleted += slice.length;
    }
  }
}
