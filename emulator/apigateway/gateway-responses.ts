import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * API Gateway's own answers (its default gateway responses), as a REST API sends them: a JSON
 * `{"message": ...}` body and the `x-amzn-ErrorType` header naming the error.
 */
export const GATEWAY_RESPONSES = {
  /** No resource, method or stage matches the request (a REST API never answers 404 for that). */
  MISSING_AUTHENTICATION_TOKEN: {
    status: 403,
    message: 'Missing Authentication Token',
    errorType: 'MissingAuthenticationTokenException',
  },
  /** ApiKeyRequired and no valid `x-api-key`. */
  INVALID_API_KEY: { status: 403, message: 'Forbidden', errorType: 'ForbiddenException' },
  THROTTLED: { status: 429, message: 'Too Many Requests', errorType: 'TooManyRequestsException' },
  QUOTA_EXCEEDED: { status: 429, message: 'Limit Exceeded', errorType: 'LimitExceededException' },
} as const;

export type GatewayResponse = (typeof GATEWAY_RESPONSES)[keyof typeof GATEWAY_RESPONSES];

export function sendGatewayResponse(
  response: ServerResponse,
  gateway: GatewayResponse,
  requestId = randomUUID(),
): void {
  const text = JSON.stringify({ message: gateway.message });
  response.writeHead(gateway.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': gateway.errorType,
  });
  response.end(text);
}
