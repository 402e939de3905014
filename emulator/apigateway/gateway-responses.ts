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
  /** A Lambda authorizer's identity source is missing or invalid, or it threw `Unauthorized`. */
  UNAUTHORIZED: { status: 401, message: 'Unauthorized', errorType: 'UnauthorizedException' },
  /** The authorizer's policy allows nothing matching the method ARN. */
  ACCESS_DENIED: {
    status: 403,
    message: 'User is not authorized to access this resource',
    errorType: 'AccessDeniedException',
  },
  ACCESS_DENIED_EXPLICIT: {
    status: 403,
    message: 'User is not authorized to access this resource with an explicit deny',
    errorType: 'AccessDeniedException',
  },
  /** The authorizer failed or answered something API Gateway cannot read: AWS says `{"message": null}`. */
  AUTHORIZER_CONFIGURATION_ERROR: {
    status: 500,
    message: null,
    errorType: 'AuthorizerConfigurationException',
  },
  /** No integration response matches and there is no default one, a template fails... */
  API_CONFIGURATION_ERROR: {
    status: 500,
    message: 'Internal server error',
    errorType: 'InternalServerErrorException',
  },
  /** No request template for the Content-Type under a NEVER / WHEN_NO_TEMPLATES passthrough. */
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'Unsupported Media Type',
    errorType: 'UnsupportedMediaTypeException',
  },
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
