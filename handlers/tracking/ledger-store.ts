import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  paginateQuery,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { HISTORY, LEDGER } from '../shared/schema.ts';
import type { LedgerEntry, TotalsDelta } from './ledger.ts';

export interface Totals {
  readonly sizeBytes: number;
  readonly objectCount: number;
  /** Incremented by every committed change; the history point's sort key carries it. */
  readonly revision: number;
  /** Time of the newest history point: points never go back in time, whatever the clocks say. */
  readonly lastPointMs: number;
}

export interface LedgerSnapshot {
  readonly entries: ReadonlyMap<string, LedgerEntry>;
  readonly totals: Totals | undefined;
}

export interface LedgerWrite {
  /** The entry as it was read (undefined when there was none): the write is conditioned on it. */
  readonly prior: LedgerEntry | undefined;
  readonly next: LedgerEntry;
}

export interface CommitRequest {
  readonly bucket: string;
  readonly writes: readonly LedgerWrite[];
  readonly delta: TotalsDelta;
  readonly totals: Totals | undefined;
  readonly cause: string;
  readonly nowMs: number;
}

export type CommitResult =
  | { readonly status: 'committed'; readonly totals: Totals; readonly pointWritten: boolean }
  | { readonly status: 'conflict' };

export interface TableNames {
  readonly history: string;
  readonly ledger: string;
}

// DynamoDB sort keys are at most 1,024 bytes; S3 keys can be that long on their own.
const maxEntryBytes = 1024;

export function entryId(key: string): string {
  const plain = LEDGER.objectPrefix + key;
  if (Buffer.byteLength(plain) <= maxEntryBytes) return plain;
  return `${LEDGER.objectPrefix}sha256:${createHash('sha256').update(key).digest('hex')}`;
}

export function historySortKey(timeMs: number, revision: number): string {
  return `${new Date(timeMs).toISOString()}#${String(revision).padStart(12, '0')}`;
}

/** The DynamoDB side of the tracker: one batch read and one transaction per change. */
export class LedgerStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: TableNames,
  ) {}

  /** Reads the entries of `keys` and the bucket's totals in one strongly consistent batch. */
  async read(bucket: string, keys: readonly string[]): Promise<LedgerSnapshot> {
    let pending: Record<string, unknown>[] = [
      { [LEDGER.partitionKey]: bucket, [LEDGER.sortKey]: LEDGER.totalsEntry },
      ...[...new Set(keys)].map((key) => ({ [LEDGER.partitionKey]: bucket, [LEDGER.sortKey]: entryId(key) })),
    ];
    const entries = new Map<string, LedgerEntry>();
    let totals: Totals | undefined;
    while (pending.length > 0) {
      const out = await this.db.send(
        new BatchGetCommand({
          RequestItems: { [this.tables.ledger]: { Keys: pending, ConsistentRead: true } },
        }),
      );
      for (const item of out.Responses?.[this.tables.ledger] ?? []) {
        if (item[LEDGER.sortKey] === LEDGER.totalsEntry) totals = toTotals(item);
        else entries.set(String(item.key), toEntry(item));
      }
      pending = (out.UnprocessedKeys?.[this.tables.ledger]?.Keys ?? []) as Record<string, unknown>[];
    }
    return { entries, totals };
  }

  /**
   * Writes the ledger entries, the new totals and one history point atomically. Every item is
   * conditioned on the state that was read, so a concurrent writer makes this a 'conflict' to retry,
   * never a lost update. No totals change means no history point.
   */
  async commit(request: CommitRequest): Promise<CommitResult> {
    const { bucket, writes, delta, totals, cause, nowMs } = request;
    const items: TransactItem[] = writes.map(({ prior, next }) => ({
      Put: {
        TableName: this.tables.ledger,
        Item: fromEntry(bucket, next, nowMs),
        ...(prior ? expectVersion(prior.version) : expectAbsent()),
      },
    }));

    const changesTotals = delta.bytes !== 0 || delta.objects !== 0;
    let after = totals ?? { sizeBytes: 0, objectCount: 0, revision: 0, lastPointMs: 0 };
    if (changesTotals) {
      const revision = after.revision + 1;
      const timeMs = Math.max(nowMs, after.lastPointMs);
      after = {
        sizeBytes: after.sizeBytes + delta.bytes,
        objectCount: after.objectCount + delta.objects,
        revision,
        lastPointMs: timeMs,
      };
      items.push({
        Put: {
          TableName: this.tables.ledger,
          Item: {
            [LEDGER.partitionKey]: bucket,
            [LEDGER.sortKey]: LEDGER.totalsEntry,
            size_bytes: after.sizeBytes,
            object_count: after.objectCount,
            revision: after.revision,
            last_point_ms: after.lastPointMs,
          },
          ...(totals ? expectRevision(totals.revision) : expectAbsent()),
        },
      });
      items.push({
        Put: {
          TableName: this.tables.history,
          Item: historyPoint(bucket, timeMs, after, cause),
          ConditionExpression: 'attribute_not_exists(#ts)',
          ExpressionAttributeNames: { '#ts': HISTORY.sortKey },
        },
      });
    } else if (totals) {
      // The ledger change rides on an unchanged revision, so a concurrent totals change still conflicts.
      items.push({
        ConditionCheck: {
          TableName: this.tables.ledger,
          Key: { [LEDGER.partitionKey]: bucket, [LEDGER.sortKey]: LEDGER.totalsEntry },
          ...expectRevision(totals.revision),
        },
      });
    }
    if (items.length === 0) return { status: 'committed', totals: after, pointWritten: false };

    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (err) {
      if (isConflict(err)) return { status: 'conflict' };
      throw err;
    }
    return { status: 'committed', totals: after, pointWritten: changesTotals };
  }

  /**
   * Starts tracking an empty bucket: totals at zero and a first history point, so that the bucket is
   * known to the plot API. Does nothing (returns undefined) when another writer started it first.
   */
  async startTotals(bucket: string, nowMs: number): Promise<Totals | undefined> {
    const totals: Totals = { sizeBytes: 0, objectCount: 0, revision: 1, lastPointMs: nowMs };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tables.ledger,
                Item: {
                  [LEDGER.partitionKey]: bucket,
                  [LEDGER.sortKey]: LEDGER.totalsEntry,
                  size_bytes: 0,
                  object_count: 0,
                  revision: totals.revision,
                  last_point_ms: nowMs,
                },
                ...expectAbsent(),
              },
            },
            {
              Put: {
                TableName: this.tables.history,
                Item: historyPoint(bucket, nowMs, totals, 'StartTracking'),
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (isConflict(err)) return (await this.read(bucket, [])).totals;
      throw err;
    }
    return totals;
  }

  /** Every ledger entry of a bucket (reconciliation only: O(objects)). */
  async *entries(bucket: string): AsyncGenerator<LedgerEntry> {
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tables.ledger,
        KeyConditionExpression: '#bucket = :bucket AND begins_with(#entry, :prefix)',
        ExpressionAttributeNames: { '#bucket': LEDGER.partitionKey, '#entry': LEDGER.sortKey },
        ExpressionAttributeValues: { ':bucket': bucket, ':prefix': LEDGER.objectPrefix },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) yield toEntry(item);
    }
  }
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

function expectAbsent(): Condition {
  return {
    ConditionExpression: 'attribute_not_exists(#entry)',
    ExpressionAttributeNames: { '#entry': LEDGER.sortKey },
  };
}

function expectVersion(version: number): Condition {
  return {
    ConditionExpression: '#version = :version',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':version': version },
  };
}

function expectRevision(revision: number): Condition {
  return {
    ConditionExpression: 'revision = :revision',
    ExpressionAttributeValues: { ':revision': revision },
  };
}

function historyPoint(
  bucket: string,
  timeMs: number,
  totals: Totals,
  cause: string,
): Record<string, unknown> {
  return {
    [HISTORY.partitionKey]: bucket,
    [HISTORY.sortKey]: historySortKey(timeMs, totals.revision),
    time_ms: timeMs,
    [HISTORY.sizeAttribute]: totals.sizeBytes,
    object_count: totals.objectCount,
    revision: totals.revision,
    cause,
  };
}

function isConflict(err: unknown): boolean {
  if (!(err instanceof TransactionCanceledException)) return false;
  return (err.CancellationReasons ?? []).some(
    (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
  );
}

function fromEntry(bucket: string, entry: LedgerEntry, appliedAtMs: number): Record<string, unknown> {
  return {
    [LEDGER.partitionKey]: bucket,
    [LEDGER.sortKey]: entryId(entry.key),
    key: entry.key,
    state: entry.state,
    size_bytes: entry.sizeBytes,
    etag: entry.eTag,
    content_type: entry.contentType,
    sequencer: entry.sequencer,
    event_name: entry.eventName,
    event_time: entry.eventTime,
    version: entry.version,
    applied_at_ms: appliedAtMs,
  };
}

function toEntry(item: Record<string, unknown>): LedgerEntry {
  return {
    key: String(item.key),
    state: item.state === 'present' ? 'present' : 'deleted',
    sizeBytes: Number(item.size_bytes ?? 0),
    eTag: (item.etag as string | null | undefined) ?? null,
    contentType: (item.content_type as string | null | undefined) ?? null,
    sequencer: String(item.sequencer ?? ''),
    eventName: String(item.event_name ?? ''),
    eventTime: String(item.event_time ?? ''),
    version: Number(item.version ?? 0),
    appliedAtMs: Number(item.applied_at_ms ?? 0),
  };
}

function toTotals(item: Record<string, unknown>): Totals {
  return {
    sizeBytes: Number(item.size_bytes ?? 0),
    objectCount: Number(item.object_count ?? 0),
    revision: Number(item.revision ?? 0),
    lastPointMs: Number(item.last_point_ms ?? 0),
  };
}
