import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { type BatchOutcome, deliverBatch } from './batch-delivery.ts';
import type { CheckpointStore, ShardCheckpoint } from './checkpoints.ts';
import { type LambdaStreamRecord, toLambdaRecord } from './lambda-records.ts';
import type { StreamMappingSpec } from './mapping.ts';

/**
 * Polls one DynamoDB stream for one event source mapping, as Lambda's stream poller does: every
 * shard is read in order, a child shard only once its parent is read to its end (shard lineage),
 * one batch in flight per shard, each batch delivered (retried, bisected, discarded) before the
 * shard moves on. With a checkpoint store (a local cloud with a state folder) the mapping resumes
 * after a restart where it stopped, as Lambda's does; without one (temporary state) it starts again
 * at its StartingPosition.
 */
export interface StreamPollerOptions {
  readonly spec: StreamMappingSpec;
  readonly streams: DynamoDBStreamsClient;
  readonly dynamodb: DynamoDBClient;
  readonly region: string;
  readonly invoke: (event: { Records: LambdaStreamRecord[] }, finalAttempt: boolean) => Promise<BatchOutcome>;
  readonly log: (line: string) => void;
  /** Pause between polls of a quiet stream. Lambda polls a shard about 4 times a second. Default 250. */
  readonly pollIntervalMs?: number;
  /** Delays before retries of a failed batch grow from this, capped at 10x. Default 200. */
  readonly retryBaseMs?: number;
  /** Keeps the mapping's position across restarts (checkpoints.ts); in memory only when omitted. */
  readonly checkpoints?: CheckpointStore;
}

export interface StreamPollerStats {
  readonly batches: number;
  readonly records: number;
  readonly invocations: number;
  readonly discardedRecords: number;
}

interface ShardState {
  readonly shard: Shard;
  /** Where reading starts when nothing was delivered from it yet. */
  readonly startAt: 'LATEST' | 'TRIM_HORIZON';
  iterator?: string;
  lastSequence?: string;
  done: boolean;
}

export class StreamPoller {
  private readonly options: StreamPollerOptions;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly shards = new Map<string, ShardState>();
  private firstDiscovery = true;
  /** Positions saved by an earlier run of this mapping on the same stream. */
  private restored: Readonly<Record<string, ShardCheckpoint>> = {};
  private endedAtDiscovery = -1;
  private counts = { batches: 0, records: 0, invocations: 0, discardedRecords: 0 };
  private quietWaiters: (() => void)[] = [];

  constructor(options: StreamPollerOptions) {
    this.options = options;
  }

  start(): void {
    this.loop ??= this.run().catch((err: Error) => {
      if (!this.stopped)
        this.options.log(`stream mapping ${this.options.spec.logicalId} stopped: ${err.message}`);
    });
  }

  stats(): StreamPollerStats {
    return { ...this.counts };
  }

  /** Resolves after the next full pass over every shard that found no new record. */
  whenQuiet(): Promise<void> {
    return new Promise((resolve) => this.quietWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    for (const resolve of this.quietWaiters.splice(0)) resolve();
    await this.loop;
  }

  private async sleep(ms: number): Promise<boolean> {
    if (this.stopped) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
    return !this.stopped;
  }

  private async streamArn(): Promise<string> {
    for (;;) {
      try {
        const table = await this.options.dynamodb.send(
          new DescribeTableCommand({ TableName: this.options.spec.tableName }),
        );
        const arn = table.Table?.LatestStreamArn;
        if (arn) return arn;
        throw new Error(`table ${this.options.spec.tableName} has no stream (StreamSpecification missing?)`);
      } catch (err) {
        if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
        if (!(await this.sleep(this.options.pollIntervalMs ?? 250))) return '';
      }
    }
  }

  private async run(): Promise<void> {
    const streamArn = await this.streamArn();
    if (!streamArn) return;
    this.restore(streamArn);
    const interval = this.options.pollIntervalMs ?? 250;
    // the shard list changes rarely (DynamoDB rolls shards over every few hours): asked again when a
    // shard ends, and every few seconds, not on every poll
    let passesSinceDiscovery = Number.POSITIVE_INFINITY;
    while (!this.stopped) {
      const ended = [...this.shards.values()].filter((state) => state.done).length;
      if (passesSinceDiscovery >= 20 || ended !== this.endedAtDiscovery) {
        await this.discover(streamArn);
        this.endedAtDiscovery = [...this.shards.values()].filter((state) => state.done).length;
        passesSinceDiscovery = 0;
      }
      passesSinceDiscovery++;
      let found = 0;
      for (const state of this.readyShards()) {
        if (this.stopped) return;
        found += await this.pollShard(streamArn, state);
      }
      if (found === 0) {
        for (const resolve of this.quietWaiters.splice(0)) resolve();
        if (!(await this.sleep(interval))) return;
      }
    }
  }

  /** Positions of an earlier run on this stream: the mapping is not new, so new shards start at their start. */
  private restore(streamArn: string): void {
    const saved = this.options.checkpoints?.load();
    if (!saved) return;
    if (saved.streamArn !== streamArn) {
      this.options.log(
        `stream mapping ${this.options.spec.logicalId}: its checkpoint is for ${saved.streamArn}, the table's stream is now ${streamArn} (table created again?): starting at ${this.options.spec.startingPosition}`,
      );
      return;
    }
    this.restored = saved.shards;
    this.firstDiscovery = false;
  }

  private checkpoint(streamArn: string): void {
    const store = this.options.checkpoints;
    if (!store) return;
    const shards: Record<string, ShardCheckpoint> = {};
    for (const [id, state] of this.shards)
      shards[id] = {
        startAt: state.startAt,
        done: state.done,
        ...(state.lastSequence ? { lastSequence: state.lastSequence } : {}),
      };
    store.save({ streamArn, shards });
  }

  /** Every shard of the stream; the ones existing at start begin at StartingPosition, later ones at their start. */
  private async discover(streamArn: string): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    do {
      const out = await this.options.streams.send(
        new DescribeStreamCommand({
          StreamArn: streamArn,
          ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}),
        }),
      );
      for (const shard of out.StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
        const kept = Object.hasOwn(this.restored, shard.ShardId) ? this.restored[shard.ShardId] : undefined;
        if (kept) {
          this.shards.set(shard.ShardId, {
            shard,
            startAt: kept.startAt,
            done: kept.done,
            ...(kept.lastSequence ? { lastSequence: kept.lastSequence } : {}),
          });
          continue;
        }
        const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
        // LATEST at mapping creation: a shard already closed then has nothing new to give
        const latest = this.firstDiscovery && this.options.spec.startingPosition === 'LATEST';
        this.shards.set(shard.ShardId, {
          shard,
          startAt: latest ? 'LATEST' : 'TRIM_HORIZON',
          done: latest && closed,
        });
      }
      exclusiveStartShardId = out.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    this.firstDiscovery = false;
  }

  /** Shards not read to their end whose parent (if still in the stream) is. */
  private readyShards(): ShardState[] {
    return [...this.shards.values()].filter((state) => {
      if (state.done) return false;
      const parent = state.shard.ParentShardId ? this.shards.get(state.shard.ParentShardId) : undefined;
      return !parent || parent.done;
    });
  }

  private async iteratorFor(streamArn: string, state: ShardState): Promise<string | undefined> {
    const type: ShardIteratorType = state.lastSequence ? 'AFTER_SEQUENCE_NUMBER' : state.startAt;
    try {
      const out = await this.options.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: state.shard.ShardId,
          ShardIteratorType: type,
          ...(state.lastSequence ? { SequenceNumber: state.lastSequence } : {}),
        }),
      );
      return out.ShardIterator;
    } catch (err) {
      // a position older than the stream's 24 hours: the records between it and the oldest one
      // left are gone, as on Lambda (not reproduced in a test: DynamoDB Local trims after 24 hours)
      if ((err as { name?: string }).name !== 'TrimmedDataAccessException' || !state.lastSequence) throw err;
      this.options.log(
        `stream mapping ${this.options.spec.logicalId}: records after ${state.lastSequence} in ${state.shard.ShardId} were trimmed from the stream: going on from the oldest one left`,
      );
      state.lastSequence = undefined;
      return this.iteratorFor(streamArn, { ...state, startAt: 'TRIM_HORIZON' });
    }
  }

  /** Reads one batch of a shard and delivers it; the number of records read. */
  private async pollShard(streamArn: string, state: ShardState): Promise<number> {
    const { spec } = this.options;
    if (!state.iterator) {
      state.iterator = await this.iteratorFor(streamArn, state);
      if (!state.iterator) {
        state.done = true;
        this.checkpoint(streamArn);
        return 0;
      }
    }
    let out: GetRecordsCommandOutput;
    try {
      out = await this.options.streams.send(
        new GetRecordsCommand({ ShardIterator: state.iterator, Limit: spec.batchSize }),
      );
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException') {
        state.iterator = undefined; // read again after the last delivered record
        return 0;
      }
      throw err;
    }
    const records = out.Records ?? [];
    if (records.length > 0) {
      const batch = records.map((record) => toLambdaRecord(record, streamArn, this.options.region));
      this.counts.batches++;
      this.counts.records += batch.length;
      const result = await deliverBatch(batch, {
        maximumRetryAttempts: spec.maximumRetryAttempts,
        bisectBatchOnFunctionError: spec.bisectBatchOnFunctionError,
        reportBatchItemFailures: spec.reportBatchItemFailures,
        invoke: (part, finalAttempt) =>
          this.options.invoke({ Records: part as LambdaStreamRecord[] }, finalAttempt),
        beforeRetry: (attempt) =>
          this.sleep(Math.min(10, 2 ** (attempt - 1)) * (this.options.retryBaseMs ?? 200)),
      });
      this.counts.invocations += result.invocations;
      for (const gone of result.discarded) {
        this.counts.discardedRecords += gone.records.length;
        const first = gone.records[0]?.dynamodb.SequenceNumber;
        this.options.log(
          `stream mapping ${spec.logicalId}: ${gone.records.length} record(s) from ${first} discarded after ${spec.maximumRetryAttempts} retries (${gone.error})${
            spec.onFailureDestination
              ? `; on-failure destination ${spec.onFailureDestination} is not delivered to`
              : ''
          }`,
        );
      }
      if (!result.completed) return records.length;
      state.lastSequence = batch.at(-1)?.dynamodb.SequenceNumber;
    }
    state.iterator = out.NextShardIterator;
    if (!state.iterator) state.done = true; // a closed shard read to its end: its children may start
    if (records.length > 0 || state.done) this.checkpoint(streamArn);
    return records.length;
  }
}
