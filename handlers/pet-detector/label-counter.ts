import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { documentClient } from '../shared/clients.ts';
import { requireEnv } from '../shared/env.ts';
import { flushMetrics } from '../shared/observability.ts';
import { countChanges } from './core/label-counts.ts';
import { petObservability } from './observability.ts';
import { COUNTS, PET_ENV } from './schema.ts';

const { logger, metrics } = petObservability('label-counter');
const db = documentClient();
const table = requireEnv(PET_ENV.countsTable);

/**
 * DetectionLogs stream → per-label counts. Each (label, image) is counted once: a marker item and the
 * increment go in one transaction, and a replayed stream record finds its marker and adds nothing.
 */
export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<void> {
  logger.addContext(context);
  try {
    for (const change of countChanges(event.Records)) {
      try {
        await db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: table,
                  Item: { [COUNTS.partitionKey]: `counted#${change.label}#${change.imageId}` },
                  ConditionExpression: 'attribute_not_exists(#k)',
                  ExpressionAttributeNames: { '#k': COUNTS.partitionKey },
                },
              },
              {
                Update: {
                  TableName: table,
                  Key: { [COUNTS.partitionKey]: change.label },
                  UpdateExpression: 'ADD #c :one SET #u = :now',
                  ExpressionAttributeNames: { '#c': 'Count', '#u': 'UpdatedAt' },
                  ExpressionAttributeValues: { ':one': 1, ':now': new Date().toISOString() },
                },
              },
            ],
          }),
        );
        metrics.addMetric('LabelsCounted', 'Count', 1);
      } catch (err) {
        const reasons = err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : [];
        if (reasons[0]?.Code !== 'ConditionalCheckFailed') throw err;
        logger.info('already counted', { ...change });
      }
    }
  } finally {
    flushMetrics(metrics);
  }
}
