import type { S3EventRecord } from 'aws-lambda';

let counter = 0;

/** A notification record as S3 sends it (key URL-encoded the way S3 does, space as '+'). */
export function s3Record(
  bucket: string,
  key: string,
  eventName: string,
  options: { size?: number; sequencer?: string; eTag?: string; eventTime?: string } = {},
): S3EventRecord {
  counter++;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: options.eventTime ?? new Date().toISOString(),
    eventName,
    userIdentity: { principalId: 'local' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': `req-${counter}`, 'x-amz-id-2': 'local' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'tracker',
      bucket: { name: bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/'),
        size: options.size ?? 0,
        eTag: options.eTag ?? `etag-${counter}`,
        sequencer: options.sequencer ?? counter.toString(16).toUpperCase().padStart(16, '0'),
      },
    },
  } as S3EventRecord;
}
