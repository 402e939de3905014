import type { DynamoDBRecord } from 'aws-lambda';
import type { OutboxAlert } from './items.ts';
import { toOutboxAlert } from './items.ts';
import { type AlertMessage, alertMessage } from './message.ts';
import { fromImage } from './stream-image.ts';

/**
 * The outbox publisher's logic: for each new outbox row on the alerts table's stream, publish its
 * message, then mark the row published (conditioned on it still being pending).
 *
 * Delivery is at least once, never less. The row is re-read (consistently) just before publishing,
 * so a replayed stream record of an already published alert is skipped. The one window left is a
 * crash between Publish and the mark: the retry publishes again. Both copies carry the same alert id
 * (in the body and as the `alert_id` message attribute), so a reader can drop the second. Marking
 * first instead would close that window by opening a worse one: a crash after the mark loses the alert.
 */
export interface PublisherPorts {
  /** The row as it is now (consistent read); undefined when it is gone. */
  current(alert: OutboxAlert): Promise<OutboxAlert | undefined>;
  publish(message: AlertMessage): Promise<string>;
  /** Marks the row published; false when it was not pending any more (another publisher got there). */
  markPublished(alert: OutboxAlert, messageId: string, atMs: number): Promise<boolean>;
  now(): number;
}

export interface PublishReport {
  readonly published: string[];
  readonly skipped: string[];
  /** Records to retry (ReportBatchItemFailures): the stream's sequence numbers. */
  readonly batchItemFailures: { itemIdentifier: string }[];
  readonly errors: { alertId: string; error: string }[];
}

/** The outbox row a stream record announces, when it is a new pending one. */
export function pendingAlertOf(record: DynamoDBRecord): OutboxAlert | undefined {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;
  const image = record.dynamodb?.NewImage;
  if (!image) return undefined;
  const alert = toOutboxAlert(fromImage(image as Record<string, unknown>));
  return alert?.state === 'pending' ? alert : undefined;
}

export async function publishOutboxRecords(
  records: readonly DynamoDBRecord[],
  ports: PublisherPorts,
  plotApiUrl: string | undefined,
): Promise<PublishReport> {
  const report: PublishReport = { published: [], skipped: [], batchItemFailures: [], errors: [] };
  for (const record of records) {
    let alert: OutboxAlert | undefined;
    try {
      alert = pendingAlertOf(record);
      if (!alert) continue;
      const now = await ports.current(alert);
      if (now?.state !== 'pending') {
        report.skipped.push(alert.alertId);
        continue;
      }
      const messageId = await ports.publish(alertMessage(now, plotApiUrl));
      await ports.markPublished(now, messageId, ports.now());
      report.published.push(now.alertId);
    } catch (err) {
      // this record alone is retried; the others of the batch are not held up by it
      const id = record.dynamodb?.SequenceNumber;
      if (id) report.batchItemFailures.push({ itemIdentifier: id });
      report.errors.push({ alertId: alert?.alertId ?? '?', error: (err as Error).message });
    }
  }
  return report;
}
