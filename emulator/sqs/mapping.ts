/**
 * An `AWS::Lambda::EventSourceMapping` on an SQS queue, with Lambda's defaults and limits: BatchSize
 * 1-10,000 (default 10; at most 10 for a FIFO queue; over 10 needs a batching window),
 * MaximumBatchingWindowInSeconds 0-300, FunctionResponseTypes [ReportBatchItemFailures],
 * ScalingConfig.MaximumConcurrency 2-1000. Pure.
 */
export interface SqsMappingSpec {
  readonly id: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly queueArn: string;
  /** Function name or ARN, as the template gives it. */
  readonly functionName: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowMs: number;
  readonly reportBatchItemFailures: boolean;
  /** Concurrent invocations the mapping may have; undefined: Lambda's own scaling (here DEFAULT_POLLERS). */
  readonly maximumConcurrency?: number;
  readonly enabled: boolean;
}

/** Lambda starts 5 pollers for an SQS queue and scales out from there; the embedded cloud keeps 5. */
export const DEFAULT_POLLERS = 5;

type Props = Record<string, unknown>;

export function isSqsArn(arn: unknown): arn is string {
  return typeof arn === 'string' && /^arn:[^:]+:sqs:[^:]*:[^:]*:[^:]+$/.test(arn);
}

export function parseSqsMapping(
  props: Props,
  where: { stack: string; logicalId: string; id: string },
): SqsMappingSpec {
  const at = `stack ${where.stack}, resource ${where.logicalId} (AWS::Lambda::EventSourceMapping)`;
  const fail = (message: string): never => {
    throw new Error(`${at}: ${message}`);
  };
  const queueArn = props.EventSourceArn;
  if (!isSqsArn(queueArn)) return fail('EventSourceArn must be an SQS queue ARN');
  const fifo = queueArn.endsWith('.fifo');
  const functionName = props.FunctionName;
  if (typeof functionName !== 'string' || !functionName) return fail('FunctionName must be a string');
  const int = (name: string, value: unknown, min: number, max: number, fallback: number): number => {
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max)
      fail(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return number;
  };
  const batchSize = int('BatchSize', props.BatchSize, 1, fifo ? 10 : 10_000, 10);
  const window = int('MaximumBatchingWindowInSeconds', props.MaximumBatchingWindowInSeconds, 0, 300, 0);
  if (fifo && window > 0)
    fail('MaximumBatchingWindowInSeconds is not supported for FIFO queues (as on Lambda)');
  if (batchSize > 10 && window === 0)
    fail('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
  const responseTypes = (props.FunctionResponseTypes ?? []) as unknown[];
  if (!Array.isArray(responseTypes) || responseTypes.some((t) => t !== 'ReportBatchItemFailures'))
    fail(
      `FunctionResponseTypes may only hold ReportBatchItemFailures, got ${JSON.stringify(props.FunctionResponseTypes)}`,
    );
  // delivering what a filter would have held back could break the function: refuse, do not ignore
  if (props.FilterCriteria !== undefined) fail('FilterCriteria is not supported by the embedded cloud');
  if (props.StartingPosition !== undefined) fail('StartingPosition is not valid for an SQS event source');
  const scaling = props.ScalingConfig as { MaximumConcurrency?: unknown } | undefined;
  const maximumConcurrency =
    scaling?.MaximumConcurrency === undefined
      ? undefined
      : int('ScalingConfig.MaximumConcurrency', scaling.MaximumConcurrency, 2, 1000, 2);
  return {
    id: where.id,
    stack: where.stack,
    logicalId: where.logicalId,
    queueArn,
    functionName,
    batchSize,
    maximumBatchingWindowMs: window * 1000,
    reportBatchItemFailures: responseTypes.length > 0,
    ...(maximumConcurrency !== undefined ? { maximumConcurrency } : {}),
    enabled: props.Enabled === undefined ? true : props.Enabled === true || props.Enabled === 'true',
  };
}

/**
 * The messages of a batch the function reported as failed (ReportBatchItemFailures): an empty list,
 * null or no `batchItemFailures` means none; an answer Lambda cannot read (not a list, an entry
 * without an itemIdentifier, an id not in the batch) fails the whole batch, as on Lambda.
 */
export function failedMessageIds(
  messageIds: readonly string[],
  payload: unknown,
): { failed: ReadonlySet<string>; whole?: string } {
  const failures = (payload as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return { failed: new Set() };
  if (!Array.isArray(failures))
    return { failed: new Set(messageIds), whole: 'batchItemFailures is not a list: the whole batch failed' };
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !messageIds.includes(id))
      return {
        failed: new Set(messageIds),
        whole: `batchItemFailures names ${JSON.stringify(id)}, not a message of the batch: the whole batch failed`,
      };
    failed.add(id);
  }
  return { failed };
}
