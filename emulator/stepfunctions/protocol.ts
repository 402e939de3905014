/**
 * Step Functions' wire protocol (AWS JSON 1.0, pure): `POST /` with `X-Amz-Target:
 * AWSStepFunctions.<Operation>` and a JSON body; errors as `{"__type", "message"}` with the code in
 * `x-amzn-ErrorType`; timestamps as epoch seconds, which the SDK and the CLI parse.
 */
export class SfnError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
  }
}

export const TARGET_PREFIX = 'AWSStepFunctions.';
export const CONTENT_TYPE = 'application/x-amz-json-1.0';

export function errorBody(error: SfnError): string {
  return JSON.stringify({
    __type: `com.amazonaws.swf.service.v2.model#${error.code}`,
    message: error.message,
  });
}

/** Epoch milliseconds as the protocol's timestamps (epoch seconds, fractional). */
export const timestamp = (ms: number) => ms / 1000;

export function parseRequest(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new SfnError('SerializationException', 'the request body is not JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new SfnError('SerializationException', 'the request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** A required string member, or a ValidationException naming it. */
export function requiredString(request: Record<string, unknown>, name: string): string {
  const value = request[name];
  if (typeof value !== 'string' || value === '')
    throw new SfnError(
      'ValidationException',
      `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
}

export function optionalString(request: Record<string, unknown>, name: string): string | undefined {
  const value = request[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new SfnError('ValidationException', `Value at '${name}' must be a string`);
  return value;
}

/** Paging as the API does: maxResults (1-1000, 0 or absent: 100) and an opaque nextToken. */
export function page<T>(
  items: readonly T[],
  request: Record<string, unknown>,
): { items: T[]; nextToken?: string } {
  const max = request.maxResults;
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > 1000))
    throw new SfnError(
      'ValidationException',
      `Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  const size = typeof max === 'number' && max > 0 ? max : 100;
  const token = optionalString(request, 'nextToken');
  let start = 0;
  if (token !== undefined) {
    start = Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(start) || start < 0)
      throw new SfnError('InvalidToken', `Invalid Token: '${token}'`);
  }
  const slice = items.slice(start, start + size);
  const next = start + size;
  return next < items.length
    ? { items: slice, nextToken: Buffer.from(String(next)).toString('base64url') }
    : { items: slice };
}
