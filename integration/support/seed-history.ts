import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SizePoint } from '../../handlers/chart/types.ts';
import { pointItem, rollupItem } from '../../handlers/tracking/history-items.ts';
import { mergeRollup, type Rollup, rollupLevelsSeconds } from '../../handlers/tracking/rollups.ts';

/**
 * Writes a long history quickly, as the tracker would have written it point by point: the raw
 * points and their roll-ups at every level (for benchmarks and tests; the tracker itself writes one
 * point and its roll-ups per change). Points must be in time order.
 */
export async function seedHistory(
  db: DynamoDBDocumentClient,
  tables: { readonly history: string },
  bucket: string,
  points: readonly SizePoint[],
): Promise<void> {
  const items: Record<string, unknown>[] = [];
  const current = new Map<number, Rollup>();
  points.forEach((point, i) => {
    items.push(pointItem(bucket, { ...point, revision: i + 1, cause: 'Seed' }));
    for (const level of rollupLevelsSeconds) {
      const before = current.get(level);
      const after = mergeRollup(before, point, level);
      if (before && before.slotMs !== after.slotMs) items.push(rollupItem(bucket, before));
      current.set(level, after);
    }
  });
  for (const rollup of current.values()) items.push(rollupItem(bucket, rollup));

  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  const writeBatch = async (batch: Record<string, unknown>[]) => {
    let pending = batch.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [tables.history]: pending } }));
      pending = (out.UnprocessedItems?.[tables.history] ?? []) as typeof pending;
    }
  };
  // A few batches in flight at once: DynamoDB Local is the bottleneck, not the client.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        if (batch) await writeBatch(batch);
      }
    }),
  );
}
