import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudModel, LambdaFunctionSpec, RestApiModel } from '../cloudformation/cloud-model.ts';
import type { InvokeOutcome } from '../lambda/runner.ts';
import { handleControlPlane } from './control-plane.ts';
import { EXECUTE_API_PREFIX } from './execute-api-url.ts';
import { GATEWAY_RESPONSES, sendGatewayResponse } from './gateway-responses.ts';
import { runMockIntegration } from './mock-integration.ts';
import { acceptsBinary, isBinaryBody, matchRoute, missingParameters, type RouteMatch } from './routes.ts';
import { apiGatewayState, type Refusal } from './usage-plans.ts';

const REFUSALS: Record<Refusal, (typeof GATEWAY_RESPONSES)[keyof typeof GATEWAY_RESPONSES]> = {
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
  const server = createServer((request, response) => {
    handle(options, request, response).catch((err: Error) => {
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
  const missingRoute = () =>
    sendGatewayResponse(response, GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN, requestId);
  if (!stage || !api.stages.has(stage)) return missingRoute();
  const path = `/${rest.join('/')}`;
  const httpMethod = (request.method ?? 'GET').toUpperCase();
  const route = matchRoute(api, httpMethod, path);
  if (!route) return missingRoute();

  const headers = request.headers;
  const apiKey = headers['x-api-key'];
  const admission = plans.admit({
    apiId: api.id,
    stage,
    resourcePath: route.resourcePath,
    httpMethod,
    apiKeyRequired: route.method.apiKeyRequired === true,
    apiKey: Array.isArray(apiKey) ? apiKey[0] : apiKey,
    nowMs: Date.now(),
  });
  if (!admission.ok) return sendGatewayResponse(response, REFUSALS[admission.refusal], requestId);
  const missing = missingParameters(api, route.method, { query: url.searchParams, headers });
  if (missing.length > 0) {
    return sendJson(
      response,
      400,
      { message: `Missing required request parameters: [${missing.join(', ')}]` },
      requestId,
    );
  }
  const integration = route.method.integration;
  if (integration.type === 'MOCK') {
    const result = runMockIntegration(integration, {
      headers,
      query: url.searchParams,
      pathParameters: route.pathParameters,
      context: { requestId, stage, resourcePath: route.resourcePath, httpMethod, apiId: api.id },
    });
    response.writeHead(result.statusCode, {
      ...result.headers,
      'content-length': String(Buffer.byteLength(result.body)),
      'x-amzn-requestid': requestId,
    });
    return void response.end(result.body);
  }
  const spec = options.model.findFunction(integration.functionArn);
  if (!spec) {
    options.log?.(`API ${api.id}: integration function ${integration.functionArn} is not deployed`);
    return sendJson(response, 502, { message: 'Internal server error' }, requestId);
  }

  const body = await readBody(request);
  const identityKey = admission.apiKeyId
    ? { apiKeyId: admission.apiKeyId, apiKey: String(headers['x-api-key']) }
    : undefined;
  const event = proxyEvent(options, {
    api,
    stage,
    path,
    httpMethod,
    route,
    url,
    request,
    body,
    requestId,
    ...(identityKey ? { identityKey } : {}),
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

function proxyEvent(
  options: ApiGatewayOptions,
  r: {
    api: RestApiModel;
    stage: string;
    path: string;
    httpMethod: string;
    route: RouteMatch;
    url: URL;
    request: IncomingMessage;
    body: Buffer;
    requestId: string;
    /** The validated API key, which API Gateway passes in requestContext.identity. */
    identityKey?: { apiKeyId: string; apiKey: string };
  },
): Record<string, unknown> {
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
  const now = new Date();
  return {
    resource: r.route.resourcePath,
    path: r.path,
    httpMethod: r.httpMethod,
    headers: raw.length ? headers : null,
    multiValueHeaders: raw.length ? multiValueHeaders : null,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    pathParameters: Object.keys(r.route.pathParameters).length ? r.route.pathParameters : null,
    stageVariables: null,
    requestContext: {
      accountId: options.accountId,
      apiId: r.api.id,
      domainName: r.request.headers.host ?? '127.0.0.1',
      domainPrefix: r.api.id,
      extendedRequestId: r.requestId,
      httpMethod: r.httpMethod,
      identity: {
        sourceIp: r.request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: r.request.headers['user-agent'] ?? null,
        ...(r.identityKey ?? {}),
      },
      path: `/${r.stage}${r.path}`,
      protocol: `HTTP/${r.request.httpVersion}`,
      requestId: r.requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      resourceId: r.route.method.resourceId,
      resourcePath: r.route.resourcePath,
      stage: r.stage,
    },
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
