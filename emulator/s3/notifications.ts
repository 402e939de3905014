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
  notification: LambdaNotification,
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
