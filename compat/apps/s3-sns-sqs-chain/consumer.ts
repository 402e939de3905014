import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { S3Event, SNSMessage, SQSEvent } from 'aws-lambda';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** Each SQS message holds an SNS envelope holding an S3 event (or S3's s3:TestEvent, skipped). */
export async function handler(event: SQSEvent): Promise<void> {
  for (const message of event.Records) {
    const envelope = JSON.parse(message.body) as SNSMessage;
    const s3Event = JSON.parse(envelope.Message) as Partial<S3Event>;
    for (const record of s3Event.Records ?? []) {
      await documents.send(
        new PutCommand({
          TableName: process.env.SEEN_TABLE,
          Item: {
            key: record.s3.object.key,
            size: record.s3.object.size,
            topic: envelope.TopicArn.split(':').pop(),
          },
        }),
      );
    }
  }
}
