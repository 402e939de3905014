import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** Invoked asynchronously by the API: stores the event it was given. */
export async function handler(event: { id: string; body: unknown }): Promise<void> {
  await documents.send(new PutCommand({ TableName: process.env.EVENTS_TABLE, Item: event }));
}
