import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLoopbackServer, listenOnLoopback } from '../services/loopback-host.ts';
import { OPERATIONS } from './operations.ts';
import { CONTENT_TYPE, errorBody, parseRequest, SfnError, TARGET_PREFIX } from './protocol.ts';
import type { StepFunctionsService } from './service.ts';

/**
 * The Step Functions API on a loopback port, as `@aws-sdk/client-sfn` and the AWS CLI speak it
 * (AWS JSON 1.0). Signatures and credentials are not checked.
 */
export interface StepFunctionsServer {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;

export async function startStepFunctionsServer(options: {
  readonly service: StepFunctionsService;
  readonly port?: number;
  readonly log?: (line: string) => void;
}): Promise<StepFunctionsServer> {
  const server = createLoopbackServer((request, response) => {
    handle(request, response).catch((err: Error) => {
      const error = err instanceof SfnError ? err : new SfnError('InternalFailure', err.message, 500);
      if (error.status >= 500) options.log?.(`Step Functions request failed: ${err.message}`);
      if (!response.headersSent) send(response, error.status, errorBody(error), error.code);
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST')
      throw new SfnError('UnknownOperationException', `Method ${request.method} is not allowed`, 405);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX)
      ? OPERATIONS[target.slice(TARGET_PREFIX.length)]
      : undefined;
    const body = parseRequest(await readBody(request));
    if (!operation)
      throw new SfnError(
        'UnknownOperationException',
        `${target || 'a request without X-Amz-Target'} is not an operation of the embedded Step Functions`,
      );
    const result = await operation(body, options.service);
    send(response, 200, JSON.stringify(result ?? {}));
  }

  const listener = await listenOnLoopback(server, options.port, 'the embedded Step Functions');
  return { endpoint: listener.endpoint, stop: listener.close };
}

function send(response: ServerResponse, status: number, body: string, errorType?: string): void {
  response.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(body);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SfnError('ValidationException', 'Request body too large', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
