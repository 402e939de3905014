import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  paginateQuery,
  TransactGetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { decideCrossings, type MetricValues } from '../alerts/crossing.ts';
import {
  type AlertConfig,
  configItem,
  configKey,
  type OutboxAlert,
  outboxAlert,
  outboxItem,
  toConfig,
} from '../alerts/items.ts';
import { ALERTS } from '../alerts/schema.ts';
import { hasThresholds, type Thresholds } from '../alerts/thresholds.ts';
import { LEDGER } from '../shared/schema.ts';
import { pointItem, rollupFromItem, rollupItem, rollupKey } from './history-items.ts';
import type { LedgerEntry, TotalsDelta } from './ledger.ts';
import {
  entryId,
  expectAbsent,
  expectRevision,
  expectVersion,
  fromEntry,
  type Totals,
  toEntry,
  toTotals,
  totalsItem,
} from './ledger-items.ts';
import {
  mergeRollup,
  type Rollup,
  type RollupLevel,
  rollupLevelsSeconds,
  sameSlots,
  slotStart,
} from './rollups.ts';

export { historySortKey } from './history-items.ts';
export { entryId, type Totals } from './ledger-items.ts';

export interface LedgerSnapshot {
  readonly entries: ReadonlyMap<string, LedgerEntry>;
  readonly totals: Totals | undefined;
  /** The time the snapshot was taken for: a new point lands in the roll-up slots of this time. */
  readonly atMs: number;
  /** The roll-up of each level's slot at `atMs` (absent when the slot has no point yet). */
  readonly rollups: ReadonlyMap<RollupLevel, Rollup>;
  /** The bucket's alert thresholds as stored (undefined: none stored yet, or alerts are off). */
  readonly alertConfig?: AlertConfig | undefined;
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
  /** What the writes were decided on: every item of the transaction is conditioned on it. */
  readonly snapshot: LedgerSnapshot;
  readonly cause: string;
}

export type CommitResult =
  | {
      readonly status: 'committed';
      readonly totals: Totals;
      readonly pointWritten: boolean;
      /** Alerts this commit fired: their outbox rows were written in the same transaction. */
      readonly alerts: readonly OutboxAlert[];
    }
  | { readonly status: 'conflict' }
  /** The new point falls in a later roll-up slot than `atMs` (a newer point exists): read again at `atMs`. */
  | { readonly status: 'reread'; readonly atMs: number };

export interface TableNames {
  readonly history: string;
  readonly ledger: string;
  /** The alerts table (thresholds and outbox); without it no alert is decided. */
  readonly alerts?: string | undefined;
}

export interface LedgerStoreOptions {
  /** Thresholds of a bucket with none stored yet; seeded into the alerts table by its first commit. */
  readonly alertDefaults?: Thresholds;
}

/** The DynamoDB side of the tracker: one consistent read and one transaction per change. */
export class LedgerStore {
  private readonly alertDefaults: Thresholds;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    options: LedgerStoreOptions = {},
  ) {
    this.alertDefaults = options.alertDefaults ?? {};
  }

  /**
   * Reads the entries of `keys`, the bucket's totals and the roll-ups of the slots of `atMs` as one
   * consistent snapshot (one TransactGetItems call). Undefined when a concurrent transaction got in
   * the way: read again.
   */
  async read(bucket: string, keys: readonly string[], atMs: number): Promise<LedgerSnapshot | undefined> {
    const ledgerKeys = [
      { [LEDGER.partitionKey]: bucket, [LEDGER.sortKey]: LEDGER.totalsEntry },
      ...[...new Set(keys)].map((key) => ({ [LEDGER.partitionKey]: bucket, [LEDGER.sortKey]: entryId(key) })),
    ];
    const rollupKeys = rollupLevelsSeconds.map((level) => rollupKey(bucket, level, slotStart(atMs, level)));
    const alertsTable = this.tables.alerts;
    let responses: ({ Item?: Record<string, unknown> } | undefined)[];
    try {
      const out = await this.db.send(
        new TransactGetCommand({
          TransactItems: [
            ...ledgerKeys.map((Key) => ({ Get: { TableName: this.tables.ledger, Key } })),
            ...rollupKeys.map((Key) => ({ Get: { TableName: this.tables.history, Key } })),
            ...(alertsTable ? [{ Get: { TableName: alertsTable, Key: configKey(bucket) } }] : []),
          ],
        }),
      );
      responses = out.Responses ?? [];
    } catch (err) {
      if (isConflict(err)) return undefined;
      throw err;
    }
    const entries = new Map<string, LedgerEntry>();
    let totals: Totals | undefined;
    for (const response of responses.slice(0, ledgerKeys.length)) {
      const item = response?.Item;
      if (!item) continue;
      if (item[LEDGER.sortKey] === LEDGER.totalsEntry) totals = toTotals(item);
      else entries.set(String(item.key), toEntry(item));
    }
    const rollups = new Map<RollupLevel, Rollup>();
    rollupLevelsSeconds.forEach((level, i) => {
      const item = responses[ledgerKeys.length + i]?.Item;
      if (item) rollups.set(level, rollupFromItem(item, level));
    });
    const configResponse = alertsTable ? responses[ledgerKeys.length + rollupKeys.length]?.Item : undefined;
    return {
      entries,
      totals,
      atMs,
      rollups,
      alertConfig: configResponse ? toConfig(configResponse) : undefined,
    };
  }

  /** `read`, retried until no concurrent transaction is in the way. */
  async readConsistent(bucket: string, keys: readonly string[], atMs: number): Promise<LedgerSnapshot> {
    for (let attempt = 1; ; attempt++) {
      const snapshot = await this.read(bucket, keys, atMs);
      if (snapshot) return snapshot;
      if (attempt >= 20)
        throw new Error(`could not read a consistent snapshot of ${bucket}: too many concurrent writers`);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }

  /**
   * Writes the ledger entries, the new totals and one history point atomically. Every item is
   * conditioned on the state that was read, so a concurrent writer makes this a 'conflict' to retry,
   * never a lost update. No totals change means no history point.
   */
  async commit(request: CommitRequest): Promise<CommitResult> {
    const { bucket, writes, delta, snapshot, cause } = request;
    const { totals } = snapshot;
    // Every entry write carries the epoch it was decided under: reconciliation leaves newer ones alone.
    const epoch = totals?.epoch ?? 0;
    const items: TransactItem[] = writes.map(({ prior, next }) => ({
      Put: {
        TableName: this.tables.ledger,
        Item: fromEntry(bucket, next, snapshot.atMs, epoch),
        ...(prior ? expectVersion(prior.version) : expectAbsent()),
      },
    }));

    const changesTotals =
      delta.bytes !== 0 || delta.objects !== 0 || delta.storedBytes !== 0 || delta.storedVersions !== 0;
    let after = totals ?? zeroTotals;
    let alerts: readonly OutboxAlert[] = [];
    if (changesTotals) {
      // History never goes back: a point older than the newest lands at the newest point's time.
      // The roll-ups read for `atMs` still hold it when both times share every slot; otherwise the
      // roll-ups of the later slots must be read.
      const timeMs = Math.max(snapshot.atMs, after.lastPointMs);
      if (!sameSlots(timeMs, snapshot.atMs)) return { status: 'reread', atMs: timeMs };
      after = {
        sizeBytes: after.sizeBytes + delta.bytes,
        objectCount: after.objectCount + delta.objects,
        storedBytes: after.storedBytes + delta.storedBytes,
        storedVersions: after.storedVersions + delta.storedVersions,
        epoch,
        revision: after.revision + 1,
        lastPointMs: timeMs,
        ...(after.alertsFired ? { alertsFired: after.alertsFired } : {}),
      };
      const alerting = this.alertWrites(bucket, snapshot, after);
      after = alerting.totals;
      alerts = alerting.alerts;
      items.push(...alerting.items);
      items.push({
        Put: {
          TableName: this.tables.ledger,
          Item: totalsItem(bucket, after),
          ...(totals ? expectRevision(totals.revision, totals.epoch) : expectAbsent()),
        },
      });
      items.push(...this.historyWrites(bucket, after, cause, snapshot.rollups));
    } else if (totals) {
      // The ledger change rides on an unchanged revision, so a concurrent totals change still conflicts.
      items.push({
        ConditionCheck: {
          TableName: this.tables.ledger,
          Key: { [LEDGER.partitionKey]: bucket, [LEDGER.sortKey]: LEDGER.totalsEntry },
          ...expectRevision(totals.revision, totals.epoch),
        },
      });
    }
    if (items.length === 0) return { status: 'committed', totals: after, pointWritten: false, alerts };

    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (err) {
      if (isConflict(err)) return { status: 'conflict' };
      throw err;
    }
    return { status: 'committed', totals: after, pointWritten: changesTotals, alerts };
  }

  /**
   * The alert side of a totals change: the crossings the new totals make (decided from the fired
   * state read with the totals), their outbox rows, and the new fired state, all committed in the
   * same transaction as the totals. The totals' revision condition is what makes a crossing happen
   * once: only one commit can move the totals to a given revision, and the outbox row's id carries
   * that revision (conditioned on being new, so nothing ever overwrites a row).
   */
  private alertWrites(
    bucket: string,
    snapshot: LedgerSnapshot,
    after: Totals,
  ): { totals: Totals; alerts: OutboxAlert[]; items: TransactItem[] } {
    const table = this.tables.alerts;
    if (!table) return { totals: after, alerts: [], items: [] };
    const config = snapshot.alertConfig;
    const thresholds = config?.thresholds ?? this.alertDefaults;
    const decision = decideCrossings(
      thresholds,
      after.alertsFired ?? {},
      metricValues(after),
      after.revision,
    );
    const alerts = decision.crossings.map((crossing) =>
      outboxAlert(bucket, crossing, after.revision, after.lastPointMs),
    );
    const items: TransactItem[] = alerts.map((alert) => ({
      Put: {
        TableName: table,
        Item: outboxItem(alert),
        ConditionExpression: 'attribute_not_exists(#item)',
        ExpressionAttributeNames: { '#item': ALERTS.sortKey },
      },
    }));
    if (!config && hasThresholds(this.alertDefaults)) {
      // seeded on first use, so the API shows (and changes) what the tracker decides with
      items.push({
        Put: {
          TableName: table,
          Item: configItem(bucket, {
            thresholds: this.alertDefaults,
            version: 1,
            updatedAt: new Date(snapshot.atMs).toISOString(),
            source: 'defaults',
          }),
          ConditionExpression: 'attribute_not_exists(#item)',
          ExpressionAttributeNames: { '#item': ALERTS.sortKey },
        },
      });
    }
    const { alertsFired: _previous, ...rest } = after;
    const fired = Object.keys(decision.fired).length > 0 ? { alertsFired: decision.fired } : {};
    return { totals: { ...rest, ...fired }, alerts, items };
  }

  /**
   * Starts tracking an empty bucket: totals at zero and a first history point, so that the bucket is
   * known to the plot API. Does nothing (returns the totals found) when another writer started it first.
   */
  async startTotals(bucket: string, nowMs: number): Promise<Totals | undefined> {
    const found = (await this.readConsistent(bucket, [], nowMs)).totals;
    if (found && found.revision > 0) return found;
    const totals: Totals = { ...zeroTotals, epoch: found?.epoch ?? 0, revision: 1, lastPointMs: nowMs };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tables.ledger,
                Item: totalsItem(bucket, totals),
                ...(found ? expectRevision(0, found.epoch) : expectAbsent()),
              },
            },
            ...this.historyWrites(bucket, totals, 'StartTracking', new Map()),
          ],
        }),
      );
    } catch (err) {
      if (isConflict(err)) return (await this.readConsistent(bucket, [], nowMs)).totals;
      throw err;
    }
    return totals;
  }

  /**
   * Raises the bucket's reconciliation epoch (creating totals at zero, without a point, if there are
   * none). Every commit is conditioned on the epoch it read, so a writer that read before this
   * re-reads and stamps its entry with the new epoch: reconciliation then knows, without clocks,
   * which entries were written after its listing started. Returns the new epoch.
   */
  async raiseEpoch(bucket: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const totals = (await this.readConsistent(bucket, [], Date.now())).totals;
      const next: Totals = { ...(totals ?? zeroTotals), epoch: (totals?.epoch ?? 0) + 1 };
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tables.ledger,
                  Item: totalsItem(bucket, next),
                  ...(totals ? expectRevision(totals.revision, totals.epoch) : expectAbsent()),
                },
              },
            ],
          }),
        );
        return next.epoch;
      } catch (err) {
        if (!isConflict(err) || attempt >= 30) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  /**
   * The history point for new totals and its roll-ups. Roll-ups need no condition of their own: the
   * totals item's revision condition serializes every writer of the bucket, and the snapshot they
   * were merged from was read together with that revision.
   */
  private historyWrites(
    bucket: string,
    totals: Totals,
    cause: string,
    rollups: ReadonlyMap<RollupLevel, Rollup>,
  ): TransactItem[] {
    const point = {
      timeMs: totals.lastPointMs,
      sizeBytes: totals.sizeBytes,
      objectCount: totals.objectCount,
      storedBytes: totals.storedBytes,
      storedVersions: totals.storedVersions,
    };
    return [
      {
        Put: {
          TableName: this.tables.history,
          Item: pointItem(bucket, { ...point, revision: totals.revision, cause }),
          ConditionExpression: 'attribute_not_exists(#ts)',
          ExpressionAttributeNames: { '#ts': 'ts' },
        },
      },
      ...rollupLevelsSeconds.map((level) => ({
        Put: {
          TableName: this.tables.history,
          Item: rollupItem(bucket, mergeRollup(rollups.get(level), point, level)),
        },
      })),
    ];
  }

  /** Every ledger entry of a bucket (reconciliation only: O(objects)). */
  async *entries(bucket: string): AsyncGenerator<LedgerEntry> {
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tables.ledger,
        KeyConditionExpression: '#bucket = :bucket AND begins_with(#entry, :prefix)',
        ExpressionAttributeNames: { '#bucket': LEDGER.partitionKey, '#entry': LEDGER.sortKey },
        ExpressionAttributeValues: { ':bucket': bucket, ':prefix': LEDGER.anyObjectPrefix },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) yield toEntry(item);
    }
  }
}

function metricValues(totals: Totals): MetricValues {
  return {
    currentBytes: totals.sizeBytes,
    storedBytes: totals.storedBytes,
    objectCount: totals.objectCount,
  };
}

/** The totals of a bucket nothing was tracked in yet. */
export const zeroTotals: Totals = {
  sizeBytes: 0,
  objectCount: 0,
  storedBytes: 0,
  storedVersions: 0,
  epoch: 0,
  revision: 0,
  lastPointMs: 0,
};

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

function isConflict(err: unknown): boolean {
  if (!(err instanceof TransactionCanceledException)) return false;
  return (err.CancellationReasons ?? []).some(
    (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
  );
}
