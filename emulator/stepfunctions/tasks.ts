import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { commandName, SDK_MODULES, type SdkService, type TaskResource } from './task-resources.ts';

/**
 * Task states' calls, as Step Functions makes them and answers them: the result in the shape AWS
 * returns (lambda:invoke's `Payload`, `SdkHttpMetadata`...), errors under the names Retry and Catch
 * match on AWS (a function's own errorType, `Lambda.ServiceException`, `DynamoDB.<X>Exception`,
 * `S3.<X>Exception` for aws-sdk integrations...).
 */
export type FunctionOutcome =
  | { readonly ok: true; readonly requestId: string; readonly payload: unknown }
  | {
      readonly ok: false;
      readonly requestId: string;
      readonly errorType: string;
      readonly errorMessage: string;
      readonly trace?: readonly string[];
    };

export interface TaskDependencies {
  /** Undefined when the cloud has no such function. */
  invokeFunction(
    functionNameOrArn: string,
    payload: unknown,
    invocationType: 'RequestResponse' | 'Event',
  ): Promise<FunctionOutcome | undefined>;
  readonly clients: { readonly dynamodb: DynamoDBClient; readonly s3: S3Client; readonly sns: SNSClient };
}

/** A Task's failure: `name` is the Error Retry/Catch match, `message` the Cause. */
export class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

const httpMetadata = (requestId: string) => ({
  SdkHttpMetadata: {
    AllHttpHeaders: { 'x-amzn-RequestId': [requestId], 'Content-Type': ['application/x-amz-json-1.0'] },
    HttpHeaders: { 'x-amzn-RequestId': requestId, 'Content-Type': 'application/x-amz-json-1.0' },
    HttpStatusCode: 200,
  },
  SdkResponseMetadata: { RequestId: requestId },
});

export async function runTask(
  resource: TaskResource,
  input: unknown,
  deps: TaskDependencies,
): Promise<unknown> {
  switch (resource.type) {
    case 'lambda-function':
      return (await invokeLambda(deps, resource.functionArn, input, 'RequestResponse')).payload;
    case 'lambda-invoke':
      return lambdaInvoke(deps, input);
    case 'optimized':
      return optimized(deps, resource.service, resource.action, input);
    case 'sdk':
      return sdkCall(deps, resource.service, resource.action, input);
    case 'unsupported':
      throw new TaskFailure('States.Runtime', resource.reason);
  }
}

async function lambdaInvoke(deps: TaskDependencies, input: unknown): Promise<unknown> {
  const params = asObject(input, 'lambda:invoke');
  const functionName = params.FunctionName;
  if (typeof functionName !== 'string' || functionName === '')
    throw new TaskFailure('States.Runtime', 'lambda:invoke: the parameter FunctionName is required');
  const type = params.InvocationType ?? 'RequestResponse';
  if (type !== 'RequestResponse' && type !== 'Event')
    throw new TaskFailure('Lambda.InvalidParameterValueException', `Invalid InvocationType: ${String(type)}`);
  const qualified =
    typeof params.Qualifier === 'string' ? `${functionName}:${params.Qualifier}` : functionName;
  const outcome = await invokeLambda(deps, qualified, params.Payload ?? {}, type);
  if (type === 'Event') return { ...httpMetadata(outcome.requestId), Payload: '', StatusCode: 202 };
  return {
    ExecutedVersion: '$LATEST',
    Payload: outcome.payload,
    ...httpMetadata(outcome.requestId),
    StatusCode: 200,
  };
}

async function invokeLambda(
  deps: TaskDependencies,
  functionName: string,
  payload: unknown,
  type: 'RequestResponse' | 'Event',
): Promise<{ requestId: string; payload: unknown }> {
  let outcome: FunctionOutcome | undefined;
  try {
    outcome = await deps.invokeFunction(functionName, payload, type);
  } catch (err) {
    throw new TaskFailure('Lambda.ServiceException', serviceCause('AWSLambda', 'ServiceException', err));
  }
  if (!outcome)
    throw new TaskFailure(
      'Lambda.ResourceNotFoundException',
      `Function not found: ${functionName} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ${randomUUID()})`,
    );
  if (outcome.ok) return outcome;
  // the cloud stopping under the call is a service failure, not the function's
  if (outcome.errorType === 'Runtime.Stopped')
    throw new TaskFailure(
      'Lambda.ServiceException',
      `${outcome.errorMessage} (Service: AWSLambda; Status Code: 500; Error Code: ServiceException; Request ID: ${outcome.requestId})`,
    );
  throw new TaskFailure(
    outcome.errorType,
    JSON.stringify({
      errorType: outcome.errorType,
      errorMessage: outcome.errorMessage,
      trace: outcome.trace ?? [],
    }),
  );
}

/** The optimized integrations' error prefixes and service ids as AWS names them in Causes. */
const OPTIMIZED_NAMES = {
  dynamodb: { prefix: 'DynamoDB', service: 'AmazonDynamoDBv2' },
  sns: { prefix: 'SNS', service: 'AmazonSNS' },
} as const;

async function optimized(
  deps: TaskDependencies,
  service: 'dynamodb' | 'sns',
  action: string,
  input: unknown,
): Promise<unknown> {
  const params = { ...asObject(input, `${service}:${action}`) };
  // Step Functions turns a JSON Message into its text
  if (service === 'sns' && params.Message !== undefined && typeof params.Message !== 'string')
    params.Message = JSON.stringify(params.Message);
  const names = OPTIMIZED_NAMES[service];
  try {
    const output = await send(deps, service, action, params);
    return { ...output.body, ...httpMetadata(output.requestId) };
  } catch (err) {
    if (err instanceof TaskFailure) throw err;
    const name = exceptionName(err, 'SdkClientException');
    throw new TaskFailure(`${names.prefix}.${name}`, serviceCause(names.service, name, err));
  }
}

const SDK_PREFIX: Record<SdkService, string> = { dynamodb: 'DynamoDb', s3: 'S3', sns: 'Sns' };

async function sdkCall(deps: TaskDependencies, service: SdkService, action: string, input: unknown) {
  const params = asObject(input, `aws-sdk:${service}:${action}`);
  try {
    return (await send(deps, service, action, params)).body;
  } catch (err) {
    if (err instanceof TaskFailure) throw err;
    const name = exceptionName(err, 'SdkClientException');
    throw new TaskFailure(`${SDK_PREFIX[service]}.${name}`, serviceCause(SDK_PREFIX[service], name, err));
  }
}

type Sendable = { send(command: unknown): Promise<Record<string, unknown>> };

async function send(
  deps: TaskDependencies,
  service: SdkService,
  action: string,
  params: Record<string, unknown>,
): Promise<{ body: Record<string, unknown>; requestId: string }> {
  const Command = SDK_MODULES[service][commandName(action)] as new (input: unknown) => unknown;
  const client = deps.clients[service] as unknown as Sendable;
  const { $metadata, ...body } = await client.send(new Command(params));
  const requestId = ($metadata as { requestId?: string } | undefined)?.requestId ?? randomUUID();
  return { body: (await jsonSafe(body)) as Record<string, unknown>, requestId };
}

/** SDK v3 values as JSON: dates as ISO text, bytes as base64, a streamed body as its text. */
async function jsonSafe(value: unknown): Promise<unknown> {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value && typeof value === 'object' && 'transformToString' in value)
    return (value as { transformToString(): Promise<string> }).transformToString();
  if (Array.isArray(value)) return Promise.all(value.map(jsonSafe));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = await jsonSafe(item);
    return out;
  }
  return value;
}

/** Step Functions names errors with the Exception suffix even where the service does not (S3's NoSuchKey). */
function exceptionName(err: unknown, fallback: string): string {
  const metadata = (err as { $metadata?: unknown }).$metadata;
  const name = (err as { name?: string }).name;
  if (!metadata || !name || name === 'Error') return fallback;
  return name.endsWith('Exception') ? name : `${name}Exception`;
}

function serviceCause(service: string, code: string, err: unknown): string {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 500;
  const requestId = (err as { $metadata?: { requestId?: string } }).$metadata?.requestId ?? randomUUID();
  return `${(err as Error).message} (Service: ${service}; Status Code: ${status}; Error Code: ${code}; Request ID: ${requestId})`;
}

function asObject(input: unknown, what: string): Record<string, unknown> {
  if (input && typeof input === 'object' && !Array.isArray(input)) return input as Record<string, unknown>;
  throw new TaskFailure('States.Runtime', `${what}: the task's parameters must be a JSON object`);
}
