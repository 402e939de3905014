/**
 * An `AWS::Lambda::EventSourceMapping` on a DynamoDB stream, as the poller needs it, with Lambda's
 * defaults and limits (BatchSize 1-10,000, default 100; MaximumRetryAttempts -1 = until the record
 * expires, else 0-10,000; starting position TRIM_HORIZON or LATEST, required for streams).
 */
export interface StreamMappingSpec {
  readonly id: string;
  readonly stack: string;
  readonly logicalId: string;
  /** The stream ARN the template names; the poller finds the live stream through its table. */
  readonly eventSourceArn: string;
  readonly tableName: string;
  /** Function name or ARN, as the template gives it. */
  readonly functionName: string;
  readonly batchSize: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** -1: retried until the record leaves the stream (here: until the cloud stops). */
  readonly maximumRetryAttempts: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly reportBatchItemFailures: boolean;
  readonly maximumBatchingWindowMs: number;
  readonly enabled: boolean;
  /** Where discarded batches are described (an SQS or SNS ARN); recorded, logged, not delivered. */
  readonly onFailureDestination?: string;
}

type Props = Record<string, unknown>;

function fail(where: string, message: string): never {
  throw new Error(`${where} (AWS::Lambda::EventSourceMapping): ${message}`);
}

function intIn(
  props: Props,
  name: string,
  min: number,
  max: number,
  fallback: number,
  where: string,
): number {
  const raw = props[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(where, `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

/** The table name of a DynamoDB stream ARN: arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>. */
export function tableOfStreamArn(arn: string): string | undefined {
  return /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/([^/]+)\/stream\/.+$/.exec(arn)?.[1];
}

export function parseStreamMapping(
  props: Props,
  where: { stack: string; logicalId: string; id: string },
): StreamMappingSpec | undefined {
  const at = `stack ${where.stack}, resource ${where.logicalId}`;
  const source = props.EventSourceArn;
  if (typeof source !== 'string') return fail(at, 'EventSourceArn must be a string');
  const tableName = tableOfStreamArn(source);
  if (!tableName) return undefined; // not a DynamoDB stream (SQS, Kinesis...): the caller says so
  const functionName = props.FunctionName;
  if (typeof functionName !== 'string' || !functionName) return fail(at, 'FunctionName must be a string');
  const startingPosition = props.StartingPosition;
  if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST')
    fail(
      at,
      `StartingPosition must be TRIM_HORIZON or LATEST for a DynamoDB stream, got ${JSON.stringify(startingPosition)}`,
    );
  const responseTypes = (props.FunctionResponseTypes ?? []) as unknown[];
  if (!Array.isArray(responseTypes) || responseTypes.some((t) => t !== 'ReportBatchItemFailures'))
    fail(
      at,
      `FunctionResponseTypes may only hold ReportBatchItemFailures, got ${JSON.stringify(props.FunctionResponseTypes)}`,
    );
  const retries = props.MaximumRetryAttempts === undefined ? -1 : Number(props.MaximumRetryAttempts);
  if (!Number.isInteger(retries) || retries < -1 || retries > 10_000)
    fail(
      at,
      `MaximumRetryAttempts must be -1 or 0 to 10000, got ${JSON.stringify(props.MaximumRetryAttempts)}`,
    );
  // delivering what a filter would have held back could break the function: refuse, do not ignore
  if (props.FilterCriteria !== undefined) fail(at, 'FilterCriteria is not supported by the embedded cloud');
  const parallelization = intIn(props, 'ParallelizationFactor', 1, 10, 1, at);
  if (parallelization !== 1) fail(at, 'ParallelizationFactor > 1 is not supported by the embedded cloud');
  const destination = (props.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)
    ?.OnFailure?.Destination;
  const enabled = props.Enabled === undefined ? true : props.Enabled === true || props.Enabled === 'true';
  return {
    id: where.id,
    stack: where.stack,
    logicalId: where.logicalId,
    eventSourceArn: source,
    tableName,
    functionName,
    batchSize: intIn(props, 'BatchSize', 1, 10_000, 100, at),
    startingPosition: startingPosition as 'TRIM_HORIZON' | 'LATEST',
    maximumRetryAttempts: retries,
    bisectBatchOnFunctionError:
      props.BisectBatchOnFunctionError === true || props.BisectBatchOnFunctionError === 'true',
    reportBatchItemFailures: responseTypes.length > 0,
    maximumBatchingWindowMs: intIn(props, 'MaximumBatchingWindowInSeconds', 0, 300, 0, at) * 1000,
    enabled,
    ...(typeof destination === 'string' ? { onFailureDestination: destination } : {}),
  };
}
