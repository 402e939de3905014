import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SizePoint } from '../../handlers/chart/types.ts';
import { HISTORY, LEDGER } from '../../handlers/shared/schema.ts';
import { historySortKey } from '../../handlers/tracking/ledger-store.ts';
import type { Target } from '../targets/target.ts';

export interface Totals {
  readonly sizeBytes: number;
  readonly objectCount: number;
}

/** What the tracker holds for a bucket (undefined before its first change). */
export async function trackedTotals(target: Target, bucket: string): Promise<Totals | undefined> {
  const out = await target.documents.send(
    new GetCommand({
      TableName: target.outputs.ledgerTable,
      Key: { [LEDGER.partitionKey]: bucket, [LEDGER.sortKey]: LEDGER.totalsEntry },
      ConsistentRead: true,
    }),
  );
  return out.Item
    ? { sizeBytes: Number(out.Item.size_bytes), objectCount: Number(out.Item.object_count) }
    : undefined;
}

/** A fresh full listing: the ground truth the tracker must agree with. */
export async function recount(
  target: Target,
  bucket: string,
): Promise<Totals & { keys: Map<string, number> }> {
  const keys = new Map<string, number>();
  for await (const page of paginateListObjectsV2({ client: target.s3 }, { Bucket: bucket })) {
    for (const object of page.Contents ?? []) keys.set(object.Key ?? '', object.Size ?? 0);
  }
  let sizeBytes = 0;
  for (const size of keys.values()) sizeBytes += size;
  return { sizeBytes, objectCount: keys.size, keys };
}

export interface HistoryPoint extends SizePoint {
  readonly ts: string;
  readonly revision: number;
}

export async function history(target: Target, bucket: string): Promise<HistoryPoint[]> {
  const points: HistoryPoint[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await target.documents.send(
      new QueryCommand({
        TableName: target.outputs.historyTable,
        KeyConditionExpression: '#b = :b',
        ExpressionAttributeNames: { '#b': HISTORY.partitionKey },
        ExpressionAttributeValues: { ':b': bucket },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      points.push({
        ts: String(item[HISTORY.sortKey]),
        timeMs: Number(item.time_ms),
        sizeBytes: Number(item.size_bytes),
        objectCount: Number(item.object_count),
        revision: Number(item.revision),
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return points;
}

/** Writes a fixed history for a synthetic bucket, for charts that must not depend on the clock. */
export async function writeHistory(
  target: Target,
  bucket: string,
  points: readonly SizePoint[],
): Promise<void> {
  let revision = 0;
  for (const point of points) {
    revision++;
    await target.documents.send(
      new PutCommand({
        TableName: target.outputs.historyTable,
        Item: {
          [HISTORY.partitionKey]: bucket,
          [HISTORY.sortKey]: historySortKey(point.timeMs, revision),
          time_ms: point.timeMs,
          [HISTORY.sizeAttribute]: point.sizeBytes,
          object_count: point.objectCount,
          revision,
          cause: 'IntegrationTest',
        },
      }),
    );
  }
}

/** GET on the plot API, as a browser or the driver would. */
export async function getPlot(
  target: Target,
  query: Record<string, string>,
  accept = 'image/png',
): Promise<Response> {
  const url = new URL(target.outputs.plotApiUrl);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return fetch(url, { headers: { accept } });
}
