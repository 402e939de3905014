import { describe, expect, it } from 'vitest';
import { deliverBatch, type StreamBatchRecord } from '../../../emulator/dynamodb/streams/batch-delivery.ts';
import { parseStreamMapping } from '../../../emulator/dynamodb/streams/mapping.ts';

const records = (n: number): StreamBatchRecord[] =>
  Array.from({ length: n }, (_, i) => ({ dynamodb: { SequenceNumber: String(100 + i) } }));
const seqs = (batch: readonly StreamBatchRecord[]) =>
  batch.map((r) => Number(r.dynamodb.SequenceNumber) - 100);

/** Runs deliverBatch with a function that fails on the given records; returns the batches it saw. */
async function run(
  n: number,
  bad: Set<number>,
  options: { retries: number; bisect: boolean; report?: boolean; failTimes?: number },
) {
  const seen: number[][] = [];
  const failures = new Map<number, number>();
  const result = await deliverBatch(records(n), {
    maximumRetryAttempts: options.retries,
    bisectBatchOnFunctionError: options.bisect,
    reportBatchItemFailures: options.report ?? false,
    beforeRetry: async () => true,
    invoke: async (batch) => {
      const ids = seqs(batch);
      seen.push(ids);
      const failing = ids.filter((id) => {
        if (!bad.has(id)) return false;
        const count = (failures.get(id) ?? 0) + 1;
        failures.set(id, count);
        return count <= (options.failTimes ?? Number.POSITIVE_INFINITY);
      });
      if (failing.length === 0) return { ok: true, payload: null };
      if (options.report)
        return {
          ok: true,
          payload: { batchItemFailures: failing.map((id) => ({ itemIdentifier: String(100 + id) })) },
        };
      return { ok: false, error: `record ${failing[0]} is bad` };
    },
  });
  return { seen, result };
}

describe('stream batch delivery (Lambda semantics)', () => {
  it('retries a failing batch whole without bisect, then discards it after MaximumRetryAttempts', async () => {
    const { seen, result } = await run(4, new Set([2]), { retries: 2, bisect: false });
    expect(seen).toEqual([
      [0, 1, 2, 3],
      [0, 1, 2, 3],
      [0, 1, 2, 3],
    ]);
    expect(result.discarded.map((d) => seqs(d.records))).toEqual([[0, 1, 2, 3]]);
  });

  it('bisects a failing batch down to the bad record, delivering the rest in order', async () => {
    const { seen, result } = await run(8, new Set([5]), { retries: 1, bisect: true });
    expect(seen).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [4, 5],
      [4],
      [5],
      [5],
      [6, 7],
    ]);
    expect(result.discarded.map((d) => seqs(d.records))).toEqual([[5]]);
  });

  it('retries only from the lowest reported failure with ReportBatchItemFailures', async () => {
    const { seen, result } = await run(6, new Set([2, 4]), {
      retries: 3,
      bisect: false,
      report: true,
      failTimes: 1,
    });
    expect(seen).toEqual([
      [0, 1, 2, 3, 4, 5],
      [2, 3, 4, 5],
    ]);
    expect(result.discarded).toEqual([]);
  });

  it('treats an unknown itemIdentifier as a failure of the whole batch', async () => {
    let calls = 0;
    const result = await deliverBatch(records(3), {
      maximumRetryAttempts: 0,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: true,
      beforeRetry: async () => true,
      invoke: async () => {
        calls++;
        return { ok: true, payload: { batchItemFailures: [{ itemIdentifier: 'nope' }] } };
      },
    });
    expect(calls).toBe(1);
    expect(result.discarded.map((d) => seqs(d.records))).toEqual([[0, 1, 2]]);
  });

  it('parses a mapping with Lambda defaults and refuses bad properties naming them', () => {
    const where = { stack: 'S', logicalId: 'M', id: 'x' };
    const arn = 'arn:aws:dynamodb:us-east-1:000000000000:table/alerts-1/stream/2026-01-01T00:00:00.000';
    expect(
      parseStreamMapping({ EventSourceArn: arn, FunctionName: 'f', StartingPosition: 'LATEST' }, where),
    ).toMatchObject({
      tableName: 'alerts-1',
      batchSize: 100,
      maximumRetryAttempts: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
    });
    expect(() => parseStreamMapping({ EventSourceArn: arn, FunctionName: 'f' }, where)).toThrow(
      /StartingPosition/,
    );
    expect(() =>
      parseStreamMapping(
        { EventSourceArn: arn, FunctionName: 'f', StartingPosition: 'LATEST', BatchSize: 0 },
        where,
      ),
    ).toThrow(/BatchSize/);
    expect(
      parseStreamMapping({ EventSourceArn: 'arn:aws:sqs:us-east-1:0:q', FunctionName: 'f' }, where),
    ).toBeUndefined();
  });
});
