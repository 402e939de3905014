import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

/**
 * The seeds' design, for comparison only (never shipped): on every event, list the whole bucket
 * (ListObjectsV2, 1,000 keys a page), add up sizes and count, and write one history item with the
 * sum (PutItem). O(objects) calls and time per event, and racy under concurrency.
 */
export class BaselineTracker {
  constructor(
    private readonly s3: S3Client,
    private readonly db: DynamoDBDocumentClient,
    private readonly historyTable: string,
  ) {}

  async apply(bucket: string): Promise<{ sizeBytes: number; objectCount: number }> {
    let sizeBytes = 0;
    let objectCount = 0;
    for await (const page of paginateListObjectsV2({ client: this.s3 }, { Bucket: bucket })) {
      for (const object of page.Contents ?? []) {
        sizeBytes += object.Size ?? 0;
        objectCount++;
      }
    }
    const now = Date.now();
    await this.db.send(
      new PutCommand({
        TableName: this.historyTable,
        Item: {
          bucket,
          ts: `${new Date(now).toISOString()}#${process.hrtime.bigint()}`,
          time_ms: now,
          size_bytes: sizeBytes,
          object_count: objectCount,
        },
      }),
    );
    return { sizeBytes, objectCount };
  }
}
