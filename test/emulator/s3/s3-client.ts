import { S3Client } from '@aws-sdk/client-s3';

/** An SDK client for an embedded S3 endpoint: path-style, any credentials (the server accepts all). */
export function s3ClientFor(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
}
