import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { outboxSortKey, toOutboxAlert } from './alerts/items.ts';
import { publishOutboxRecords } from './alerts/publisher.ts';
import { ALERT_ENV, ALERTS } from './alerts/schema.ts';
import { documentClient } from './shared/clients.ts';
import { requireEnv } from './shared/env.ts';
import { flushMetrics, observability } from './shared/observability.ts';

const { logger, metrics } = observability('alerts-publisher');
const table = requireEnv(ALERT_ENV.alertsTable);
const topicArn = requireEnv(ALERT_ENV.topicArn);
const plotApiUrl = process.env[ALERT_ENV.plotApiUrl] || undefined;
const db = documentClient();
// endpoint from the standard settings (AWS_ENDPOINT_URL_SNS locally)
const sns = new SNSClient({});

/**
 * Alerts table stream -> SNS: each new outbox row becomes one message on the alerts topic, then is
 * marked published. Replies with the records to retry (ReportBatchItemFailures).
 */
export async function handler(
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  logger.addContext(context);
  try {
    const report = await publishOutboxRecords(
      event.Records ?? [],
      {
        async current(alert) {
          const out = await db.send(
            new GetCommand({
              TableName: table,
              Key: {
                [ALERTS.partitionKey]: alert.bucket,
                [ALERTS.sortKey]: outboxSortKey(alert.revision, alert.metric),
              },
              ConsistentRead: true,
            }),
          );
          return out.Item ? toOutboxAlert(out.Item) : undefined;
        },
        async publish(message) {
          const out = await sns.send(
            new PublishCommand({
              TopicArn: topicArn,
              Subject: message.subject,
              Message: message.body,
              MessageAttributes: Object.fromEntries(
                Object.entries(message.attributes).map(([name, value]) => [
                  name,
                  { DataType: 'String', StringValue: value },
                ]),
              ),
            }),
          );
          return out.MessageId ?? '';
        },
        async markPublished(alert, messageId, atMs) {
          try {
            await db.send(
              new UpdateCommand({
                TableName: table,
                Key: {
                  [ALERTS.partitionKey]: alert.bucket,
                  [ALERTS.sortKey]: outboxSortKey(alert.revision, alert.metric),
                },
                UpdateExpression: 'SET #state = :published, message_id = :id, published_at = :at',
                ConditionExpression: '#state = :pending',
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: {
                  ':published': 'published',
                  ':pending': 'pending',
                  ':id': messageId,
                  ':at': new Date(atMs).toISOString(),
                },
              }),
            );
            return true;
          } catch (err) {
            if (err instanceof ConditionalCheckFailedException) return false;
            throw err;
          }
        },
        now: Date.now,
      },
      plotApiUrl,
    );
    if (report.published.length)
      metrics.addMetric('AlertsPublished', MetricUnit.Count, report.published.length);
    if (report.errors.length) metrics.addMetric('AlertPublishErrors', MetricUnit.Count, report.errors.length);
    for (const id of report.published) logger.info('alert published', { alertId: id });
    for (const id of report.skipped) logger.info('alert already published: skipped', { alertId: id });
    for (const e of report.errors) logger.error('alert not published: will be retried', e);
    return { batchItemFailures: report.batchItemFailures };
  } finally {
    flushMetrics(metrics);
  }
}
