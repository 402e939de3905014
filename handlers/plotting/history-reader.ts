import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Series, SizePoint } from '../chart/types.ts';
import { HISTORY } from '../shared/schema.ts';
import { pointFromItem, rollupFromItem } from '../tracking/history-items.ts';
import {
  levelForWindow,
  maxSlotsPerChart,
  rollupPartition,
  rollupPoints,
  slotStart,
} from '../tracking/rollups.ts';

/** A bucket's newest history point: its totals right now, and the revision that produced them. */
export interface LatestPoint {
  readonly point: SizePoint;
  readonly revision: number;
}

export interface WindowHistory {
  /** Points inside [startMs, endMs], preceded by the value carried in at startMs when there was one. */
  readonly points: SizePoint[];
  /** 'raw' when every change is there, else the roll-up level (seconds per slot) the points come from. */
  readonly resolution: 'raw' | number;
}

/**
 * Reads a bucket's size history for a chart. Reads are bounded whatever the history's length: the
 * raw points when the window holds at most `maxSlotsPerChart` of them, else the roll-ups of the
 * finest level with at most that many slots in the window.
 */
export class HistoryReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * The largest current total the tracker ever committed for the bucket (one query of one item on
   * the size index); undefined for an unknown bucket. S3 does not order events across keys, so
   * this can exceed every size the bucket really had (a delete of an old key and a put of a new
   * one applied as put-then-delete): it is the largest *committed* total, and labelled so.
   */
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

  /**
   * The newest raw point (one query of one item, newest first): the bucket's totals and revision as
   * of its last commit; undefined for a bucket with no history. Points sort by "<time>#<revision>"
   * and never go back in time, so the newest point carries the highest revision.
   */
  async latest(bucket: string): Promise<LatestPoint | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#bucket = :bucket',
        ExpressionAttributeNames: { '#bucket': HISTORY.partitionKey },
        ExpressionAttributeValues: { ':bucket': bucket },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const item = out.Items?.[0];
    if (!item) return undefined;
    const revision = Number(item.revision ?? String(item[HISTORY.sortKey]).split('#')[1]);
    return { point: pointFromItem(item), revision: Number.isFinite(revision) ? revision : 0 };
  }

  /**
   * `series` chooses which extremes of each roll-up slot are kept ('both': the union); every point
   * carries both totals whatever the choice.
   */
  async window(
    bucket: string,
    startMs: number,
    endMs: number,
    series: Series | 'both' = 'current',
  ): Promise<WindowHistory> {
    const [carried, raw] = await Promise.all([
      this.query(bucket, '#ts < :from', { ':from': iso(startMs) }, { ScanIndexForward: false, Limit: 1 }),
      this.query(
        bucket,
        '#ts BETWEEN :from AND :to',
        { ':from': iso(startMs), ':to': `${iso(endMs)}~` },
        { Limit: maxSlotsPerChart },
      ),
    ]);
    const points: SizePoint[] = [];
    const before = carried.items[0];
    if (before) points.push({ ...pointFromItem(before), timeMs: startMs });
    if (!raw.more) {
      points.push(...raw.items.map(pointFromItem));
      return { points, resolution: 'raw' };
    }
    const level = levelForWindow(endMs - startMs);
    const [slots, atEnd] = await Promise.all([
      this.query(
        rollupPartition(bucket, level),
        '#ts BETWEEN :from AND :to',
        { ':from': iso(slotStart(startMs, level)), ':to': iso(endMs) },
        {},
      ),
      // The last slot straddles `end` and keeps only its first/min/max/last: the value at `end`
      // may be none of them, so it is carried from the last raw point at or before `end`.
      this.query(bucket, '#ts <= :to', { ':to': `${iso(endMs)}~` }, { ScanIndexForward: false, Limit: 1 }),
    ]);
    const kinds: Series[] = series === 'both' ? ['current', 'stored'] : [series];
    for (const item of slots.items) {
      const rollup = rollupFromItem(item, level);
      const slotPoints = unique(kinds.flatMap((kind) => rollupPoints(rollup, kind)));
      points.push(...slotPoints.filter((p) => p.timeMs >= startMs && p.timeMs <= endMs));
    }
    const lastRaw = atEnd.items[0] ? pointFromItem(atEnd.items[0]) : undefined;
    const lastKept = points[points.length - 1];
    if (lastRaw && lastRaw.timeMs >= startMs && (!lastKept || lastRaw.timeMs > lastKept.timeMs)) {
      points.push(lastRaw);
    }
    return { points, resolution: level };
  }

  /** One query on a partition of the history table (all pages unless `Limit` is given). */
  private async query(
    partition: string,
    sortCondition: string,
    values: Record<string, string>,
    options: { ScanIndexForward?: boolean; Limit?: number },
  ): Promise<{ items: Record<string, unknown>[]; more: boolean }> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: `#bucket = :bucket AND ${sortCondition}`,
          ExpressionAttributeNames: { '#bucket': HISTORY.partitionKey, '#ts': HISTORY.sortKey },
          ExpressionAttributeValues: { ':bucket': partition, ...values },
          ExclusiveStartKey: start,
          ...options,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
      if (options.Limit !== undefined) return { items, more: start !== undefined };
    } while (start);
    return { items, more: false };
  }
}

/** Points in time order, each (time, totals) once: a roll-up's samples can be the same point. */
function unique(points: SizePoint[]): SizePoint[] {
  const seen = new Set<string>();
  return points
    .sort((a, b) => a.timeMs - b.timeMs)
    .filter((p) => {
      const id = `${p.timeMs}/${p.sizeBytes}/${p.objectCount}/${p.storedBytes}/${p.storedVersions}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
