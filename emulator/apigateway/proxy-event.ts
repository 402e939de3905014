import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RestApiModel } from '../cloudformation/cloud-model.ts';
import { clientKeyed } from '../services/client-keyed.ts';
import { acceptsBinary, isBinaryBody, type RouteMatch } from './routes.ts';

/**
 * A request as API Gateway hands it on: `requestContext` (also `$context` of mapping templates and
 * what authorizers' `context.*` sources read), the proxy (v1) event of AWS_PROXY integrations and
 * REQUEST authorizers, and the way a proxy result becomes the response.
 */
export type RequestContext = Record<string, unknown> & {
  identity: Record<string, unknown>;
  authorizer?: unknown;
};

/** `requestContext` of proxy events, also `$context` of mapping templates and authorizers' sources. */
export function baseRequestContext(
  accountId: string,
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
    accountId,
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

/** Request headers with their names as sent; repeated ones joined with commas. */
export function headersAsSent(raw: readonly string[]): Record<string, string> {
  const headers = clientKeyed<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    headers[name] = headers[name] === undefined ? (raw[i + 1] as string) : `${headers[name]},${raw[i + 1]}`;
  }
  return headers;
}

/** The proxy (v1) event of a request (REQUEST authorizers get it without body). */
export function proxyEvent(r: {
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
  const headers = clientKeyed<string>();
  const multiValueHeaders = clientKeyed<string[]>();
  const raw = r.request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    headers[name] = raw[i + 1] as string;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), raw[i + 1] as string];
  }
  const query = clientKeyed<string>();
  const multiValueQuery = clientKeyed<string[]>();
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

/** A Lambda proxy answer. */
export interface ProxyResult {
  statusCode?: unknown;
  headers?: Record<string, unknown>;
  multiValueHeaders?: Record<string, unknown[]>;
  body?: unknown;
  isBase64Encoded?: unknown;
}

/** Writes a proxy answer as API Gateway does (headers, base64 bodies for binary Accept types). */
export function writeProxyResult(
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
