import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SizePoint } from '../../handlers/chart/types.ts';
import { HISTORY } from '../../handlers/shared/schema.ts';
import { historySortKey } from '../../handlers/tracking/ledger-store.ts';
import { repoRoot } from '../../infra/paths.ts';

type SeedHistory = (
  documents: DynamoDBDocumentClient,
  tables: { history: string },
  bucket: string,
  points: readonly SizePoint[],
) => Promise<void>;

const helperPath = join(repoRoot, 'integration', 'support', 'seed-history.ts');

/**
 * Writes a long history for the plot benchmark. When the project's roll-up seeding helper exists
 * (integration/support/seed-history.ts `seedHistory`, which writes the points and the roll-ups the
 * tracker would have written), it is used; otherwise raw points only, in parallel BatchWrites.
 * Returns which way was taken.
 */
export async function seedHistoryPoints(
  documents: DynamoDBDocumentClient,
  historyTable: string,
  bucket: string,
  points: readonly SizePoint[],
): Promise<'seedHistory' | 'raw points'> {
  if (existsSync(helperPath)) {
    const helper = (await import(helperPath)) as { seedHistory?: SeedHistory };
    if (typeof helper.seedHistory === 'function') {
      await helper.seedHistory(documents, { history: historyTable }, bucket, points);
      return 'seedHistory';
    }
  }
  await writeRawPoints(documents, historyTable, bucket, points);
  return 'raw points';
}

async function writeRawPoints(
  documents: DynamoDBDocumentClient,
  table: string,
  bucket: string,
  points: readonly SizePoint[],
): Promise<void> {
  const items = points.map((point, i) => ({
    [HISTORY.partitionKey]: bucket,
    [HISTORY.sortKey]: historySortKey(point.timeMs, i + 1),
    time_ms: point.timeMs,
    [HISTORY.sizeAttribute]: point.sizeBytes,
    object_count: point.objectCount,
    revision: i + 1,
    cause: 'Benchmark',
  }));
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending = batches[next++]?.map((Item) => ({ PutRequest: { Item } }));
      while (pending && pending.length > 0) {
        const out = await documents.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = out.UnprocessedItems?.[table] as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

/** `count` points evenly spread over [fromMs, toMs], the size doing a bounded random walk. */
export function syntheticHistory(count: number, fromMs: number, toMs: number): SizePoint[] {
  const points: SizePoint[] = [];
  let size = 50 * 1024 * 1024;
  let objects = 5000;
  let seed = 42;
  const step = count > 1 ? (toMs - fromMs) / (count - 1) : 0;
  for (let i = 0; i < count; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const delta = (seed % 2_000_001) - 1_000_000;
    size = Math.max(0, size + delta);
    objects = Math.max(0, objects + (delta > 0 ? 1 : -1));
    points.push({ timeMs: Math.round(fromMs + i * step), sizeBytes: size, objectCount: objects });
  }
  return points;
}
