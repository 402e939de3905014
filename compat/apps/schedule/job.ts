import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** Records the run (the rule's input) in the runs table. */
export async function handler(event: { job: string; scope: string }): Promise<void> {
  await documents.send(
    new PutCommand({
      TableName: process.env.RUNS_TABLE,
      Item: { job: event.job, at: new Date().toISOString(), scope: event.scope },
    }),
  );
}
