import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { chooseResponseTemplate, type MethodRequest, requestSourceValue } from './integrations/mapping.ts';
import { templateInput } from './integrations/pipeline.ts';
import { renderTemplate } from './integrations/vtl.ts';

/**
 * API Gateway's own answers (its default gateway responses), as a REST API sends them: a JSON
 * `{"message": ...}` body and the `x-amzn-ErrorType` header naming the error; an API's
 * AWS::ApiGateway::GatewayResponse of that type (or DEFAULT_4XX/5XX) replaces status, headers and
 * body (its template is VTL with `$context.error.message`, `messageString`, `responseType`).
 */
export interface GatewayResponse {
  /** The ResponseType a GatewayResponse resource names (UNAUTHORIZED, ACCESS_DENIED...). */
  readonly type: string;
  readonly status: number;
  readonly message: string | null;
  readonly errorType: string;
}

export const GATEWAY_RESPONSES = {
  /** No resource, method or stage matches the request (a REST API never answers 404 for that). */
  MISSING_AUTHENTICATION_TOKEN: {
    type: 'MISSING_AUTHENTICATION_TOKEN',
    status: 403,
    message: 'Missing Authentication Token',
    errorType: 'MissingAuthenticationTokenException',
  },
  /** ApiKeyRequired and no valid `x-api-key`. */
  INVALID_API_KEY: {
    type: 'INVALID_API_KEY',
    status: 403,
    message: 'Forbidden',
    errorType: 'ForbiddenException',
  },
  THROTTLED: {
    type: 'THROTTLED',
    status: 429,
    message: 'Too Many Requests',
    errorType: 'TooManyRequestsException',
  },
  QUOTA_EXCEEDED: {
    type: 'QUOTA_EXCEEDED',
    status: 429,
    message: 'Limit Exceeded',
    errorType: 'LimitExceededException',
  },
  /** A Lambda authorizer's identity source is missing or invalid, or it threw `Unauthorized`. */
  UNAUTHORIZED: {
    type: 'UNAUTHORIZED',
    status: 401,
    message: 'Unauthorized',
    errorType: 'UnauthorizedException',
  },
  /** A required request parameter is missing (the method's request validator). */
  BAD_REQUEST_PARAMETERS: {
    type: 'BAD_REQUEST_PARAMETERS',
    status: 400,
    message: 'Missing required request parameters',
    errorType: 'BadRequestException',
  },
  /** The body does not match the method's request model (a validator with ValidateRequestBody). */
  BAD_REQUEST_BODY: {
    type: 'BAD_REQUEST_BODY',
    status: 400,
    message: 'Invalid request body',
    errorType: 'BadRequestException',
  },
  /** The authorizer's policy allows nothing matching the method ARN. */
  ACCESS_DENIED: {
    type: 'ACCESS_DENIED',
    status: 403,
    message: 'User is not authorized to access this resource',
    errorType: 'AccessDeniedException',
  },
  ACCESS_DENIED_EXPLICIT: {
    type: 'ACCESS_DENIED',
    status: 403,
    message: 'User is not authorized to access this resource with an explicit deny',
    errorType: 'AccessDeniedException',
  },
  /** The authorizer failed or answered something API Gateway cannot read: AWS says `{"message": null}`. */
  AUTHORIZER_CONFIGURATION_ERROR: {
    type: 'AUTHORIZER_CONFIGURATION_ERROR',
    status: 500,
    message: null,
    errorType: 'AuthorizerConfigurationException',
  },
  /** No integration response matches and there is no default one, a template fails... */
  API_CONFIGURATION_ERROR: {
    type: 'API_CONFIGURATION_ERROR',
    status: 500,
    message: 'Internal server error',
    errorType: 'InternalServerErrorException',
  },
  /** No request template for the Content-Type under a NEVER / WHEN_NO_TEMPLATES passthrough. */
  UNSUPPORTED_MEDIA_TYPE: {
    type: 'UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    message: 'Unsupported Media Type',
    errorType: 'UnsupportedMediaTypeException',
  },
} as const satisfies Record<string, GatewayResponse>;

/** An AWS::ApiGateway::GatewayResponse of an API: what replaces a default answer of its type. */
export interface CustomGatewayResponse {
  readonly statusCode?: number;
  /** `gatewayresponse.header.<name>` -> `'literal'`, `method.request.*`, `context.*`, `stageVariables.*`. */
  readonly responseParameters: Readonly<Record<string, string>>;
  readonly responseTemplates: Readonly<Record<string, string>>;
}

const registries = new WeakMap<object, Map<string, Map<string, CustomGatewayResponse>>>();

/** The custom gateway responses of a cloud, by API id then ResponseType (kept beside its model). */
export function customGatewayResponses(model: object): Map<string, Map<string, CustomGatewayResponse>> {
  let registry = registries.get(model);
  if (!registry) {
    registry = new Map();
    registries.set(model, registry);
  }
  return registry;
}

/** What a custom response of the request's API renders with: its request, $context, stage variables. */
export interface GatewayRequestView {
  readonly custom?: ReadonlyMap<string, CustomGatewayResponse>;
  readonly request?: MethodRequest;
}

/** The API's response for a type: its own, else its DEFAULT_4XX / DEFAULT_5XX by status, else none. */
function customFor(gateway: GatewayResponse, custom: ReadonlyMap<string, CustomGatewayResponse> | undefined) {
  return custom?.get(gateway.type) ?? custom?.get(gateway.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
}

export function sendGatewayResponse(
  response: ServerResponse,
  gateway: GatewayResponse,
  requestId = randomUUID(),
  view: GatewayRequestView = {},
): void {
  const custom = customFor(gateway, view.custom);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': gateway.errorType,
  };
  let status: number = gateway.status;
  let text = JSON.stringify({ message: gateway.message });
  if (custom) {
    const request = view.request ?? EMPTY_REQUEST;
    status = custom.statusCode ?? gateway.status;
    for (const [target, source] of Object.entries(custom.responseParameters)) {
      const name = /^gatewayresponse\.header\.(.+)$/.exec(target)?.[1];
      const value = name ? requestSourceValue(source, request) : undefined;
      if (name && value !== undefined) headers[name.toLowerCase()] = value;
    }
    const template = chooseResponseTemplate(custom.responseTemplates, undefined);
    if (template) {
      const error = {
        message: gateway.message,
        messageString: JSON.stringify(gateway.message),
        responseType: gateway.type,
      };
      text = renderTemplate(template.template, {
        ...templateInput(request, ''),
        context: { ...request.context, error },
      }).output;
    }
  }
  headers['content-length'] = String(Buffer.byteLength(text));
  response.writeHead(status, headers);
  response.end(text);
}

const EMPTY_REQUEST: MethodRequest = {
  headers: {},
  query: new URLSearchParams(),
  pathParameters: {},
  body: '',
  context: {},
  stageVariables: {},
};
