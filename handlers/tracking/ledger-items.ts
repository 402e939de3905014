import { createHash } from 'node:crypto';
import type { FiredState } from '../alerts/crossing.ts';
import { isAlertMetric } from '../alerts/thresholds.ts';
import { LEDGER } from '../shared/schema.ts';
import { isPresent, type KnownVersion, type LedgerEntry, NULL_VERSION, type Tombstone } from './ledger.ts';

/** DynamoDB items of the ledger table (entries and totals) and the conditions that guard them. */

export interface Totals {
  /** Current: bytes and count of current data versions (what a listing shows). */
  readonly sizeBytes: number;
  readonly objectCount: number;
  /** Stored: bytes and count of every kept data version (delete markers excluded). */
  readonly storedBytes: number;
  readonly storedVersions: number;
  /** Reconciliation epoch: raised before each listing; every commit is conditioned on it. */
  readonly epoch: number;
  /** Incremented by every committed change; the history point's sort key carries it. */
  readonly revision: number;
  /** Time of the newest history point: points never go back in time, whatever the clocks say. */
  readonly lastPointMs: number;
  /**
   * Alert metrics that fired and are not re-armed yet (metric -> revision it fired at); absent or
   * empty: all armed. Versioned with the totals, so each crossing belongs to one revision.
   */
  readonly alertsFired?: FiredState;
}

// DynamoDB sort keys are at most 1,024 bytes; S3 keys can be that long on their own.
const maxEntryBytes = 1024;

/**
 * The ledger sort key of an object. Plain ids are `object#<key>`; keys too long for that are hashed
 * under a different prefix, `object~sha256:<hex>`, which no plain id can be (plain ids all start
 * with `object#`), so no key can take another key's entry.
 */
export function entryId(key: string): string {
  const plain = LEDGER.objectPrefix + key;
  if (Buffer.byteLength(plain) <= maxEntryBytes) return plain;
  return `${LEDGER.hashedObjectPrefix}${createHash('sha256').update(key).digest('hex')}`;
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

/** The totals as read: same revision and same reconciliation epoch (absent epoch counts as 0). */
export function expectRevision(revision: number, epoch = 0): Condition {
  return {
    ConditionExpression:
      epoch === 0
        ? 'revision = :revision AND (attribute_not_exists(epoch) OR epoch = :epoch)'
        : 'revision = :revision AND epoch = :epoch',
    ExpressionAttributeValues: { ':revision': revision, ':epoch': epoch },
  };
}

export function totalsItem(bucket: string, totals: Totals): Record<string, unknown> {
  return {
    [LEDGER.partitionKey]: bucket,
    [LEDGER.sortKey]: LEDGER.totalsEntry,
    size_bytes: totals.sizeBytes,
    object_count: totals.objectCount,
    stored_bytes: totals.storedBytes,
    stored_versions: totals.storedVersions,
    epoch: totals.epoch,
    revision: totals.revision,
    last_point_ms: totals.lastPointMs,
    ...(totals.alertsFired && Object.keys(totals.alertsFired).length > 0
      ? { alerts_fired: totals.alertsFired }
      : {}),
  };
}

export function fromEntry(
  bucket: string,
  entry: LedgerEntry,
  appliedAtMs: number,
  epoch: number,
): Record<string, unknown> {
  const current = entry.versions[0];
  return {
    [LEDGER.partitionKey]: bucket,
    [LEDGER.sortKey]: entryId(entry.key),
    key: entry.key,
    // current state, for people reading the table
    state: isPresent(entry) ? 'present' : 'deleted',
    size_bytes: isPresent(entry) ? (current?.sizeBytes ?? 0) : 0,
    etag: isPresent(entry) ? (current?.eTag ?? null) : null,
    versions: entry.versions.map((v) => ({
      id: v.versionId,
      marker: v.marker,
      size: v.sizeBytes,
      etag: v.eTag,
      seq: v.sequencer,
      ...(v.lastModified ? { modified: v.lastModified } : {}),
    })),
    removed: entry.removed.map((t) => ({ id: t.versionId, seq: t.sequencer })),
    proven: entry.proven,
    proven_through: entry.provenThrough,
    content_type: entry.contentType,
    event_name: entry.eventName,
    event_time: entry.eventTime,
    version: entry.version,
    epoch,
    applied_at_ms: appliedAtMs,
  };
}

export function toEntry(item: Record<string, unknown>): LedgerEntry {
  const base = {
    key: String(item.key),
    contentType: (item.content_type as string | null | undefined) ?? null,
    eventName: String(item.event_name ?? ''),
    eventTime: String(item.event_time ?? ''),
    version: Number(item.version ?? 0),
    epoch: Number(item.epoch ?? 0),
    provenThrough: String(item.proven_through ?? ''),
    proven: item.proven === true,
  };
  if (Array.isArray(item.versions)) {
    return {
      ...base,
      versions: (item.versions as Record<string, unknown>[]).map(
        (v): KnownVersion => ({
          versionId: String(v.id),
          marker: v.marker === true,
          sizeBytes: Number(v.size ?? 0),
          eTag: (v.etag as string | null | undefined) ?? null,
          sequencer: String(v.seq ?? ''),
          ...(v.modified ? { lastModified: String(v.modified) } : {}),
        }),
      ),
      removed: ((item.removed as Record<string, unknown>[] | undefined) ?? []).map(
        (t): Tombstone => ({ versionId: String(t.id), sequencer: String(t.seq ?? '') }),
      ),
    };
  }
  // An entry written before versions existed: one null slot, present or removed.
  const sequencer = String(item.sequencer ?? '');
  const present = item.state === 'present';
  return {
    ...base,
    proven: sequencer === '',
    versions: present
      ? [
          {
            versionId: NULL_VERSION,
            marker: false,
            sizeBytes: Number(item.size_bytes ?? 0),
            eTag: (item.etag as string | null | undefined) ?? null,
            sequencer,
          },
        ]
      : [],
    removed: present ? [] : [{ versionId: NULL_VERSION, sequencer }],
  };
}

export function toTotals(item: Record<string, unknown>): Totals {
  const sizeBytes = Number(item.size_bytes ?? 0);
  const objectCount = Number(item.object_count ?? 0);
  return {
    sizeBytes,
    objectCount,
    // totals written before stored totals existed: stored == current
    storedBytes: item.stored_bytes === undefined ? sizeBytes : Number(item.stored_bytes),
    storedVersions: item.stored_versions === undefined ? objectCount : Number(item.stored_versions),
    epoch: Number(item.epoch ?? 0),
    revision: Number(item.revision ?? 0),
    lastPointMs: Number(item.last_point_ms ?? 0),
    ...(item.alerts_fired ? { alertsFired: toFiredState(item.alerts_fired) } : {}),
  };
}

function toFiredState(raw: unknown): FiredState {
  const fired: Record<string, number> = {};
  for (const [metric, revision] of Object.entries(raw as Record<string, unknown>)) {
    if (isAlertMetric(metric)) fired[metric] = Number(revision);
  }
  return fired;
}
