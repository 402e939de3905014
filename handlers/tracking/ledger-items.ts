import { createHash } from 'node:crypto';
import { LEDGER } from '../shared/schema.ts';
import type { LedgerEntry } from './ledger.ts';

/** DynamoDB items of the ledger table (entries and totals) and the conditions that guard them. */

export interface Totals {
  readonly sizeBytes: number;
  readonly objectCount: number;
  /** Incremented by every committed change; the history point's sort key carries it. */
  readonly revision: number;
  /** Time of the newest history point: points never go back in time, whatever the clocks say. */
  readonly lastPointMs: number;
}

// DynamoDB sort keys are at most 1,024 bytes; S3 keys can be that long on their own.
const maxEntryBytes = 1024;

export function entryId(key: string): string {
  const plain = LEDGER.objectPrefix + key;
  if (Buffer.byteLength(plain) <= maxEntryBytes) return plain;
  return `${LEDGER.objectPrefix}sha256:${createHash('sha256').update(key).digest('hex')}`;
}

export interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

export function expectAbsent(): Condition {
  return {
    ConditionExpression: 'attribute_not_exists(#entry)',
    ExpressionAttributeNames: { '#entry': LEDGER.sortKey },
  };
}

export function expectVersion(version: number): Condition {
  return {
    ConditionExpression: '#version = :version',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':version': version },
  };
}

export function expectRevision(revision: number): Condition {
  return {
    ConditionExpression: 'revision = :revision',
    ExpressionAttributeValues: { ':revision': revision },
  };
}

export function totalsItem(bucket: string, totals: Totals): Record<string, unknown> {
  return {
    [LEDGER.partitionKey]: bucket,
    [LEDGER.sortKey]: LEDGER.totalsEntry,
    size_bytes: totals.sizeBytes,
    object_count: totals.objectCount,
    revision: totals.revision,
    last_point_ms: totals.lastPointMs,
  };
}

export function fromEntry(bucket: string, entry: LedgerEntry, appliedAtMs: number): Record<string, unknown> {
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

export function toEntry(item: Record<string, unknown>): LedgerEntry {
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

export function toTotals(item: Record<string, unknown>): Totals {
  return {
    sizeBytes: Number(item.size_bytes ?? 0),
    objectCount: Number(item.object_count ?? 0),
    revision: Number(item.revision ?? 0),
    lastPointMs: Number(item.last_point_ms ?? 0),
  };
}
