import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { HISTORY } from '../../handlers/shared/schema.ts';

export interface HistoryRow {
  readonly ts: string;
  readonly timeMs: number;
  readonly sizeBytes: number;
  readonly objectCount: number;
  readonly revision: number;
  readonly cause: string;
}

/** The whole size history of a bucket, oldest first. */
export async function readHistory(
  db: DynamoDBDocumentClient,
  table: string,
  bucket: string,
): Promise<HistoryRow[]> {
  const rows: HistoryRow[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#b = :b',
        ExpressionAttributeNames: { '#b': HISTORY.partitionKey },
        ExpressionAttributeValues: { ':b': bucket },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      rows.push({
        ts: String(item[HISTORY.sortKey]),
        timeMs: Number(item.time_ms),
        sizeBytes: Number(item.size_bytes),
        objectCount: Number(item.object_count),
        revision: Number(item.revision),
        cause: String(item.cause),
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return rows;
}
