import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { HISTORY, LEDGER } from '../../handlers/shared/schema.ts';

export const region = 'us-east-1';
export const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export function dynamodbEndpoint(): string {
  return inject('dynamodbEndpoint');
}

export function documentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: dynamodbEndpoint(), region, credentials }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region, credentials, forcePathStyle: true });
}

export interface TestTables {
  readonly history: string;
  readonly ledger: string;
}

/** Fresh history and ledger tables, laid out exactly as the storage stack declares them. */
export async function createTables(): Promise<TestTables> {
  const client = new DynamoDBClient({ endpoint: dynamodbEndpoint(), region, credentials });
  const suffix = randomUUID().slice(0, 8);
  const tables = { history: `history-${suffix}`, ledger: `ledger-${suffix}` };
  await client.send(
    new CreateTableCommand({
      TableName: tables.history,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: HISTORY.partitionKey, AttributeType: 'S' },
        { AttributeName: HISTORY.sortKey, AttributeType: 'S' },
        { AttributeName: HISTORY.sizeAttribute, AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: HISTORY.partitionKey, KeyType: 'HASH' },
        { AttributeName: HISTORY.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: HISTORY.largestSizeIndex,
          KeySchema: [
            { AttributeName: HISTORY.partitionKey, KeyType: 'HASH' },
            { AttributeName: HISTORY.sizeAttribute, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );
  await client.send(
    new CreateTableCommand({
      TableName: tables.ledger,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: LEDGER.partitionKey, AttributeType: 'S' },
        { AttributeName: LEDGER.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: LEDGER.partitionKey, KeyType: 'HASH' },
        { AttributeName: LEDGER.sortKey, KeyType: 'RANGE' },
      ],
    }),
  );
  client.destroy();
  return tables;
}

export async function createBucket(s3: S3Client, prefix = 'tracked'): Promise<string> {
  const bucket = `${prefix}-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}
