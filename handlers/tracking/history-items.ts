import type { SizePoint } from '../chart/types.ts';
import { HISTORY } from '../shared/schema.ts';
import { type Rollup, type RollupLevel, rollupPartition } from './rollups.ts';

/** DynamoDB items of the history table: raw points (partition = bucket) and roll-ups (bucket#r<level>). */

export function historySortKey(timeMs: number, revision: number): string {
  return `${new Date(timeMs).toISOString()}#${String(revision).padStart(12, '0')}`;
}

export interface HistoryPointFields extends SizePoint {
  readonly revision: number;
  readonly cause: string;
}

export function pointItem(bucket: string, point: HistoryPointFields): Record<string, unknown> {
  return {
    [HISTORY.partitionKey]: bucket,
    [HISTORY.sortKey]: historySortKey(point.timeMs, point.revision),
    time_ms: point.timeMs,
    [HISTORY.sizeAttribute]: point.sizeBytes,
    object_count: point.objectCount,
    stored_bytes: point.storedBytes ?? point.sizeBytes,
    stored_versions: point.storedVersions ?? point.objectCount,
    revision: point.revision,
    cause: point.cause,
  };
}

export function pointFromItem(item: Record<string, unknown>): SizePoint {
  const sizeBytes = Number(item[HISTORY.sizeAttribute]);
  const objectCount = Number(item.object_count);
  return {
    timeMs: Number(item.time_ms),
    sizeBytes,
    objectCount,
    // points written before stored totals existed: stored == current
    storedBytes: item.stored_bytes === undefined ? sizeBytes : Number(item.stored_bytes),
    storedVersions: item.stored_versions === undefined ? objectCount : Number(item.stored_versions),
  };
}

export function rollupKey(bucket: string, level: RollupLevel, slotMs: number): Record<string, string> {
  return {
    [HISTORY.partitionKey]: rollupPartition(bucket, level),
    [HISTORY.sortKey]: new Date(slotMs).toISOString(),
  };
}

const samples = ['first', 'last', 'min', 'max', 'storedMin', 'storedMax'] as const;

// Roll-ups carry no `size_bytes` attribute, so they stay out of the largest-size index.
export function rollupItem(bucket: string, rollup: Rollup): Record<string, unknown> {
  const item: Record<string, unknown> = { ...rollupKey(bucket, rollup.level, rollup.slotMs) };
  for (const name of samples) {
    item[`${name}_ms`] = rollup[name].timeMs;
    item[`${name}_size`] = rollup[name].sizeBytes;
    item[`${name}_count`] = rollup[name].objectCount;
    item[`${name}_stored`] = rollup[name].storedBytes ?? rollup[name].sizeBytes;
    item[`${name}_versions`] = rollup[name].storedVersions ?? rollup[name].objectCount;
  }
  return item;
}

export function rollupFromItem(item: Record<string, unknown>, level: RollupLevel): Rollup {
  const sample = (name: (typeof samples)[number]): SizePoint | undefined => {
    if (item[`${name}_ms`] === undefined) return undefined;
    const sizeBytes = Number(item[`${name}_size`]);
    const objectCount = Number(item[`${name}_count`]);
    return {
      timeMs: Number(item[`${name}_ms`]),
      sizeBytes,
      objectCount,
      storedBytes: item[`${name}_stored`] === undefined ? sizeBytes : Number(item[`${name}_stored`]),
      storedVersions: item[`${name}_versions`] === undefined ? objectCount : Number(item[`${name}_versions`]),
    };
  };
  const min = sample('min') as SizePoint;
  const max = sample('max') as SizePoint;
  return {
    level,
    slotMs: Date.parse(String(item[HISTORY.sortKey])),
    first: sample('first') as SizePoint,
    last: sample('last') as SizePoint,
    min,
    max,
    // roll-ups written before the stored series existed: stored == current
    storedMin: sample('storedMin') ?? min,
    storedMax: sample('storedMax') ?? max,
  };
}
