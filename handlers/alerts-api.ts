import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { handleAlertsRequest } from './alerts/api.ts';
import { alertStoreOptions } from './alerts/env.ts';
import { configKey, toConfig, toOutboxAlert } from './alerts/items.ts';
import { ALERTS } from './alerts/schema.ts';
import { errorResponse, jsonResponse } from './plotting/responses.ts';
import { documentClient } from './shared/clients.ts';
import { requireEnv } from './shared/env.ts';
import { observability } from './shared/observability.ts';
import { ENV, LEDGER } from './shared/schema.ts';

const { logger } = observability('alerts-api');
const { table, defaults } = alertStoreOptions();
const alertsTable = table ?? requireEnv('ALERTS_TABLE');
const ledgerTable = requireEnv(ENV.ledgerTable);
const db = documentClient();

/** PUT /alerts/{bucket} and GET /alerts/{bucket}: a bucket's alert thresholds and its fired alerts. */
export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  try {
    const response = await handleAlertsRequest(
      {
        method: event.httpMethod,
        bucket: event.pathParameters?.bucket ?? undefined,
        body:
          event.body && event.isBase64Encoded
            ? Buffer.from(event.body, 'base64').toString('utf8')
            : event.body,
      },
      {
        async readConfig(bucket) {
          const out = await db.send(
            new GetCommand({ TableName: alertsTable, Key: configKey(bucket), ConsistentRead: true }),
          );
          return out.Item ? toConfig(out.Item) : undefined;
        },
        async writeConfig(bucket, thresholds, nowMs) {
          const out = await db.send(
            new UpdateCommand({
              TableName: alertsTable,
              Key: configKey(bucket),
              UpdateExpression: 'SET thresholds = :t, updated_at = :at, #source = :api ADD version :one',
              ExpressionAttributeNames: { '#source': 'source' },
              ExpressionAttributeValues: {
                ':t': thresholds,
                ':at': new Date(nowMs).toISOString(),
                ':api': 'api',
                ':one': 1,
              },
              ReturnValues: 'ALL_NEW',
            }),
          );
          return toConfig(out.Attributes ?? {});
        },
        async firedState(bucket) {
          const out = await db.send(
            new GetCommand({
              TableName: ledgerTable,
              Key: { [LEDGER.partitionKey]: bucket, [LEDGER.sortKey]: LEDGER.totalsEntry },
              ProjectionExpression: 'alerts_fired',
            }),
          );
          return (out.Item?.alerts_fired as Record<string, number> | undefined) ?? {};
        },
        async recentAlerts(bucket, limit) {
          const out = await db.send(
            new QueryCommand({
              TableName: alertsTable,
              KeyConditionExpression: '#b = :b AND begins_with(#i, :p)',
              ExpressionAttributeNames: { '#b': ALERTS.partitionKey, '#i': ALERTS.sortKey },
              ExpressionAttributeValues: { ':b': bucket, ':p': ALERTS.outboxPrefix },
              ScanIndexForward: false,
              Limit: limit,
            }),
          );
          return (out.Items ?? []).flatMap((item) => toOutboxAlert(item) ?? []);
        },
        now: Date.now,
      },
      defaults,
    );
    return jsonResponse(response.statusCode, response.body);
  } catch (err) {
    logger.error('alerts request failed', { error: err as Error });
    return errorResponse(500, 'internal error: see the function log');
  }
}
