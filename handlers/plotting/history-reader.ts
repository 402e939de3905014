import { type DynamoDBDocumentClient, paginateQuery, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SizePoint } from '../chart/types.ts';
import { HISTORY } from '../shared/schema.ts';

export interface WindowHistory {
  /** Points inside [startMs, endMs], preceded by the value carried in at startMs when there was one. */
  readonly points: SizePoint[];
  readonly maxSizeBytes: number;
}

function toPoint(item: Record<string, unknown>): SizePoint {
  return {
    timeMs: Number(item.time_ms),
    sizeBytes: Number(item[HISTORY.sizeAttribute]),
    objectCount: Number(item.object_count),
  };
}

/** Reads a bucket's size history for a time window and its all-time maximum. */
export class HistoryReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The all-time maximum: one query of one item on the size index; undefined for an unknown bucket. */
  async maxSize(bucket: string): Promise<number | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: HISTORY.largestSizeIndex,
        KeyConditionExpression: '#bucket = :bucket',
        ExpressionAttributeNames: { '#bucket': HISTORY.partitionKey },
        ExpressionAttributeValues: { ':bucket': bucket },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const top = out.Items?.[0];
    return top ? Number(top[HISTORY.sizeAttribute]) : undefined;
  }

  async window(bucket: string, startMs: number, endMs: number, maxSizeBytes: number): Promise<WindowHistory> {
    const startKey = new Date(startMs).toISOString();
    const names = { '#bucket': HISTORY.partitionKey, '#ts': HISTORY.sortKey };
    // The last change before the window: the size the window starts with.
    const before = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#bucket = :bucket AND #ts < :start',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':bucket': bucket, ':start': startKey },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const points: SizePoint[] = [];
    const carried = before.Items?.[0];
    if (carried) points.push({ ...toPoint(carried), timeMs: startMs });
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: '#bucket = :bucket AND #ts >= :start',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':bucket': bucket, ':start': startKey },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const point = toPoint(item);
        if (point.timeMs <= endMs) points.push(point);
      }
    }
    return { points, maxSizeBytes };
  }
}
