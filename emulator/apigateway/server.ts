import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudModel, LambdaFunctionSpec } from '../cloudformation/cloud-model.ts';
import type { InvokeOutcome } from '../lambda/runner.ts';
import { createLoopbackServer, listenOnLoopback } from '../services/loopback-host.ts';
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
import { runMockIntegration } from './mock-integration.ts';
import {
  baseRequestContext,
  headersAsSent,
  type ProxyResult,
  proxyEvent,
  writeProxyResult,
} from './proxy-event.ts';
import { bodyProblem, matchRoute, missingParameters } from './routes.ts';
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
  /** The services `Type: AWS` integrations call (DynamoDB, SNS, SQS, Step Functions). */
  readonly endpoints?: AwsBackends['endpoints'];
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

export async function startApiGateway(options: ApiGatewayOptions): Promise<ApiGatewayServer> {
  const authorizers = new Authorizers({
    findFunction: (arn) => options.model.findFunction(arn),
    invoke: options.invoke,
    ...(options.log ? { log: options.log } : {}),
  });
  const server = createLoopbackServer((request, response) => {
    handle(options, authorizers, request, response).catch((err: Error) => {
      options.log?.(`API request ${request.method} ${request.url} failed: ${err.message}`);
      if (!response.headersSent) sendJson(response, 500, { message: 'Internal server error' });
      else response.end();
    });
  });
  const listener = await listenOnLoopback(server, options.port, 'the local API Gateway');
  return { url: listener.endpoint, port: listener.port, stop: listener.close };
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
  const requestContext = baseRequestContext(options.accountId, {
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
