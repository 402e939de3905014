import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudModel, LambdaFunctionSpec, RestApiModel } from '../cloudformation/cloud-model.ts';
import type { InvokeOutcome } from '../lambda/runner.ts';
import { Authorizers } from './authorizers/authorize.ts';
import { methodArn } from './authorizers/policy.ts';
import { authorizersOf } from './authorizers/registry.ts';
import { handleControlPlane } from './control-plane.ts';
import { EXECUTE_API_PREFIX } from './execute-api-url.ts';
import {
  customGatewayResponses,
  GATEWAY_RESPONSES,
  type GatewayResponse,
  sendGatewayResponse,
} from './gateway-responses.ts';
import { type AwsBackends, callAwsIntegration } from './integrations/aws-integration.ts';
import type { MethodRequest } from './integrations/mapping.ts';
import { mapRequest, mapResponse } from './integrations/pipeline.ts';
import { schemaProblem } from './json-schema.ts';
import { runMockIntegration } from './mock-integration.ts';
import { acceptsBinary, isBinaryBody, matchRoute, missingParameters, type RouteMatch } from './routes.ts';
import { apiGatewayState, type Refusal } from './usage-plans.ts';

const REFUSALS: Record<Refusal, GatewayResponse> = {
  forbidden: GATEWAY_RESPONSES.INVALID_API_KEY,
  throttled: GATEWAY_RESPONSES.THROTTLED,
  quota: GATEWAY_RESPONSES.QUOTA_EXCEEDED,
};

/**
 * The REST APIs of the deployed stacks on a local HTTP port, at
 * `/_aws/execute-api/<api id>/<stage>/<path>` (see execute-api-url.ts): each request becomes an
 * API Gateway proxy (v1) event for the integration function, whose result becomes the response.
 */
export interface ApiGatewayOptions {
  readonly model: CloudModel;
  readonly invoke: (spec: LambdaFunctionSpec, event: unknown) => Promise<InvokeOutcome>;
  /** Queues an Event invocation (`X-Amz-Invocation-Type: Event` of AWS integrations); absent: refused. */
  readonly invokeAsync?: (spec: LambdaFunctionSpec, event: unknown) => void;
  /** The services `Type: AWS` integrations call (DynamoDB, SNS). */
  readonly endpoints?: { readonly dynamodb?: string; readonly sns?: string };
  readonly region: string;
  readonly accountId: string;
  /** Loopback port; a free one when omitted. */
  readonly port?: number;
  readonly log?: (line: string) => void;
}

export interface ApiGatewayServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

interface ProxyResult {
  statusCode?: unknown;
  headers?: Record<string, unknown>;
  multiValueHeaders?: Record<string, unknown[]>;
  body?: unknown;
  isBase64Encoded?: unknown;
}

export async function startApiGateway(options: ApiGatewayOptions): Promise<ApiGatewayServer> {
  const authorizers = new Authorizers({
    findFunction: (arn) => options.model.findFunction(arn),
    invoke: options.invoke,
    ...(options.log ? { log: options.log } : {}),
  });
  const server = createServer((request, response) => {
    handle(options, authorizers, request, response).catch((err: Error) => {
      options.log?.(`API request ${request.method} ${request.url} failed: ${err.message}`);
      if (!response.headersSent) sendJson(response, 500, { message: 'Internal server error' });
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `port ${options.port} for the local API Gateway is already in use: stop what holds it or choose another port`,
            )
          : err,
      ),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown, requestId = randomUUID()): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function handle(
  options: ApiGatewayOptions,
  authorizers: Authorizers,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const requestId = randomUUID();
  const plans = apiGatewayState(options.model);
  if (!url.pathname.startsWith(`${EXECUTE_API_PREFIX}/`)) {
    const isStage = (apiId: string, stage: string) =>
      options.model.restApis.get(apiId)?.stages.has(stage) ?? false;
    if (await handleControlPlane({ plans, isStage }, request, response, url)) return;
    return sendJson(response, 404, { message: 'Not Found' }, requestId);
  }
  const [apiId, stage, ...rest] = url.pathname.slice(EXECUTE_API_PREFIX.length + 1).split('/');
  const api = options.model.restApis.get(apiId ?? '');
  // no such API: on AWS its host name would not even resolve
  if (!api) return sendJson(response, 404, { message: 'Not Found' }, requestId);
  // a REST API answers an unknown stage, path or method with 403 "Missing Authentication Token"
  const custom = customGatewayResponses(options.model).get(api.id);
  const missingRoute = () =>
    sendGatewayResponse(response, GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN, requestId, {
      ...(custom ? { custom } : {}),
      request: {
        headers: request.headers,
        query: url.searchParams,
        pathParameters: {},
        body: '',
        context: { requestId, apiId: api.id, stage: stage ?? '' },
        stageVariables: (stage && api.stageVariables?.get(stage)) || {},
      },
    });
  if (!stage || !api.stages.has(stage)) return missingRoute();
  const path = `/${rest.join('/')}`;
  const httpMethod = (request.method ?? 'GET').toUpperCase();
  const route = matchRoute(api, httpMethod, path);
  if (!route) return missingRoute();

  const headers = request.headers;
  // templates see header names as the client sent them ($input.params().header.get('Content-Type'))
  const sentHeaders = headersAsSent(request.rawHeaders);
  const stageVariables = api.stageVariables?.get(stage) ?? {};
  const requestContext = baseRequestContext(options, {
    api,
    stage,
    path,
    httpMethod,
    route,
    request,
    requestId,
  });
  // API Gateway's own answers, replaced by the API's GatewayResponse of their type when it has one
  const answer = (gatewayResponse: GatewayResponse) =>
    sendGatewayResponse(response, gatewayResponse, requestId, {
      ...(custom ? { custom } : {}),
      request: {
        headers: sentHeaders,
        query: url.searchParams,
        pathParameters: route.pathParameters,
        body: '',
        context: requestContext,
        stageVariables,
      },
    });
  const gateway = (name: keyof typeof GATEWAY_RESPONSES) => answer(GATEWAY_RESPONSES[name]);

  // a Lambda authorizer runs first; its usageIdentifierKey is the API key when ApiKeySourceType is AUTHORIZER
  let authorization: Authorization | undefined;
  if (route.method.authorizationType === 'CUSTOM') {
    const spec = authorizersOf(options.model).get(route.method.authorizerId ?? '');
    if (!spec) {
      options.log?.(`API ${api.id}: authorizer ${route.method.authorizerId} is not deployed`);
      return gateway('AUTHORIZER_CONFIGURATION_ERROR');
    }
    const result = await authorizers.authorize(spec, {
      stage,
      identity: { headers, query: url.searchParams, stageVariables, context: requestContext },
      methodArn: methodArn({
        region: options.region,
        accountId: options.accountId,
        apiId: api.id,
        stage,
        httpMethod,
        path,
      }),
      requestEvent: () => {
        const {
          body: _body,
          isBase64Encoded: _encoded,
          ...event
        } = proxyEvent({
          route,
          url,
          request,
          path,
          httpMethod,
          api,
          body: Buffer.alloc(0),
          stageVariables,
          requestContext,
        });
        return event;
      },
    });
    if (!result.ok) return gateway(result.refusal);
    authorization = {
      principalId: result.principalId,
      context: result.context,
      latencyMs: result.latencyMs,
      ...(result.usageIdentifierKey ? { usageIdentifierKey: result.usageIdentifierKey } : {}),
    };
  }
  const headerKey = headers['x-api-key'];
  const apiKey =
    api.apiKeySource === 'AUTHORIZER'
      ? authorization?.usageIdentifierKey
      : Array.isArray(headerKey)
        ? headerKey[0]
        : headerKey;
  const admission = plans.admit({
    apiId: api.id,
    stage,
    resourcePath: route.resourcePath,
    httpMethod,
    apiKeyRequired: route.method.apiKeyRequired === true,
    apiKey,
    nowMs: Date.now(),
  });
  if (!admission.ok) return answer(REFUSALS[admission.refusal]);
  const missing = missingParameters(api, route.method, { query: url.searchParams, headers });
  if (missing.length > 0) {
    const message = `${GATEWAY_RESPONSES.BAD_REQUEST_PARAMETERS.message}: [${missing.join(', ')}]`;
    return answer({ ...GATEWAY_RESPONSES.BAD_REQUEST_PARAMETERS, message });
  }
  const body = await readBody(request);
  const invalidBody = bodyProblem(api, route.method, headers['content-type'], body);
  if (invalidBody) {
    options.log?.(`API ${httpMethod} ${path}: request body does not match its model (${invalidBody})`);
    return gateway('BAD_REQUEST_BODY');
  }
  // what API Gateway passes on: the validated API key, the authorizer's principal and context
  if (admission.apiKeyId && apiKey) {
    Object.assign(requestContext.identity, { apiKeyId: admission.apiKeyId, apiKey });
  }
  if (authorization) {
    requestContext.authorizer = {
      ...authorization.context,
      principalId: authorization.principalId,
      integrationLatency: authorization.latencyMs,
    };
  }
  const integration = route.method.integration;
  const methodRequest: MethodRequest = {
    headers: sentHeaders,
    query: url.searchParams,
    pathParameters: route.pathParameters,
    body: body.toString('utf8'),
    context: requestContext,
    stageVariables,
  };
  if (integration.type === 'MOCK') {
    const result = runMockIntegration(integration, methodRequest);
    return writeMapped(response, result.statusCode, result.headers, result.body, requestId);
  }
  if (integration.type === 'AWS') {
    const backends: AwsBackends = {
      findFunction: (arn) => options.model.findFunction(arn),
      invoke: options.invoke,
      ...(options.invokeAsync ? { invokeAsync: options.invokeAsync } : {}),
      endpoints: options.endpoints ?? {},
      region: options.region,
    };
    try {
      const mapped = mapRequest(integration, methodRequest);
      if (!mapped.ok) return gateway(mapped.gateway);
      const endpoint = await callAwsIntegration(integration, mapped.value, backends);
      const result = mapResponse(integration, methodRequest, endpoint);
      if (!result.ok) {
        options.log?.(
          `API ${httpMethod} ${path}: no integration response for ${JSON.stringify(endpoint.selectionValue)} and no default one`,
        );
        return gateway(result.gateway);
      }
      return writeMapped(response, result.value.status, result.value.headers, result.value.body, requestId);
    } catch (err) {
      options.log?.(`API ${httpMethod} ${path} -> 500 (${(err as Error).message})`);
      return gateway('API_CONFIGURATION_ERROR');
    }
  }
  const spec = options.model.findFunction(integration.functionArn);
  if (!spec) {
    options.log?.(`API ${api.id}: integration function ${integration.functionArn} is not deployed`);
    return sendJson(response, 502, { message: 'Internal server error' }, requestId);
  }

  const event = proxyEvent({
    api,
    path,
    httpMethod,
    route,
    url,
    request,
    body,
    stageVariables,
    requestContext,
  });
  const outcome = await options.invoke(spec, event);
  const result = (outcome.ok ? outcome.payload : undefined) as ProxyResult | undefined;
  if (!outcome.ok || !result || typeof result !== 'object' || typeof result.statusCode !== 'number') {
    const why = outcome.ok
      ? 'malformed Lambda proxy response'
      : `${outcome.error.errorType}: ${outcome.error.errorMessage}`;
    options.log?.(`API ${httpMethod} ${path} -> 502 (${why})`);
    return sendJson(response, 502, { message: 'Internal server error' }, requestId);
  }
  writeProxyResult(response, result, api.binaryMediaTypes, headers.accept, requestId);
}

/** Why a body fails the method's model when its validator checks bodies (undefined: it passes). */
function bodyProblem(
  api: RestApiModel,
  method: RouteMatch['method'],
  contentType: string | undefined,
  body: Buffer,
): string | undefined {
  const validator = method.validatorId ? api.validators.get(method.validatorId) : undefined;
  if (!validator?.body || !method.requestModels) return undefined;
  const type = contentType?.split(';')[0]?.trim().toLowerCase() || 'application/json';
  const modelName = Object.entries(method.requestModels).find(([key]) => key.toLowerCase() === type)?.[1];
  const schema = modelName ? api.models?.get(modelName) : undefined;
  if (!schema) return undefined; // 'Empty' and unknown models accept anything
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return 'not JSON';
  }
  return schemaProblem(value, schema);
}

/** Request headers with their names as sent; repeated ones joined with commas. */
function headersAsSent(raw: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    headers[name] = headers[name] === undefined ? (raw[i + 1] as string) : `${headers[name]},${raw[i + 1]}`;
  }
  return headers;
}

interface Authorization {
  readonly principalId: string;
  readonly context: Readonly<Record<string, string>>;
  readonly latencyMs: number;
  readonly usageIdentifierKey?: string;
}

function writeMapped(
  response: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
  requestId: string,
): void {
  response.writeHead(status, {
    ...headers,
    'content-length': String(Buffer.byteLength(body)),
    'x-amzn-requestid': requestId,
  });
  response.end(body);
}

type RequestContext = Record<string, unknown> & { identity: Record<string, unknown>; authorizer?: unknown };

/** `requestContext` of proxy events, also `$context` of mapping templates and authorizers' sources. */
function baseRequestContext(
  options: ApiGatewayOptions,
  r: {
    api: RestApiModel;
    stage: string;
    path: string;
    httpMethod: string;
    route: RouteMatch;
    request: IncomingMessage;
    requestId: string;
  },
): RequestContext {
  const now = new Date();
  return {
    accountId: options.accountId,
    apiId: r.api.id,
    domainName: r.request.headers.host ?? '127.0.0.1',
    domainPrefix: r.api.id,
    extendedRequestId: r.requestId,
    httpMethod: r.httpMethod,
    identity: {
      sourceIp: r.request.socket.remoteAddress ?? '127.0.0.1',
      userAgent: r.request.headers['user-agent'] ?? null,
    },
    path: `/${r.stage}${r.path}`,
    protocol: `HTTP/${r.request.httpVersion}`,
    requestId: r.requestId,
    requestTime: now.toUTCString(),
    requestTimeEpoch: now.getTime(),
    resourceId: r.route.method.resourceId,
    resourcePath: r.route.resourcePath,
    stage: r.stage,
  };
}

function proxyEvent(r: {
  api: RestApiModel;
  path: string;
  httpMethod: string;
  route: RouteMatch;
  url: URL;
  request: IncomingMessage;
  body: Buffer;
  stageVariables: Readonly<Record<string, string>>;
  requestContext: RequestContext;
}): Record<string, unknown> {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const raw = r.request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    headers[name] = raw[i + 1] as string;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), raw[i + 1] as string];
  }
  const query: Record<string, string> = {};
  const multiValueQuery: Record<string, string[]> = {};
  for (const [key, value] of r.url.searchParams) {
    query[key] = value;
    multiValueQuery[key] = [...(multiValueQuery[key] ?? []), value];
  }
  const binary = isBinaryBody(r.api.binaryMediaTypes, r.request.headers['content-type']);
  const hasQuery = Object.keys(query).length > 0;
  return {
    resource: r.route.resourcePath,
    path: r.path,
    httpMethod: r.httpMethod,
    headers: raw.length ? headers : null,
    multiValueHeaders: raw.length ? multiValueHeaders : null,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    pathParameters: Object.keys(r.route.pathParameters).length ? r.route.pathParameters : null,
    stageVariables: Object.keys(r.stageVariables).length ? r.stageVariables : null,
    requestContext: r.requestContext,
    body: r.body.length === 0 ? null : binary ? r.body.toString('base64') : r.body.toString('utf8'),
    isBase64Encoded: r.body.length > 0 && binary,
  };
}

function writeProxyResult(
  response: ServerResponse,
  result: ProxyResult,
  binaryMediaTypes: readonly string[],
  accept: string | undefined,
  requestId: string,
): void {
  const out: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {}))
    out[name.toLowerCase()] = values.map(String);
  for (const [name, value] of Object.entries(result.headers ?? {})) out[name.toLowerCase()] = String(value);
  out['content-type'] ??= 'application/json';
  out['x-amzn-requestid'] = requestId;
  const text = result.body === undefined || result.body === null ? '' : String(result.body);
  // API Gateway's rule: a base64 body goes out as bytes only when the client accepts a binary type
  const body =
    result.isBase64Encoded === true && acceptsBinary(binaryMediaTypes, accept)
      ? Buffer.from(text, 'base64')
      : Buffer.from(text, 'utf8');
  out['content-length'] = String(body.length);
  response.writeHead(result.statusCode as number, out);
  response.end(body);
}
