import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SizePoint } from '../../handlers/chart/types.ts';
import { LEDGER } from '../../handlers/shared/schema.ts';
import { type HistoryRow, readHistory } from '../../test/support/history.ts';
import type { Target } from '../targets/target.ts';
import { seedHistory } from './seed-history.ts';

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

/**
 * What the tracker holds as stored (every version kept, delete markers apart): `stored_bytes` and
 * `stored_versions` of the totals item; absent means equal to the current totals (unversioned).
 */
export async function trackedStoredTotals(
  target: Target,
  bucket: string,
): Promise<{ sizeBytes: number; versions: number } | undefined> {
  const out = await target.documents.send(
    new GetCommand({
      TableName: target.outputs.ledgerTable,
      Key: { [LEDGER.partitionKey]: bucket, [LEDGER.sortKey]: LEDGER.totalsEntry },
      ConsistentRead: true,
    }),
  );
  if (!out.Item) return undefined;
  return {
    sizeBytes: Number(out.Item.stored_bytes ?? out.Item.size_bytes),
    versions: Number(out.Item.stored_versions ?? out.Item.object_count),
  };
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

export type HistoryPoint = HistoryRow;

/** A bucket's whole size history, oldest first. */
export function history(target: Target, bucket: string): Promise<HistoryPoint[]> {
  return readHistory(target.documents, target.outputs.historyTable, bucket);
}

/** Writes a fixed history for a synthetic bucket, for charts that must not depend on the clock. */
export function writeHistory(target: Target, bucket: string, points: readonly SizePoint[]): Promise<void> {
  return seedHistory(target.documents, { history: target.outputs.historyTable }, bucket, points);
}

/** GET on the plot API, as a browser or the driver would: with the app's API key unless `apiKey` says otherwise. */
export async function getPlot(
  target: Target,
  query: Record<string, string>,
  accept = 'image/png',
  apiKey: string | null = target.outputs.plotApiKey,
): Promise<Response> {
  const url = new URL(target.outputs.plotApiUrl);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return fetch(url, { headers: { accept, ...(apiKey === null ? {} : { 'x-api-key': apiKey }) } });
}

/** The REST API id and stage of the plot URL (`.../_aws/execute-api/<id>/<stage>/plot`). */
export function plotApiStage(target: Target): { apiId: string; stage: string } {
  const match = /\/_aws\/execute-api\/([^/]+)\/([^/]+)\//.exec(target.outputs.plotApiUrl);
  if (!match) throw new Error(`PlotApiUrl ${target.outputs.plotApiUrl} is not in the local execute-api form`);
  return { apiId: match[1] as string, stage: match[2] as string };
}
