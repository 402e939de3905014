import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { CloudModel, LambdaFunctionSpec } from '../cloudformation/cloud-model.ts';
import { createLoopbackServer, listenOnLoopback } from '../services/loopback-host.ts';
import type { InvokeOutcome } from './runner.ts';

/**
 * The part of the Lambda API functions call on each other (CDK's provider framework invokes the
 * user's onEvent this way), as `@aws-sdk/client-lambda` speaks it, on loopback: Invoke
 * (`POST /2015-03-31/functions/{name}/invocations`, RequestResponse, Event, DryRun) and GetFunction
 * (`GET /2015-03-31/functions/{name}`, for the SDK's FunctionActiveV2 waiter). Signatures are not checked.
 */
export interface LambdaApiOptions {
  readonly model: CloudModel;
  readonly invoke: (spec: LambdaFunctionSpec, event: unknown) => Promise<InvokeOutcome>;
  readonly invokeAsync: (spec: LambdaFunctionSpec, event: unknown) => void;
}

export interface LambdaApi {
  readonly endpoint: string;
  stop(): Promise<void>;
}

const FUNCTION_PATH = /^\/2015-03-31\/functions\/([^/]+)(\/invocations)?\/?$/;

export async function startLambdaApi(options: LambdaApiOptions): Promise<LambdaApi> {
  const server: Server = createLoopbackServer((req, res) => {
    handle(options, req, res).catch((err: Error) => sendError(res, 500, 'ServiceException', err.message));
  });
  const listener = await listenOnLoopback(server, undefined, 'the Lambda Invoke API');
  return { endpoint: listener.endpoint, stop: listener.close };
}

async function handle(options: LambdaApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const match = FUNCTION_PATH.exec(url.pathname);
  const body = await readBody(req);
  if (!match)
    return sendError(
      res,
      404,
      'UnknownOperationException',
      `Unknown operation ${req.method} ${url.pathname}`,
    );
  const name = decodeURIComponent(match[1] as string);
  // a name, an ARN, a partial ARN; a qualifier other than $LATEST names a version the cloud does not have
  const qualifier = url.searchParams.get('Qualifier');
  const spec = options.model.findFunction(name);
  if (!spec || (qualifier !== null && qualifier !== '$LATEST')) {
    const arn = spec?.arn ?? name;
    return sendError(
      res,
      404,
      'ResourceNotFoundException',
      `Function not found: ${arn}${qualifier ? `:${qualifier}` : ''}`,
    );
  }
  if (!match[2]) {
    if (req.method !== 'GET')
      return sendError(res, 405, 'UnknownOperationException', `${req.method} on a function`);
    return sendJson(res, 200, { Configuration: configuration(spec) });
  }
  if (req.method !== 'POST')
    return sendError(res, 405, 'UnknownOperationException', `${req.method} on invocations`);

  let event: unknown = null;
  if (body.length > 0) {
    try {
      event = JSON.parse(body.toString('utf8'));
    } catch {
      return sendError(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
  }
  const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (type === 'DryRun') return send(res, 204, {}, '');
  if (type === 'Event') {
    options.invokeAsync(spec, event);
    return send(res, 202, {}, '');
  }
  if (type !== 'RequestResponse')
    return sendError(res, 400, 'InvalidParameterValueException', `Invalid InvocationType: ${type}`);
  const outcome = await options.invoke(spec, event);
  const headers = { 'x-amz-executed-version': '$LATEST', 'x-amzn-requestid': outcome.requestId };
  if (outcome.ok) return send(res, 200, headers, JSON.stringify(outcome.payload ?? null));
  // a function error is a 200 with X-Amz-Function-Error, its payload the error object
  return send(
    res,
    200,
    { ...headers, 'x-amz-function-error': 'Unhandled' },
    JSON.stringify({
      errorType: outcome.error.errorType,
      errorMessage: outcome.error.errorMessage,
      trace: [],
    }),
  );
}

function configuration(spec: LambdaFunctionSpec): Record<string, unknown> {
  return {
    FunctionName: spec.name,
    FunctionArn: spec.arn,
    Runtime: spec.runtime,
    Handler: spec.handler,
    Timeout: spec.timeoutSeconds,
    MemorySize: spec.memoryMb,
    Version: '$LATEST',
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Environment: { Variables: spec.environment },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, {}, JSON.stringify(value));
}

/** Lambda's REST-JSON errors: the type in x-amzn-ErrorType, `Type` and `message` in the body. */
function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  send(res, status, { 'x-amzn-errortype': type }, JSON.stringify({ Type: 'User', message }));
}
