import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type OutboxAlert, toOutboxAlert } from '../../handlers/alerts/items.ts';
import { ALERTS } from '../../handlers/alerts/schema.ts';
import { credentials, dynamodbEndpoint, region } from './aws.ts';

/** A fresh alerts table laid out as the storage stack declares it (stream on, NEW_IMAGE). */
export async function createAlertsTable(): Promise<string> {
  const client = new DynamoDBClient({ endpoint: dynamodbEndpoint(), region, credentials });
  const name = `alerts-${randomUUID().slice(0, 8)}`;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: ALERTS.partitionKey, AttributeType: 'S' },
        { AttributeName: ALERTS.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: ALERTS.partitionKey, KeyType: 'HASH' },
        { AttributeName: ALERTS.sortKey, KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  client.destroy();
  return name;
}

/** Every outbox row of a bucket, oldest revision first. */
export async function readOutbox(
  db: DynamoDBDocumentClient,
  table: string,
  bucket: string,
): Promise<OutboxAlert[]> {
  const out = await db.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: '#b = :b AND begins_with(#i, :p)',
      ExpressionAttributeNames: { '#b': ALERTS.partitionKey, '#i': ALERTS.sortKey },
      ExpressionAttributeValues: { ':b': bucket, ':p': ALERTS.outboxPrefix },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).flatMap((item) => toOutboxAlert(item) ?? []);
}
