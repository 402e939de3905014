import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Endpoints, region and credentials come from the standard SDK configuration (AWS_ENDPOINT_URL_*,
// AWS_REGION...), so the same code runs on AWS, LocalStack and the embedded cloud.
// Path-style addressing works on all three; virtual-hosted names need DNS the local targets lack.
export function s3Client(): S3Client {
  return new S3Client({ forcePathStyle: true });
}

export function documentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
