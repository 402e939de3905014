import { shortId } from '../cloudformation/naming.ts';
import type { PhysicalResource, ResourceHandler } from '../cloudformation/resource-types.ts';
import { customGatewayResponses } from './gateway-responses.ts';

/**
 * AWS::ApiGateway::GatewayResponse: an API's own answer for one of API Gateway's response types
 * (UNAUTHORIZED, ACCESS_DENIED, DEFAULT_4XX...), e.g. CORS headers on authorizer refusals.
 */
const RESPONSE_TYPES = new Set([
  'ACCESS_DENIED',
  'API_CONFIGURATION_ERROR',
  'AUTHORIZER_CONFIGURATION_ERROR',
  'AUTHORIZER_FAILURE',
  'BAD_REQUEST_BODY',
  'BAD_REQUEST_PARAMETERS',
  'DEFAULT_4XX',
  'DEFAULT_5XX',
  'EXPIRED_TOKEN',
  'INTEGRATION_FAILURE',
  'INTEGRATION_TIMEOUT',
  'INVALID_API_KEY',
  'INVALID_SIGNATURE',
  'MISSING_AUTHENTICATION_TOKEN',
  'QUOTA_EXCEEDED',
  'REQUEST_TOO_LARGE',
  'RESOURCE_NOT_FOUND',
  'THROTTLED',
  'UNAUTHORIZED',
  'UNSUPPORTED_MEDIA_TYPE',
  'WAF_FILTERED',
]);

const strings = (value: unknown) =>
  Object.fromEntries(
    Object.entries((value ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
  );

export const apiGatewayResponse: ResourceHandler = {
  types: ['AWS::ApiGateway::GatewayResponse'],
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    const fail = (message: string): never => {
      throw new Error(`stack ${ctx.stack}, resource ${logicalId} (${type}): ${message}`);
    };
    const apiId = String(properties.RestApiId);
    if (!ctx.model.restApis.has(apiId)) fail(`RestApiId ${apiId} is not a REST API of this cloud`);
    const responseType = String(properties.ResponseType ?? '');
    if (!RESPONSE_TYPES.has(responseType)) fail(`ResponseType ${responseType} is not one of API Gateway's`);
    const statusCode = properties.StatusCode === undefined ? undefined : Number(properties.StatusCode);
    if (statusCode !== undefined && !(Number.isInteger(statusCode) && statusCode >= 100 && statusCode < 600))
      fail(`StatusCode ${String(properties.StatusCode)} is not an HTTP status`);
    const registry = customGatewayResponses(ctx.model);
    const forApi = registry.get(apiId) ?? new Map();
    registry.set(apiId, forApi);
    forApi.set(responseType, {
      ...(statusCode !== undefined ? { statusCode } : {}),
      responseParameters: strings(properties.ResponseParameters),
      responseTemplates: strings(properties.ResponseTemplates),
    });
    return { ref: shortId(ctx.seed, [ctx.stack, logicalId], 10), attributes: {} };
  },
};
