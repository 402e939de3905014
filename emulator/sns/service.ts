import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type DeliveryContext, deliverToSubscription, postConfirmation } from './delivery.ts';
import {
  type FilterPolicy,
  FilterPolicyError,
  type FilterPolicyScope,
  matchesFilterPolicy,
  parseFilterPolicy,
} from './filter-policy.ts';
import { messageFor, type PublishedAttribute, type PublishedMessage } from './messages.ts';
import type { SnsSubscription, SnsTopic } from './model.ts';
import { invalidParameter, notFound } from './query-protocol.ts';
import { DEFAULT_DELIVERY_POLICY, defaultTopicPolicy } from './topic-defaults.ts';
import {
  checkAttributes,
  checkEndpoint,
  checkJsonStructure,
  checkProtocol,
  hasControlCharacter,
  messageBytes,
} from './validation.ts';

/**
 * The embedded SNS: topics and subscriptions (the template's are created through the API, like
 * anyone's), Publish, and delivery to the subscribed functions, HTTP(S) endpoints and
 * the email outbox. Delivery happens after Publish has answered, like SNS; `whenDrained` waits for it.
 * State lives in memory: the template's topics and subscriptions are made again at each start.
 */
export interface SnsServiceOptions {
  readonly region: string;
  readonly accountId: string;
  readonly partition?: string;
  /** The email outbox lives in `<stateDir>/sns/outbox`. */
  readonly stateDir: string;
  /** Async invocation of a subscribed function; resolves after its last attempt. */
  readonly invokeFunction: (functionArn: string, event: unknown) => Promise<void>;
  /** Delays before the retries of a failed HTTP(S) delivery. Default [200, 400, 800] (SNS: 3 retries). */
  readonly httpRetryDelaysMs?: readonly number[];
  /** Enqueues an `sqs` subscription's message on the embedded SQS. */
  readonly sendToQueue?: DeliveryContext['sendToQueue'];
  readonly log?: (line: string) => void;
}

const SUBSCRIPTION_ATTRIBUTES = new Set([
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
]);
const TOPIC_ATTRIBUTES = new Set([
  'DisplayName',
  'Policy',
  'DeliveryPolicy',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
  'ContentBasedDeduplication',
  'FifoTopic',
  'ArchivePolicy',
  'FifoThroughputScope',
  'DataProtectionPolicy',
]);
const TOPIC_ARN = /^arn:[^:]+:sns:[^:]+:\d{12}:[A-Za-z0-9_.-]+$/;
const SUBSCRIPTION_ARN = /^arn:[^:]+:sns:[^:]+:\d{12}:[A-Za-z0-9_.-]+:[0-9a-f-]{36}$/;
const RAW_DELIVERY_PROTOCOLS = new Set(['http', 'https', 'sqs', 'firehose']);
const MAX_MESSAGE_BYTES = 262_144;
const DEDUPLICATION_WINDOW_MS = 5 * 60_000;

export interface PublishInput {
  readonly topicArn?: string;
  readonly targetArn?: string;
  readonly phoneNumber?: string;
  readonly message?: string;
  readonly subject?: string;
  readonly messageStructure?: string;
  readonly attributes?: Readonly<Record<string, PublishedAttribute>>;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
}

export class SnsService {
  private readonly options: SnsServiceOptions;
  private readonly urls: { endpoint: string } = { endpoint: 'http://127.0.0.1' };
  private readonly policies = new Map<string, FilterPolicy>();
  private readonly deduplication = new Map<
    string,
    { at: number; messageId: string; sequenceNumber: string }
  >();
  private sequence = 0n;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private stopped = false;

  constructor(options: SnsServiceOptions) {
    this.options = options;
  }

  /** The server's URL, for the SubscribeURL/UnsubscribeURL in messages; set once it listens. */
  setEndpoint(endpoint: string): void {
    this.urls.endpoint = endpoint;
  }

  /** Topics by ARN, subscriptions by subscription ARN. */
  private readonly state = {
    topics: new Map<string, SnsTopic>(),
    subscriptions: new Map<string, SnsSubscription>(),
  };

  topicArn(name: string): string {
    return `arn:${this.options.partition ?? 'aws'}:sns:${this.options.region}:${this.options.accountId}:${name}`;
  }

  // ---- topics ------------------------------------------------------------------------------

  createTopic(
    name: string,
    attributes: Record<string, string> = {},
    tags: Record<string, string> = {},
  ): SnsTopic {
    const fifo = attributes.FifoTopic === 'true';
    if (fifo && !/^[A-Za-z0-9_-]{1,251}\.fifo$/.test(name))
      throw invalidParameter(
        'Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
      );
    if (!fifo && !/^[A-Za-z0-9_-]{1,256}$/.test(name))
      throw invalidParameter('Invalid parameter: Topic Name');
    for (const key of Object.keys(attributes)) {
      if (!TOPIC_ATTRIBUTES.has(key))
        throw invalidParameter(`Invalid parameter: Attributes Reason: Unknown attribute ${key}`);
    }
    if (!fifo && attributes.ContentBasedDeduplication === 'true')
      throw invalidParameter(
        'Invalid parameter: Attributes Reason: ContentBasedDeduplication can only be set for FIFO topics',
      );
    const arn = this.topicArn(name);
    const existing = this.state.topics.get(arn);
    if (existing) {
      const differs = Object.entries(attributes).some(
        ([key, value]) => (existing.attributes[key] ?? '') !== value,
      );
      if (differs)
        throw invalidParameter(
          'Invalid parameter: Attributes Reason: Topic already exists with different attributes',
        );
      return existing;
    }
    const topic: SnsTopic = { arn, name, fifo, attributes: { ...attributes }, tags: { ...tags } };
    this.state.topics.set(arn, topic);
    return topic;
  }

  requireTopic(arn: string | undefined): SnsTopic {
    const topic = arn === undefined ? undefined : this.state.topics.get(arn);
    if (topic) return topic;
    if (arn === undefined || !TOPIC_ARN.test(arn)) throw invalidParameter('Invalid parameter: TopicArn');
    throw notFound('Topic does not exist');
  }

  deleteTopic(arn: string): void {
    // SNS: deleting a topic that does not exist is not an error
    this.state.topics.delete(arn);
    for (const subscription of [...this.state.subscriptions.values()]) {
      if (subscription.topicArn === arn) this.state.subscriptions.delete(subscription.arn);
    }
  }

  listTopics(): SnsTopic[] {
    return [...this.state.topics.values()].sort((a, b) => (a.arn < b.arn ? -1 : 1));
  }

  topicAttributes(arn: string): Record<string, string> {
    const topic = this.requireTopic(arn);
    const subscriptions = this.subscriptionsOf(arn);
    return {
      TopicArn: topic.arn,
      Owner: this.options.accountId,
      DisplayName: '',
      Policy: JSON.stringify(defaultTopicPolicy(topic.arn, this.options.accountId)),
      EffectiveDeliveryPolicy: JSON.stringify(DEFAULT_DELIVERY_POLICY),
      ...(topic.fifo ? { FifoTopic: 'true', ContentBasedDeduplication: 'false' } : {}),
      ...topic.attributes,
      SubscriptionsConfirmed: String(subscriptions.filter((s) => !s.pendingConfirmation).length),
      SubscriptionsPending: String(subscriptions.filter((s) => s.pendingConfirmation).length),
      SubscriptionsDeleted: '0',
    };
  }

  setTopicAttribute(arn: string, name: string, value: string): void {
    const topic = this.requireTopic(arn);
    if (!TOPIC_ATTRIBUTES.has(name) || name === 'FifoTopic')
      throw invalidParameter(`Invalid parameter: AttributeName`);
    if (name === 'ContentBasedDeduplication' && !topic.fifo)
      throw invalidParameter(
        'Invalid parameter: ContentBasedDeduplication Reason: ContentBasedDeduplication can only be set for FIFO topics',
      );
    topic.attributes[name] = value;
  }

  // ---- subscriptions -----------------------------------------------------------------------

  /**
   * Subscribes an endpoint. Lambda and email subscriptions are confirmed at once (no one could click
   * an email's link here); http/https ones get a SubscriptionConfirmation POST and stay pending until
   * the endpoint confirms (ConfirmSubscription, or a GET of its SubscribeURL), as on AWS.
   */
  subscribe(
    topicArn: string,
    protocol: string,
    endpoint: string | undefined,
    attributes: Record<string, string> = {},
  ): SnsSubscription {
    const topic = this.requireTopic(topicArn);
    const reasonPrefix = 'Invalid parameter: Attributes Reason: ';
    checkProtocol(protocol, topic);
    if (endpoint === undefined || endpoint === '') throw invalidParameter('Invalid parameter: Endpoint');
    checkEndpoint(protocol, endpoint);
    this.checkSubscriptionAttributes(protocol, attributes, reasonPrefix);
    const existing = [...this.state.subscriptions.values()].find(
      (s) => s.topicArn === topicArn && s.protocol === protocol && s.endpoint === endpoint,
    );
    if (existing) {
      const differs = Object.entries(attributes).some(
        ([key, value]) => (existing.attributes[key] ?? '') !== value,
      );
      if (differs)
        throw invalidParameter(`${reasonPrefix}Subscription already exists with different attributes`);
      return existing;
    }
    const id = randomUUID();
    const http = protocol === 'http' || protocol === 'https';
    const subscription: SnsSubscription = {
      arn: `${topicArn}:${id}`,
      topicArn,
      protocol,
      endpoint,
      attributes: { ...attributes },
      pendingConfirmation: http,
      ...(http ? { confirmationToken: randomBytes(64).toString('hex') } : {}),
    };
    this.state.subscriptions.set(subscription.arn, subscription);
    if (http) this.sendConfirmation(subscription);
    return subscription;
  }

  confirmSubscription(topicArn: string, token: string): SnsSubscription {
    this.requireTopic(topicArn);
    const subscription = [...this.state.subscriptions.values()].find(
      (s) => s.topicArn === topicArn && s.confirmationToken === token,
    );
    if (!subscription) throw invalidParameter('Invalid parameter: Token');
    subscription.pendingConfirmation = false;
    return subscription;
  }

  unsubscribe(arn: string): void {
    this.requireSubscription(arn);
    this.state.subscriptions.delete(arn);
  }

  listSubscriptions(topicArn?: string): SnsSubscription[] {
    if (topicArn !== undefined) this.requireTopic(topicArn);
    return [...this.state.subscriptions.values()].filter(
      (s) => topicArn === undefined || s.topicArn === topicArn,
    );
  }

  private subscriptionsOf(topicArn: string): SnsSubscription[] {
    return [...this.state.subscriptions.values()].filter((s) => s.topicArn === topicArn);
  }

  requireSubscription(arn: string): SnsSubscription {
    const subscription = this.state.subscriptions.get(arn);
    if (subscription) return subscription;
    if (!SUBSCRIPTION_ARN.test(arn)) throw invalidParameter('Invalid parameter: SubscriptionArn');
    throw notFound('Subscription does not exist');
  }

  subscriptionAttributes(arn: string): Record<string, string> {
    const s = this.requireSubscription(arn);
    return {
      SubscriptionArn: s.arn,
      TopicArn: s.topicArn,
      Protocol: s.protocol,
      Endpoint: s.endpoint,
      Owner: this.options.accountId,
      ConfirmationWasAuthenticated: 'true',
      PendingConfirmation: String(s.pendingConfirmation),
      RawMessageDelivery: 'false',
      ...(s.attributes.FilterPolicy ? { FilterPolicyScope: 'MessageAttributes' } : {}),
      ...s.attributes,
    };
  }

  setSubscriptionAttribute(arn: string, name: string, value: string): void {
    const subscription = this.requireSubscription(arn);
    this.checkSubscriptionAttributes(
      subscription.protocol,
      { ...subscription.attributes, [name]: value },
      'Invalid parameter: ',
      name,
    );
    if (value === '' && (name === 'FilterPolicy' || name === 'FilterPolicyScope'))
      delete subscription.attributes[name];
    else subscription.attributes[name] = value;
  }

  private checkSubscriptionAttributes(
    protocol: string,
    attributes: Record<string, string>,
    prefix: string,
    only?: string,
  ): void {
    for (const [name, value] of Object.entries(attributes)) {
      if (only !== undefined && name !== only) continue;
      if (!SUBSCRIPTION_ATTRIBUTES.has(name)) throw invalidParameter(`${prefix}AttributeName`);
      if (name === 'RawMessageDelivery') {
        if (!['true', 'false'].includes(value.toLowerCase()))
          throw invalidParameter(
            `${prefix}RawMessageDelivery: Invalid value [${value}]. Must be true or false.`,
          );
        if (value.toLowerCase() === 'true' && !RAW_DELIVERY_PROTOCOLS.has(protocol))
          throw invalidParameter(
            `${prefix}Delivery protocol [${protocol}] does not support raw message delivery.`,
          );
      }
      if (name === 'FilterPolicyScope' && !['MessageAttributes', 'MessageBody', ''].includes(value))
        throw invalidParameter(
          `${prefix}FilterPolicyScope: Invalid filter policy scope, please specify a value of MessageAttributes or MessageBody.`,
        );
    }
    const policy = attributes.FilterPolicy;
    if (policy && (only === undefined || only === 'FilterPolicy' || only === 'FilterPolicyScope')) {
      try {
        this.policyFor(policy, scopeOf(attributes));
      } catch (err) {
        if (err instanceof FilterPolicyError) throw invalidParameter(`${prefix}FilterPolicy: ${err.message}`);
        throw err;
      }
    }
  }

  private policyFor(json: string, scope: FilterPolicyScope): FilterPolicy {
    const key = `${scope}\u0000${json}`;
    let policy = this.policies.get(key);
    if (!policy) {
      policy = parseFilterPolicy(json, scope);
      this.policies.set(key, policy);
    }
    return policy;
  }

  // ---- publish -----------------------------------------------------------------------------

  /** Validates and accepts a message; delivery follows asynchronously. */
  publish(input: PublishInput): { messageId: string; sequenceNumber?: string } {
    if (input.phoneNumber !== undefined)
      throw invalidParameter('Invalid parameter: PhoneNumber Reason: SMS is not in the embedded cloud');
    const arn = input.topicArn ?? input.targetArn;
    if (arn === undefined)
      throw invalidParameter(
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      );
    if (input.topicArn === undefined && !this.state.topics.has(arn))
      throw invalidParameter(
        'Invalid parameter: TargetArn Reason: platform endpoints are not in the embedded cloud',
      );
    const topic = this.requireTopic(arn);
    const message = input.message;
    if (message === undefined || message === '') throw invalidParameter('Invalid parameter: Empty message');
    const attributes = input.attributes ?? {};
    checkAttributes(attributes);
    if (messageBytes(message, attributes) > MAX_MESSAGE_BYTES)
      throw invalidParameter('Invalid parameter: Message too long');
    if (
      input.subject !== undefined &&
      (input.subject.length === 0 || input.subject.length > 100 || hasControlCharacter(input.subject))
    )
      throw invalidParameter('Invalid parameter: Subject');
    if (input.messageStructure !== undefined) checkJsonStructure(input.messageStructure, message);

    let sequenceNumber: string | undefined;
    if (topic.fifo) {
      if (input.messageGroupId === undefined)
        throw invalidParameter('Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
      const contentBased = topic.attributes.ContentBasedDeduplication === 'true';
      if (input.messageDeduplicationId === undefined && !contentBased)
        throw invalidParameter(
          'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      const dedupId = input.messageDeduplicationId ?? createHash('sha256').update(message).digest('hex');
      const key = `${topic.arn}\u0000${dedupId}`;
      const now = Date.now();
      for (const [k, seen] of this.deduplication)
        if (now - seen.at > DEDUPLICATION_WINDOW_MS) this.deduplication.delete(k);
      const seen = this.deduplication.get(key);
      // a duplicate within 5 minutes is accepted and not delivered again
      if (seen) return { messageId: seen.messageId, sequenceNumber: seen.sequenceNumber };
      this.sequence += 1n;
      sequenceNumber = this.sequence.toString().padStart(20, '0');
      const messageId = randomUUID();
      this.deduplication.set(key, { at: now, messageId, sequenceNumber });
      this.deliver(topic, { ...this.published(topic, input, attributes, messageId), sequenceNumber });
      return { messageId, sequenceNumber };
    }
    if (input.messageDeduplicationId !== undefined)
      throw invalidParameter(
        'Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type',
      );
    const messageId = randomUUID();
    this.deliver(topic, this.published(topic, input, attributes, messageId));
    return { messageId };
  }

  private published(
    topic: SnsTopic,
    input: PublishInput,
    attributes: Readonly<Record<string, PublishedAttribute>>,
    messageId: string,
  ): PublishedMessage {
    return {
      messageId,
      topicArn: topic.arn,
      message: input.message ?? '',
      ...(input.subject !== undefined ? { subject: input.subject } : {}),
      ...(input.messageStructure !== undefined ? { messageStructure: input.messageStructure } : {}),
      attributes,
      timestamp: new Date().toISOString(),
      ...(input.messageGroupId !== undefined ? { messageGroupId: input.messageGroupId } : {}),
    };
  }

  /** Fans a message out to the topic's confirmed subscriptions whose filter policy it passes. */
  private deliver(topic: SnsTopic, message: PublishedMessage): void {
    for (const subscription of this.subscriptionsOf(topic.arn)) {
      if (subscription.pendingConfirmation) continue;
      const json = subscription.attributes.FilterPolicy;
      if (json) {
        const policy = this.policyFor(json, scopeOf(subscription.attributes));
        const body = messageFor(message, subscription.protocol);
        if (!matchesFilterPolicy(policy, { attributes: message.attributes, body })) continue;
      }
      this.track(
        () => deliverToSubscription(topic, subscription, message, this.deliveryContext()),
        `${subscription.protocol} ${subscription.endpoint}`,
      );
    }
  }

  private sendConfirmation(subscription: SnsSubscription): void {
    this.track(
      () => postConfirmation(subscription, this.deliveryContext()),
      `${subscription.endpoint} (SubscriptionConfirmation)`,
    );
  }

  private deliveryContext(): DeliveryContext {
    return {
      urls: this.urls,
      stateDir: this.options.stateDir,
      invokeFunction: this.options.invokeFunction,
      httpRetryDelaysMs: this.options.httpRetryDelaysMs ?? [200, 400, 800],
      ...(this.options.sendToQueue ? { sendToQueue: this.options.sendToQueue } : {}),
    };
  }

  private track(work: () => Promise<void>, what: string): void {
    this.inFlight++;
    // delivery starts after the request that caused it has been answered, as on SNS
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(work);
    run
      .catch((err: Error) => {
        if (!this.stopped) this.options.log?.(`SNS delivery to ${what} failed: ${err.message}`);
      })
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) for (const wake of this.waiters.splice(0)) wake();
      });
  }

  /** Deliveries (function invocations included) started and not finished yet. */
  pending(): number {
    return this.inFlight;
  }

  /** Resolves when every delivery started so far has finished (or given up). */
  async whenDrained(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((wake) => this.waiters.push(wake));
  }

  stop(): void {
    this.stopped = true;
  }
}

function scopeOf(attributes: Record<string, string>): FilterPolicyScope {
  return attributes.FilterPolicyScope === 'MessageBody' ? 'MessageBody' : 'MessageAttributes';
}
