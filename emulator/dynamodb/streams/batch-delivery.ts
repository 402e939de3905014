/**
 * What Lambda does with one batch read from a stream shard, before it moves on to the next one:
 * invoke; on a function error (or a crash) retry the batch, splitting it in two first when
 * BisectBatchOnFunctionError is on (a split does not use up a retry, as on Lambda); with
 * ReportBatchItemFailures, a reply naming failed records means "everything from the lowest of
 * them on failed" (a name not in the batch fails the whole batch); after MaximumRetryAttempts
 * retries the records are discarded and the shard goes on. Records keep their order throughout.
 */

export interface StreamBatchRecord {
  readonly dynamodb: { readonly SequenceNumber: string };
}

export type BatchOutcome =
  | { readonly ok: true; readonly payload: unknown }
  | { readonly ok: false; readonly error: string };

export interface BatchDeliveryOptions {
  readonly maximumRetryAttempts: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly reportBatchItemFailures: boolean;
  /** Invokes the function with `{ Records }`; `finalAttempt` when no retry can follow a failure. */
  readonly invoke: (records: readonly StreamBatchRecord[], finalAttempt: boolean) => Promise<BatchOutcome>;
  /** Called before each retry (backoff); resolves false when delivery must stop (the cloud stops). */
  readonly beforeRetry: (attempt: number) => Promise<boolean>;
}

export interface BatchDeliveryResult {
  readonly invocations: number;
  /** Records given up on after the retries, with the last error. */
  readonly discarded: readonly { readonly records: readonly StreamBatchRecord[]; readonly error: string }[];
  /** False when stopped before the batch was through. */
  readonly completed: boolean;
}

/** The records that failed, from the function's reply: undefined when all succeeded. */
export function failedFrom(
  records: readonly StreamBatchRecord[],
  payload: unknown,
  reportBatchItemFailures: boolean,
): { index: number; error: string } | undefined {
  if (!reportBatchItemFailures) return undefined;
  const failures = (payload as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined || failures === null) return undefined;
  if (!Array.isArray(failures))
    return { index: 0, error: 'batchItemFailures is not a list: the whole batch failed' };
  if (failures.length === 0) return undefined;
  let lowest = records.length;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = records.findIndex((r) => r.dynamodb.SequenceNumber === id);
    if (index < 0)
      return {
        index: 0,
        error: `batchItemFailures names ${JSON.stringify(id)}, not in the batch: the whole batch failed`,
      };
    lowest = Math.min(lowest, index);
  }
  return { index: lowest, error: `the function reported ${failures.length} failed record(s)` };
}

export async function deliverBatch(
  batch: readonly StreamBatchRecord[],
  options: BatchDeliveryOptions,
): Promise<BatchDeliveryResult> {
  const discarded: { records: readonly StreamBatchRecord[]; error: string }[] = [];
  let invocations = 0;
  // pending parts, in stream order; each carries the retries it has used
  const parts: { records: readonly StreamBatchRecord[]; retries: number }[] = [
    { records: batch, retries: 0 },
  ];
  const limit = options.maximumRetryAttempts;
  while (parts.length > 0) {
    const part = parts.shift() as { records: readonly StreamBatchRecord[]; retries: number };
    const canSplit = options.bisectBatchOnFunctionError && part.records.length > 1;
    const finalAttempt = limit >= 0 && part.retries >= limit && !canSplit;
    invocations++;
    const outcome = await options.invoke(part.records, finalAttempt);
    let failed: { index: number; error: string } | undefined;
    if (!outcome.ok) failed = { index: 0, error: outcome.error };
    else failed = failedFrom(part.records, outcome.payload, options.reportBatchItemFailures);
    if (!failed) continue;
    const rest = part.records.slice(failed.index);
    if (options.bisectBatchOnFunctionError && rest.length > 1) {
      const half = Math.ceil(rest.length / 2);
      parts.unshift(
        { records: rest.slice(0, half), retries: part.retries },
        { records: rest.slice(half), retries: part.retries },
      );
    } else if (limit >= 0 && part.retries >= limit) {
      discarded.push({ records: rest, error: failed.error });
      continue;
    } else {
      parts.unshift({ records: rest, retries: part.retries + 1 });
    }
    if (!(await options.beforeRetry(part.retries + 1))) return { invocations, discarded, completed: false };
  }
  return { invocations, discarded, completed: true };
}
