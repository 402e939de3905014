import type { CloudModel, LambdaNotification } from '../cloudformation/cloud-model.ts';
import type { AsyncInvoker } from '../lambda/async-invoker.ts';
import { decodeEventKey, type S3EventRecord } from './event-records.ts';

/**
 * Delivers the embedded S3's event records to the functions a bucket's NotificationConfiguration
 * subscribes, as S3 does: one record per invocation (`{ Records: [record] }`), asynchronously.
 */

/**
 * Whether a notification's event (`s3:ObjectCreated:*`, exact names) and key filters match a record. Pure.
 * `filtersMatchEncodedKey`: match the filters against the key as written in the record (LocalStack does).
 */
export function matchesNotification(
  notification: Pick<LambdaNotification, 'bucket' | 'event' | 'prefix' | 'suffix'>,
  record: S3EventRecord,
  filtersMatchEncodedKey = false,
): boolean {
  if (notification.bucket !== record.s3.bucket.name) return false;
  const pattern = notification.event.replace(/^s3:/, '');
  const name = record.eventName;
  const eventMatches = pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
  if (!eventMatches) return false;
  // S3 applies filters to the object's key, not to its URL-encoded form in the record (LocalStack: the reverse)
  let key = record.s3.object.key;
  if (!filtersMatchEncodedKey) {
    try {
      key = decodeEventKey(record.s3.object.key);
    } catch {
      // not valid percent-encoding: match on what was sent
    }
  }
  if (notification.prefix !== undefined && !key.startsWith(notification.prefix)) return false;
  if (notification.suffix !== undefined && !key.endsWith(notification.suffix)) return false;
  return true;
}

export interface EventSource {
  onEvent(listener: (record: S3EventRecord) => void): () => void;
}

export class EventRouter {
  private readonly model: CloudModel;
  private readonly invoker: AsyncInvoker;
  private readonly log: (line: string) => void;
  private readonly warned = new Set<string>();
  private readonly filtersMatchEncodedKey: boolean;

  constructor(
    model: CloudModel,
    invoker: AsyncInvoker,
    log: (line: string) => void = () => {},
    options: { filtersMatchEncodedKey?: boolean } = {},
  ) {
    this.model = model;
    this.invoker = invoker;
    this.log = log;
    this.filtersMatchEncodedKey = options.filtersMatchEncodedKey ?? false;
  }

  /** Starts routing the source's events; returns the unsubscribe function. */
  attach(source: EventSource): () => void {
    return source.onEvent((record) => this.route(record));
  }

  /** Queues one invocation per subscribed function (a function subscribed twice gets the record once). */
  route(record: S3EventRecord): void {
    const delivered = new Set<string>();
    for (const notification of this.model.notifications.get(record.s3.bucket.name) ?? []) {
      if (
        delivered.has(notification.functionArn) ||
        !matchesNotification(notification, record, this.filtersMatchEncodedKey)
      )
        continue;
      delivered.add(notification.functionArn);
      const spec = this.model.findFunction(notification.functionArn);
      if (!spec) {
        if (!this.warned.has(notification.functionArn)) {
          this.warned.add(notification.functionArn);
          this.log(
            `bucket ${notification.bucket} notifies ${notification.functionArn}, which is not a function here`,
          );
        }
        continue;
      }
      const delivery: S3EventRecord = notification.id
        ? { ...record, s3: { ...record.s3, configurationId: notification.id } }
        : record;
      void this.invoker.enqueue(spec, { Records: [delivery] });
    }
  }

  whenIdle(settleMs?: number): Promise<void> {
    return this.invoker.whenIdle(settleMs);
  }
}

/**
 * A bucket's QueueConfiguration or TopicConfiguration: S3 sends `{ Records: [record] }` as an SQS
 * message or SNS notification (subject "Amazon S3 Notification"), and an `s3:TestEvent` message when
 * the configuration is applied. Kept per cloud model, beside its Lambda notifications.
 */
export interface DestinationNotification {
  readonly bucket: string;
  readonly id?: string;
  readonly event: string;
  readonly kind: 'queue' | 'topic';
  readonly arn: string;
  readonly prefix?: string;
  readonly suffix?: string;
}

const destinations = new WeakMap<CloudModel, Map<string, DestinationNotification[]>>();

/** The queue and topic notifications of every bucket, by bucket name. */
export function destinationsOf(model: CloudModel): ReadonlyMap<string, readonly DestinationNotification[]> {
  return destinations.get(model) ?? new Map();
}

/** Sets a bucket's queue and topic notifications (`replace` false: adds to them). */
export function setDestinations(
  model: CloudModel,
  bucket: string,
  list: readonly DestinationNotification[],
  replace = true,
): void {
  const byBucket = destinations.get(model) ?? new Map<string, DestinationNotification[]>();
  destinations.set(model, byBucket);
  byBucket.set(bucket, [...(replace ? [] : (byBucket.get(bucket) ?? [])), ...list]);
}

type FilterRule = { Name?: unknown; Value?: unknown };
function keyRule(rules: FilterRule[] | undefined, name: string): string | undefined {
  const found = rules?.find((rule) => String(rule.Name).toLowerCase() === name);
  return found === undefined ? undefined : String(found.Value);
}

/**
 * Queue and topic notifications from a bucket's NotificationConfiguration: the CloudFormation shape
 * (`QueueConfigurations: [{ Event, Queue, Filter: { S3Key: { Rules } } }]`, format `template`) or
 * the API's, as CDK's Custom::S3BucketNotifications carries it (`[{ Events, QueueArn, Filter: { Key:
 * { FilterRules } } }]`, format `api`). Pure; fails naming the field.
 */
export function destinationsFrom(
  config: Record<string, unknown>,
  bucket: string,
  format: 'template' | 'api',
  where: string,
): DestinationNotification[] {
  const out: DestinationNotification[] = [];
  for (const kind of ['queue', 'topic'] as const) {
    const field = kind === 'queue' ? 'QueueConfigurations' : 'TopicConfigurations';
    const value = config[field];
    if (value === undefined) continue;
    if (!Array.isArray(value)) throw new Error(`${where}: NotificationConfiguration.${field} must be a list`);
    value.forEach((entry: Record<string, unknown>, index) => {
      const at = `${where}: NotificationConfiguration.${field}[${index}]`;
      const arnField =
        format === 'template'
          ? kind === 'queue'
            ? 'Queue'
            : 'Topic'
          : kind === 'queue'
            ? 'QueueArn'
            : 'TopicArn';
      const arn = entry[arnField];
      if (typeof arn !== 'string') throw new Error(`${at}.${arnField} must be an ARN`);
      const events = format === 'template' ? [entry.Event] : entry.Events;
      if (!Array.isArray(events) || events.length === 0 || events.some((e) => typeof e !== 'string'))
        throw new Error(`${at}.${format === 'template' ? 'Event' : 'Events'} is missing`);
      const filter = entry.Filter as
        | { S3Key?: { Rules?: FilterRule[] }; Key?: { FilterRules?: FilterRule[] } }
        | undefined;
      const rules = format === 'template' ? filter?.S3Key?.Rules : filter?.Key?.FilterRules;
      const prefix = keyRule(rules, 'prefix');
      const suffix = keyRule(rules, 'suffix');
      for (const event of events as string[])
        out.push({
          bucket,
          event,
          kind,
          arn,
          ...(typeof entry.Id === 'string' ? { id: entry.Id } : {}),
          ...(prefix !== undefined ? { prefix } : {}),
          ...(suffix !== undefined ? { suffix } : {}),
        });
    });
  }
  return out;
}

/** The message S3 sends to a queue or topic when a notification configuration is applied. Pure. */
export function s3TestEvent(bucket: string, time: Date, requestId: string): string {
  return JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: time.toISOString(),
    Bucket: bucket,
    RequestId: requestId,
    HostId: Buffer.from(`embedded-s3-${requestId}`).toString('base64'),
  });
}

/** Routes records to the queues and topics of the buckets' notifications, one message per record and destination. */
export class DestinationRouter {
  private readonly model: CloudModel;
  private readonly send: (destination: DestinationNotification, body: string) => void;
  private readonly filtersMatchEncodedKey: boolean;

  constructor(
    model: CloudModel,
    send: (destination: DestinationNotification, body: string) => void,
    options: { filtersMatchEncodedKey?: boolean } = {},
  ) {
    this.model = model;
    this.send = send;
    this.filtersMatchEncodedKey = options.filtersMatchEncodedKey ?? false;
  }

  attach(source: EventSource): () => void {
    return source.onEvent((record) => this.route(record));
  }

  route(record: S3EventRecord): void {
    const delivered = new Set<string>();
    for (const destination of destinationsOf(this.model).get(record.s3.bucket.name) ?? []) {
      if (
        delivered.has(destination.arn) ||
        !matchesNotification(destination, record, this.filtersMatchEncodedKey)
      )
        continue;
      delivered.add(destination.arn);
      const delivery: S3EventRecord = destination.id
        ? { ...record, s3: { ...record.s3, configurationId: destination.id } }
        : record;
      this.send(destination, JSON.stringify({ Records: [delivery] }));
    }
  }
}
