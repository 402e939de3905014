import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudModel, LambdaFunctionSpec, RestApiModel } from '../cloudformation/cloud-model.ts';
import type { InvokeOutcome } from '../lambda/runner.ts';
import { EXECUTE_API_PREFIX } from './execute-api-url.ts';
import { acceptsBinary, isBinaryBody, matchRoute, missingParameters, type RouteMatch } from './routes.ts';

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
  const notFound = () => sendJson(response, 404, { message: 'Not Found' }, requestId);
  if (!url.pathname.startsWith(`${EXECUTE_API_PREFIX}/`)) return notFound();
  const [apiId, stage, ...rest] = url.pathname.slice(EXECUTE_API_PREFIX.length + 1).split('/');
  const api = options.model.restApis.get(apiId ?? '');
  if (!api || !stage || !api.stages.has(stage)) return notFound();
  const path = `/${rest.join('/')}`;
  const httpMethod = (request.method ?? 'GET').toUpperCase();
  const route = matchRoute(api, httpMethod, path);
  if (!route) return notFound();

  const headers = request.headers;
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
    response.writeHead(integration.statusCode, { ...integration.headers, 'x-amzn-requestid': requestId });
    return void response.end();
  }
  const spec = options.model.findFunction(integration.functionArn);
  if (!spec) {
    options.log?.(`API ${api.id}: integration function ${integration.functionArn} is not deployed`);
    return sendJson(response, 502, { message: 'Internal server error' }, requestId);
  }

  const body = await readBody(request);
  const event = proxyEvent(options, { api, stage, path, httpMethod, route, url, request, body, requestId });
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
