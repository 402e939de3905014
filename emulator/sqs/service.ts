import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { clientKeyed } from '../services/client-keyed.ts';
import { invalidParameter, invalidValue, missingParameter, queueDoesNotExist, SqsError } from './errors.ts';
import { type MessageAttributeValue, md5Hex, md5OfAttributes } from './md5.ts';
import {
  DEDUPLICATION_WINDOW_MS,
  NUMERIC_ATTRIBUTES,
  numericAttribute,
  type Queue,
  queueNameOfArn,
  redrivePolicyOf,
  type StoredMessage,
} from './model.ts';
import { applyEntry, Journal, type JournalEntry } from './store.ts';
import {
  attributesBytes,
  checkBody,
  checkFifoId,
  checkMessageAttributes,
  checkQueueAttributes,
  checkQueueName,
} from './validation.ts';

/**
 * The embedded SQS: queues, messages, visibility, FIFO groups and deduplication, delays, retention,
 * redrive to dead-letter queues, long polling. Every change goes through the journal (store.ts)
 * before the request that made it is answered. Used by the API server (server.ts) and, directly, by
 * event source mappings, SNS and S3 notifications.
 */
export interface SqsServiceOptions {
  readonly region: string;
  readonly accountId: string;
  readonly partition?: string;
  /** `<stateDir>/sqs` holds the journal; null: in memory only. */
  readonly dataDir: string | null;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

export interface SendInput {
  readonly body: unknown;
  readonly delaySeconds?: unknown;
  readonly messageAttributes?: unknown;
  readonly messageSystemAttributes?: unknown;
  readonly messageGroupId?: unknown;
  readonly messageDeduplicationId?: unknown;
}

export interface SendResult {
  readonly MessageId: string;
  readonly MD5OfMessageBody: string;
  readonly MD5OfMessageAttributes?: string;
  readonly MD5OfMessageSystemAttributes?: string;
  readonly SequenceNumber?: string;
}

export interface ReceiveInput {
  readonly maxNumberOfMessages?: number;
  readonly visibilityTimeout?: number;
  readonly waitTimeSeconds?: number;
  /** Overrides waitTimeSeconds, in milliseconds (event source mappings' batching windows). */
  readonly waitMs?: number;
  /** System attribute names (AttributeNames / MessageSystemAttributeNames): `All` or names. */
  readonly attributeNames?: readonly string[];
  /** `All`, `.*`, `prefix.*` or names. */
  readonly messageAttributeNames?: readonly string[];
}

export interface ReceivedMessage {
  readonly MessageId: string;
  readonly ReceiptHandle: string;
  readonly MD5OfBody: string;
  readonly Body: string;
  readonly Attributes?: Record<string, string>;
  readonly MD5OfMessageAttributes?: string;
  readonly MessageAttributes?: Record<string, MessageAttributeValue>;
}

const SYSTEM_ATTRIBUTE_NAMES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];

export class SqsService {
  readonly region: string;
  readonly accountId: string;
  private readonly partition: string;
  private readonly queues = new Map<string, Queue>();
  private readonly journal: Journal | undefined;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private endpoint = 'http://127.0.0.1';
  /** Long-polling receivers per queue, woken when a message may have become receivable. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly sendListeners = new Set<(queueName: string) => void>();
  private stopped = false;

  constructor(options: SqsServiceOptions) {
    this.region = options.region;
    this.accountId = options.accountId;
    this.partition = options.partition ?? 'aws';
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => {});
    if (options.dataDir) this.journal = Journal.open(options.dataDir, this.queues, this.now());
  }

  /** The server's URL, the base of queue URLs; set once it listens. */
  setEndpoint(endpoint: string): void {
    this.endpoint = endpoint;
  }

  queueUrl(name: string): string {
    return `${this.endpoint}/${this.accountId}/${name}`;
  }

  queueArn(name: string): string {
    return `arn:${this.partition}:sqs:${this.region}:${this.accountId}:${name}`;
  }

  /** Called after every send (event source mappings wake on it). */
  onSend(listener: (queueName: string) => void): () => void {
    this.sendListeners.add(listener);
    return () => this.sendListeners.delete(listener);
  }

  private commit(entries: JournalEntry[]): void {
    for (const entry of entries) applyEntry(this.queues, entry);
    this.journal?.append(entries);
    this.journal?.maybeCompact(this.queues, this.now());
  }

  // ---- queues ------------------------------------------------------------------------------

  /** The queue a QueueUrl names (any host and port: the URL a client kept from before a restart still works). */
  queueOfUrl(url: unknown): Queue {
    if (typeof url !== 'string' || url === '') throw missingParameter('QueueUrl');
    const match = /\/(\d{12})\/([A-Za-z0-9_-]+(?:\.fifo)?)\/?$/.exec(url);
    const queue = match && match[1] === this.accountId ? this.queues.get(match[2] as string) : undefined;
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  queueByName(name: string): Queue | undefined {
    return this.queues.get(name);
  }

  queueOfArn(arn: string): Queue | undefined {
    const name = queueNameOfArn(arn);
    return name === undefined || arn !== this.queueArn(name) ? undefined : this.queues.get(name);
  }

  createQueue(
    name: unknown,
    attributes: Record<string, string> = {},
    tags: Record<string, string> = {},
  ): string {
    const fifo = String(attributes.FifoQueue ?? '').toLowerCase() === 'true';
    const queueName = checkQueueName(name, fifo);
    const given = { ...attributes };
    if (given.Policy === '') delete given.Policy;
    checkQueueAttributes(given, fifo, true, (arn) => this.queueOfArn(arn) !== undefined);
    delete given.FifoQueue;
    const existing = this.queues.get(queueName);
    if (existing) {
      for (const [key, value] of Object.entries(given)) {
        if (this.effectiveAttribute(existing, key) !== value)
          throw new SqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${key}`,
          );
      }
      return this.queueUrl(queueName);
    }
    const now = this.now();
    this.commit([
      {
        t: 'queue',
        name: queueName,
        fifo,
        createdAt: now,
        lastModifiedAt: now,
        attributes: given,
        tags: { ...tags },
      },
    ]);
    return this.queueUrl(queueName);
  }

  private effectiveAttribute(queue: Queue, name: string): string | undefined {
    return queue.attributes[name] ?? this.defaults(queue)[name];
  }

  private defaults(queue: Queue): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, spec] of Object.entries(NUMERIC_ATTRIBUTES))
      if (name !== 'KmsDataKeyReusePeriodSeconds') out[name] = String(spec.default);
    out.SqsManagedSseEnabled = 'true';
    if (queue.fifo) {
      out.FifoQueue = 'true';
      out.ContentBasedDeduplication = 'false';
      out.DeduplicationScope = 'queue';
      out.FifoThroughputLimit = 'perQueue';
    }
    return out;
  }

  setQueueAttributes(queue: Queue, attributes: Record<string, string>): void {
    if (attributes === undefined || attributes === null || typeof attributes !== 'object')
      throw missingParameter('Attributes');
    checkQueueAttributes(attributes, queue.fifo, false, (arn) => this.queueOfArn(arn) !== undefined);
    const next = { ...queue.attributes };
    for (const [key, value] of Object.entries(attributes)) {
      // an empty RedrivePolicy or Policy removes it
      if (value === '' && (key === 'RedrivePolicy' || key === 'Policy' || key === 'RedriveAllowPolicy'))
        delete next[key];
      else next[key] = value;
    }
    this.commit([this.queueEntry(queue, { attributes: next, lastModifiedAt: this.now() })]);
    this.wake(queue.name);
  }

  private queueEntry(
    queue: Queue,
    change: Partial<Pick<Queue, 'attributes' | 'tags' | 'lastModifiedAt'>>,
  ): JournalEntry {
    return {
      t: 'queue',
      name: queue.name,
      fifo: queue.fifo,
      createdAt: queue.createdAt,
      lastModifiedAt: change.lastModifiedAt ?? queue.lastModifiedAt,
      attributes: change.attributes ?? queue.attributes,
      tags: change.tags ?? queue.tags,
    };
  }

  queueAttributes(queue: Queue, names: readonly string[] | undefined): Record<string, string> {
    this.expire(queue);
    const now = this.now();
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of queue.messages.values()) {
      if (message.visibleAt <= now) visible++;
      else if (message.receiveCount > 0) inFlight++;
      else delayed++;
    }
    const all: Record<string, string> = {
      QueueArn: this.queueArn(queue.name),
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inFlight),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
      ...this.defaults(queue),
      ...queue.attributes,
    };
    const wanted = names ?? [];
    if (wanted.includes('All')) return all;
    const out: Record<string, string> = {};
    for (const name of wanted) {
      if (!Object.hasOwn(all, name) && !isKnownQueueAttribute(name))
        throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      if (Object.hasOwn(all, name) && all[name] !== undefined) out[name] = all[name];
    }
    return out;
  }

  listQueues(
    prefix?: string,
    maxResults?: number,
    nextToken?: string,
  ): { urls: string[]; nextToken?: string } {
    const names = [...this.queues.keys()]
      .filter((name) => prefix === undefined || name.startsWith(prefix))
      .sort();
    if (maxResults === undefined) return { urls: names.slice(0, 1000).map((n) => this.queueUrl(n)) };
    const start = nextToken
      ? names.findIndex((name) => name > Buffer.from(nextToken, 'base64').toString())
      : 0;
    const page = start < 0 ? [] : names.slice(start, start + maxResults);
    const more = start >= 0 && start + maxResults < names.length;
    return {
      urls: page.map((n) => this.queueUrl(n)),
      ...(more ? { nextToken: Buffer.from(page.at(-1) as string).toString('base64') } : {}),
    };
  }

  deleteQueue(queue: Queue): void {
    this.commit([{ t: 'dropQueue', name: queue.name }]);
    this.wake(queue.name);
  }

  purgeQueue(queue: Queue): void {
    const now = this.now();
    if (queue.purgedAt !== undefined && now - queue.purgedAt < 60_000)
      throw new SqsError(
        'PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`,
      );
    this.commit([{ t: 'purge', q: queue.name, at: now }]);
  }

  tagQueue(queue: Queue, tags: Record<string, string>): void {
    this.commit([this.queueEntry(queue, { tags: { ...queue.tags, ...tags } })]);
  }

  untagQueue(queue: Queue, keys: readonly string[]): void {
    const tags = { ...queue.tags };
    for (const key of keys) delete tags[key];
    this.commit([this.queueEntry(queue, { tags })]);
  }

  // ---- messages ----------------------------------------------------------------------------

  /** Validates a message (throws SqsError) and returns the journal entry that enqueues it, or a duplicate's result. */
  private prepareSend(
    queue: Queue,
    input: SendInput,
    senderId: string,
  ): { entry?: JournalEntry; result: SendResult } {
    const body = checkBody(input.body);
    const attributes = checkMessageAttributes(input.messageAttributes);
    const systemAttributes = systemAttributesOf(input.messageSystemAttributes);
    const maxSize = numericAttribute(queue, 'MaximumMessageSize');
    if (Buffer.byteLength(body) + attributesBytes(attributes) > maxSize)
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${maxSize} bytes.`,
      );
    const delay =
      input.delaySeconds === undefined || input.delaySeconds === null
        ? undefined
        : Number(input.delaySeconds);
    if (delay !== undefined && (!Number.isInteger(delay) || delay < 0 || delay > 900))
      throw invalidValue('DelaySeconds', input.delaySeconds, 'DelaySeconds must be >= 0 and <= 900.');
    const groupId = checkFifoId(input.messageGroupId, 'MessageGroupId');
    let deduplicationId = checkFifoId(input.messageDeduplicationId, 'MessageDeduplicationId');
    const now = this.now();
    const md5s = {
      MD5OfMessageBody: md5Hex(body),
      ...optional('MD5OfMessageAttributes', md5OfAttributes(attributes)),
      ...optional('MD5OfMessageSystemAttributes', md5OfAttributes(systemAttributes)),
    };
    let sequenceNumber: string | undefined;
    let dedupKey: string | undefined;
    if (queue.fifo) {
      if (delay !== undefined && delay !== 0)
        throw invalidValue(
          'DelaySeconds',
          delay,
          'The request include parameter that is not valid for this queue type.',
        );
      if (groupId === undefined) throw missingParameter('MessageGroupId');
      if (deduplicationId === undefined) {
        if (this.effectiveAttribute(queue, 'ContentBasedDeduplication') !== 'true')
          throw invalidParameter(
            'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
          );
        deduplicationId = createHash('sha256').update(body).digest('hex');
      }
      dedupKey =
        this.effectiveAttribute(queue, 'DeduplicationScope') === 'messageGroup'
          ? `${groupId}\u0000${deduplicationId}`
          : deduplicationId;
      const seen = queue.deduplication.get(dedupKey);
      // a duplicate within 5 minutes is accepted and not enqueued again
      if (seen && now - seen.at < DEDUPLICATION_WINDOW_MS)
        return { result: { MessageId: seen.messageId, ...md5s, SequenceNumber: seen.sequenceNumber } };
      sequenceNumber = (queue.lastSequence + 1n).toString().padStart(20, '0');
    } else if (deduplicationId !== undefined) {
      throw invalidValue(
        'MessageDeduplicationId',
        deduplicationId,
        'The request includes a parameter that is not valid for this queue type.',
      );
    }
    const message: StoredMessage = {
      id: randomUUID(),
      body,
      attributes,
      systemAttributes,
      sentAt: now,
      visibleAt: now + 1000 * (delay ?? numericAttribute(queue, 'DelaySeconds')),
      receiveCount: 0,
      ...optional('groupId', groupId),
      ...optional('deduplicationId', queue.fifo ? deduplicationId : undefined),
      ...optional('sequenceNumber', sequenceNumber),
      senderId,
    };
    return {
      entry: { t: 'send', q: queue.name, m: message, ...optional('dedupKey', dedupKey) },
      result: { MessageId: message.id, ...md5s, ...optional('SequenceNumber', sequenceNumber) },
    };
  }

  sendMessage(queue: Queue, input: SendInput, senderId = this.accountId): SendResult {
    const { entry, result } = this.prepareSend(queue, input, senderId);
    if (entry) this.commitSends(queue, [entry]);
    return result;
  }

  /** One journal write for the whole batch; failed entries are reported, not thrown. */
  sendMessageBatch(
    queue: Queue,
    entries: readonly (SendInput & { id: string })[],
    senderId = this.accountId,
  ): { successful: (SendResult & { Id: string })[]; failed: BatchFailure[] } {
    const successful: (SendResult & { Id: string })[] = [];
    const failed: BatchFailure[] = [];
    const journal: JournalEntry[] = [];
    for (const input of entries) {
      try {
        const { entry, result } = this.prepareSend(queue, input, senderId);
        if (entry) {
          // a later entry of the batch must see this one's sequence number and deduplication id
          applyEntry(this.queues, entry);
          journal.push(entry);
        }
        successful.push({ Id: input.id, ...result });
      } catch (err) {
        if (!(err instanceof SqsError)) throw err;
        failed.push(batchFailure(input.id, err));
      }
    }
    this.journal?.append(journal);
    this.afterSend(queue);
    return { successful, failed };
  }

  private commitSends(queue: Queue, entries: JournalEntry[]): void {
    this.commit(entries);
    this.afterSend(queue);
  }

  private afterSend(queue: Queue): void {
    this.wake(queue.name);
    for (const listener of this.sendListeners) listener(queue.name);
  }

  /** Receives at once (no waiting): the messages now receivable, up to the maximum, made in flight. */
  receiveNow(queue: Queue, input: ReceiveInput): ReceivedMessage[] {
    const max = input.maxNumberOfMessages ?? 1;
    const now = this.now();
    const visibility = input.visibilityTimeout ?? numericAttribute(queue, 'VisibilityTimeout');
    const entries: JournalEntry[] = this.expiredEntries(queue, now);
    const expired = new Set(entries.map((e) => (e as { id: string }).id));
    const redrive = redrivePolicyOf(queue);
    const deadLetter = redrive ? this.queueOfArn(redrive.deadLetterTargetArn) : undefined;
    const taken: StoredMessage[] = [];
    // FIFO: a group with a message in flight (or waiting behind a delay) gives nothing until it is done
    const blockedGroups = new Set<string>();
    if (queue.fifo)
      for (const message of queue.messages.values())
        if (message.visibleAt > now && message.groupId !== undefined) blockedGroups.add(message.groupId);
    for (const message of queue.messages.values()) {
      if (taken.length >= max) break;
      if (expired.has(message.id) || message.visibleAt > now) continue;
      if (queue.fifo && blockedGroups.has(message.groupId ?? '')) continue;
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        if (deadLetter) {
          // moved on the receive that would exceed maxReceiveCount, as SQS does
          entries.push({ t: 'delete', q: queue.name, id: message.id });
          entries.push({
            t: 'send',
            q: deadLetter.name,
            // the dead-letter queue counts its own receives (its own redrive policy starts from 0)
            m: {
              id: message.id,
              body: message.body,
              attributes: message.attributes,
              systemAttributes: message.systemAttributes,
              sentAt: message.sentAt,
              visibleAt: now,
              receiveCount: 0,
              ...optional('groupId', message.groupId),
              ...optional('deduplicationId', message.deduplicationId),
              ...optional('senderId', message.senderId),
              deadLetterSourceArn: this.queueArn(queue.name),
            },
          });
          continue;
        }
        this.log(`SQS queue ${queue.name}: dead-letter queue ${redrive.deadLetterTargetArn} does not exist`);
      }
      taken.push(message);
    }
    const received: ReceivedMessage[] = [];
    for (const message of taken) {
      const receipt = randomBytes(12).toString('hex');
      entries.push({
        t: 'receive',
        q: queue.name,
        id: message.id,
        receiveCount: message.receiveCount + 1,
        visibleAt: now + visibility * 1000,
        receipt,
        firstReceiveAt: message.firstReceiveAt ?? now,
      });
    }
    this.commit(entries);
    for (const message of taken) received.push(this.asReceived(queue, message, input));
    if (deadLetter && entries.some((e) => e.t === 'send')) this.afterSend(deadLetter);
    return received;
  }

  /** ReceiveMessage: waits up to WaitTimeSeconds (or the queue's ReceiveMessageWaitTimeSeconds) for a message. */
  async receiveMessage(queue: Queue, input: ReceiveInput, signal?: AbortSignal): Promise<ReceivedMessage[]> {
    const wait =
      input.waitMs ??
      1000 * (input.waitTimeSeconds ?? numericAttribute(queue, 'ReceiveMessageWaitTimeSeconds'));
    const deadline = this.now() + wait;
    for (;;) {
      if (!this.queues.has(queue.name)) throw queueDoesNotExist();
      const messages = this.receiveNow(queue, input);
      const remaining = deadline - this.now();
      if (messages.length > 0 || remaining <= 0 || this.stopped || signal?.aborted) return messages;
      await this.waitForChange(queue, Math.min(remaining, this.untilNextVisible(queue)), signal);
    }
  }

  private untilNextVisible(queue: Queue): number {
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const message of queue.messages.values())
      if (message.visibleAt > now) next = Math.min(next, message.visibleAt);
    return Math.max(1, next - now);
  }

  private waitForChange(queue: Queue, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(queue.name) ?? new Set();
      this.waiters.set(queue.name, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener('abort', done);
    });
  }

  private wake(queueName: string): void {
    for (const wake of [...(this.waiters.get(queueName) ?? [])]) wake();
  }

  private asReceived(queue: Queue, message: StoredMessage, input: ReceiveInput): ReceivedMessage {
    const current = queue.messages.get(message.id) ?? message;
    const system = this.systemAttributes(queue, current, input.attributeNames ?? []);
    const names = input.messageAttributeNames ?? [];
    const attributes = clientKeyed<MessageAttributeValue>();
    for (const [name, value] of Object.entries(current.attributes))
      if (attributeWanted(name, names)) attributes[name] = value;
    const md5 = md5OfAttributes(attributes);
    return {
      MessageId: current.id,
      ReceiptHandle: encodeReceipt(queue.name, current.id, current.receipt ?? ''),
      MD5OfBody: md5Hex(current.body),
      Body: current.body,
      ...(Object.keys(system).length > 0 ? { Attributes: system } : {}),
      ...(md5 ? { MD5OfMessageAttributes: md5, MessageAttributes: attributes } : {}),
    };
  }

  /** The system attributes of a message, as ReceiveMessage and Lambda's SQS events give them. */
  systemAttributes(queue: Queue, message: StoredMessage, names: readonly string[]): Record<string, string> {
    const all = names.includes('All');
    const out: Record<string, string> = {};
    const add = (name: string, value: string | undefined) => {
      if (value !== undefined && (all || names.includes(name))) out[name] = value;
    };
    add('SenderId', message.senderId ?? this.accountId);
    add('ApproximateFirstReceiveTimestamp', String(message.firstReceiveAt ?? this.now()));
    add('ApproximateReceiveCount', String(message.receiveCount));
    add('SentTimestamp', String(message.sentAt));
    add('AWSTraceHeader', message.systemAttributes.AWSTraceHeader?.StringValue);
    add('DeadLetterQueueSourceArn', message.deadLetterSourceArn);
    if (queue.fifo) {
      add('SequenceNumber', message.sequenceNumber);
      add('MessageDeduplicationId', message.deduplicationId);
      add('MessageGroupId', message.groupId);
    } else add('MessageGroupId', message.groupId);
    return out;
  }

  /** The message a receipt handle names, or the SQS error for a handle that is not one. */
  private resolveReceipt(queue: Queue, handle: unknown): { id: string; receipt: string } {
    if (typeof handle !== 'string' || handle === '') throw missingParameter('ReceiptHandle');
    const decoded = decodeReceipt(handle);
    if (!decoded || decoded.queue !== queue.name)
      throw new SqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${handle}" is not a valid receipt handle.`,
      );
    return decoded;
  }

  deleteMessage(queue: Queue, handle: unknown): void {
    this.commit(this.deleteEntries(queue, handle));
  }

  private deleteEntries(queue: Queue, handle: unknown): JournalEntry[] {
    const { id } = this.resolveReceipt(queue, handle);
    // deleting a message already gone succeeds, as on SQS
    return queue.messages.has(id) ? [{ t: 'delete', q: queue.name, id }] : [];
  }

  deleteMessageBatch(
    queue: Queue,
    entries: readonly { id: string; receiptHandle: unknown }[],
  ): { successful: { Id: string }[]; failed: BatchFailure[] } {
    const journal: JournalEntry[] = [];
    const successful: { Id: string }[] = [];
    const failed: BatchFailure[] = [];
    for (const entry of entries) {
      try {
        journal.push(...this.deleteEntries(queue, entry.receiptHandle));
        successful.push({ Id: entry.id });
      } catch (err) {
        if (!(err instanceof SqsError)) throw err;
        failed.push(batchFailure(entry.id, err));
      }
    }
    this.commit(journal);
    return { successful, failed };
  }

  private visibilityEntry(queue: Queue, handle: unknown, timeout: unknown): JournalEntry {
    const { id, receipt } = this.resolveReceipt(queue, handle);
    const seconds = Number(timeout);
    if (timeout === undefined || timeout === null) throw missingParameter('VisibilityTimeout');
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200)
      throw invalidValue('VisibilityTimeout', timeout, 'Must be >= 0 and <= 43200, if provided.');
    const message = queue.messages.get(id);
    const now = this.now();
    if (!message || message.receipt !== receipt || message.visibleAt <= now)
      throw invalidValue(
        'ReceiptHandle',
        handle,
        'Message does not exist or is not available for visibility timeout change.',
      );
    return { t: 'visibility', q: queue.name, id, visibleAt: now + seconds * 1000 };
  }

  changeMessageVisibility(queue: Queue, handle: unknown, timeout: unknown): void {
    this.commit([this.visibilityEntry(queue, handle, timeout)]);
    this.wake(queue.name);
  }

  changeMessageVisibilityBatch(
    queue: Queue,
    entries: readonly { id: string; receiptHandle: unknown; visibilityTimeout: unknown }[],
  ): { successful: { Id: string }[]; failed: BatchFailure[] } {
    const journal: JournalEntry[] = [];
    const successful: { Id: string }[] = [];
    const failed: BatchFailure[] = [];
    for (const entry of entries) {
      try {
        journal.push(this.visibilityEntry(queue, entry.receiptHandle, entry.visibilityTimeout));
        successful.push({ Id: entry.id });
      } catch (err) {
        if (!(err instanceof SqsError)) throw err;
        failed.push(batchFailure(entry.id, err));
      }
    }
    this.commit(journal);
    this.wake(queue.name);
    return { successful, failed };
  }

  /** Messages past MessageRetentionPeriod are dropped (journaled as deletes by the caller's commit). */
  private expiredEntries(queue: Queue, now: number): JournalEntry[] {
    const retention = numericAttribute(queue, 'MessageRetentionPeriod') * 1000;
    const entries: JournalEntry[] = [];
    for (const message of queue.messages.values())
      if (message.sentAt + retention <= now) entries.push({ t: 'delete', q: queue.name, id: message.id });
    return entries;
  }

  private expire(queue: Queue): void {
    const entries = this.expiredEntries(queue, this.now());
    if (entries.length > 0) this.commit(entries);
  }

  /** Messages that could be received now (event source mappings use it to tell idle from busy). */
  receivableCount(queue: Queue): number {
    const now = this.now();
    let count = 0;
    const blocked = new Set<string>();
    if (queue.fifo)
      for (const m of queue.messages.values()) if (m.visibleAt > now && m.groupId) blocked.add(m.groupId);
    for (const m of queue.messages.values())
      if (m.visibleAt <= now && !(queue.fifo && blocked.has(m.groupId ?? ''))) count++;
    return count;
  }

  stop(): void {
    this.stopped = true;
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
    this.journal?.close();
  }
}

export interface BatchFailure {
  readonly Id: string;
  readonly SenderFault: boolean;
  readonly Code: string;
  readonly Message: string;
}

function batchFailure(id: string, err: SqsError): BatchFailure {
  return { Id: id, SenderFault: err.fault === 'Sender', Code: err.queryCode, Message: err.message };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function systemAttributesOf(raw: unknown): Record<string, MessageAttributeValue> {
  if (raw === undefined || raw === null) return {};
  const entries = Object.entries(raw as Record<string, { DataType?: string; StringValue?: string }>);
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of entries) {
    if (name !== 'AWSTraceHeader')
      throw invalidParameter(`Message system attribute name '${name}' is invalid.`);
    if (value?.DataType !== 'String' || typeof value.StringValue !== 'string' || value.StringValue === '')
      throw invalidParameter(
        "Message system attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'.",
      );
    out[name] = { DataType: 'String', StringValue: value.StringValue };
  }
  return out;
}

function attributeWanted(name: string, wanted: readonly string[]): boolean {
  return wanted.some(
    (pattern) =>
      pattern === 'All' ||
      pattern === '.*' ||
      pattern === name ||
      (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
  );
}

function isKnownQueueAttribute(name: string): boolean {
  return [
    'Policy',
    'RedrivePolicy',
    'RedriveAllowPolicy',
    'KmsMasterKeyId',
    'KmsDataKeyReusePeriodSeconds',
    'FifoQueue',
    'ContentBasedDeduplication',
    'DeduplicationScope',
    'FifoThroughputLimit',
    'SqsManagedSseEnabled',
  ].includes(name);
}

export { SYSTEM_ATTRIBUTE_NAMES };

/** Receipt handles name the queue, the message and the receive (base64, opaque to clients). */
export function encodeReceipt(queue: string, id: string, receipt: string): string {
  return Buffer.from(`${queue}\n${id}\n${receipt}`, 'utf8').toString('base64');
}

export function decodeReceipt(handle: string): { queue: string; id: string; receipt: string } | undefined {
  if (!/^[A-Za-z0-9+/]+=*$/.test(handle)) return undefined;
  const parts = Buffer.from(handle, 'base64').toString('utf8').split('\n');
  if (parts.length !== 3 || !parts[0] || !parts[1]) return undefined;
  return { queue: parts[0], id: parts[1], receipt: parts[2] ?? '' };
}
