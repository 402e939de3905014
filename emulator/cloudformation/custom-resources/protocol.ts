/**
 * CloudFormation's custom resource protocol, as AWS documents it (crpg-ref-requests / -responses):
 * the request sent to the provider and the response it PUTs to the ResponseURL. Pure: no I/O.
 */

export type RequestType = 'Create' | 'Update' | 'Delete';

export interface CustomResourceRequest {
  readonly RequestType: RequestType;
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly ResourceType: string;
  readonly LogicalResourceId: string;
  /** Update and Delete only. */
  readonly PhysicalResourceId?: string;
  /** The template's properties, ServiceToken included, values as strings (CloudFormation stringifies them). */
  readonly ResourceProperties: Record<string, unknown>;
  /** Update only. */
  readonly OldResourceProperties?: Record<string, unknown>;
  readonly ServiceToken: string;
}

export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly NoEcho: boolean;
  readonly Data: Readonly<Record<string, unknown>>;
}

/** AWS's limit on the response body. */
export const MAX_RESPONSE_BYTES = 4096;
/** AWS's default and maximum ServiceTimeout, in seconds. */
export const DEFAULT_SERVICE_TIMEOUT_SECONDS = 3600;

/**
 * CloudFormation passes every property to the provider as a string (numbers and booleans included,
 * in lists and objects too): providers written against AWS expect `"5"`, not `5`.
 */
export function stringifyProperties(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stringifyProperties);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, stringifyProperties(child)]));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value;
}

/** What kind of provider a ServiceToken names, or why it cannot be used. */
export function serviceTokenKind(token: unknown): 'lambda' | { problem: string } {
  if (typeof token !== 'string' || token === '') return { problem: 'ServiceToken is missing' };
  if (/^arn:[^:]+:sns:/.test(token))
    return {
      problem: `ServiceToken ${token} is an SNS topic: SNS-backed custom resources are not supported (only Lambda-backed ones)`,
    };
  if (/^arn:[^:]+:lambda:/.test(token)) return 'lambda';
  return { problem: `ServiceToken ${token} is not a Lambda function ARN` };
}

/** ServiceTimeout (1..3600 seconds) in milliseconds; AWS's 3600 s when absent. */
export function serviceTimeoutMs(value: unknown): number {
  if (value === undefined) return DEFAULT_SERVICE_TIMEOUT_SECONDS * 1000;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > DEFAULT_SERVICE_TIMEOUT_SECONDS)
    throw new Error(`ServiceTimeout must be an integer from 1 to 3600 seconds, got ${JSON.stringify(value)}`);
  return seconds * 1000;
}

/**
 * Reads the body a provider PUT to the ResponseURL, checking it as CloudFormation does: valid JSON
 * of at most 4096 bytes, Status SUCCESS or FAILED, the request's StackId, RequestId and
 * LogicalResourceId echoed, a PhysicalResourceId. Throws with the reason when it is not acceptable.
 */
export function parseResponse(body: string, request: CustomResourceRequest): CustomResourceResponse {
  if (Buffer.byteLength(body) > MAX_RESPONSE_BYTES)
    throw new Error(
      `the response is ${Buffer.byteLength(body)} bytes: Response object is too long (at most ${MAX_RESPONSE_BYTES})`,
    );
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new Error(`the response is not JSON: ${body.slice(0, 200)}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new Error('the response is not a JSON object');
  const status = json.Status;
  if (status !== 'SUCCESS' && status !== 'FAILED')
    throw new Error(`the response's Status must be SUCCESS or FAILED, got ${JSON.stringify(status)}`);
  for (const field of ['StackId', 'RequestId', 'LogicalResourceId'] as const) {
    if (json[field] !== request[field])
      throw new Error(
        `the response's ${field} ${JSON.stringify(json[field])} does not match the request's ${JSON.stringify(request[field])}`,
      );
  }
  const physical = json.PhysicalResourceId;
  if (status === 'SUCCESS' && (typeof physical !== 'string' || physical === ''))
    throw new Error('the response has no PhysicalResourceId (Invalid PhysicalResourceId)');
  const data = json.Data ?? {};
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new Error(`the response's Data must be an object, got ${JSON.stringify(data)}`);
  return {
    Status: status,
    ...(typeof json.Reason === 'string' ? { Reason: json.Reason } : {}),
    PhysicalResourceId: typeof physical === 'string' ? physical : '',
    NoEcho: json.NoEcho === true || json.NoEcho === 'true',
    Data: data as Record<string, unknown>,
  };
}

/** Properties compared as CloudFormation compares them for an update: by value, key order ignored. */
export function sameProperties(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
