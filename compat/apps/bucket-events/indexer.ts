import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';

const s3 = new S3Client({});

/** Writes index/<name>.json (key and size) for each object created under incoming/. */
export async function handler(event: S3Event): Promise<void> {
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const name = key.slice('incoming/'.length);
    await s3.send(
      new PutObjectCommand({
        Bucket: record.s3.bucket.name,
        Key: `index/${name}.json`,
        Body: JSON.stringify({ key, size: record.s3.object.size, event: record.eventName }),
        ContentType: 'application/json',
      }),
    );
  }
}
