import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLoopbackServer, listenOnLoopback } from '../services/loopback-host.ts';
import { SqsError } from './errors.ts';
import { OPERATIONS } from './operations.ts';
import { errorXml, queryToInput, successXml } from './query-protocol.ts';
import type { SqsService } from './service.ts';

/**
 * The SQS API on a loopback port. Two protocols, chosen per request as SQS does:
 * - AWS JSON 1.0 (what @aws-sdk/client-sqs v3 speaks): `POST /` with `X-Amz-Target: AmazonSQS.<Op>`
 *   and a JSON body; errors as `{ "__type", "message" }` with the query code in `x-amzn-query-error`;
 * - the query protocol (AWS CLI 1.x, older SDKs): a form body (or query string) with `Action=<Op>`,
 *   answered in XML.
 * Signatures and credentials are not checked.
 */
export interface SqsServer {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function startSqsServer(options: {
  readonly service: SqsService;
  readonly port?: number;
  readonly log?: (line: string) => void;
}): Promise<SqsServer> {
  const { service } = options;
  const aborts = new Set<AbortController>();
  const server = createLoopbackServer((request, response) => {
    const abort = new AbortController();
    aborts.add(abort);
    // a long poll ends when its client goes away
    response.on('close', () => {
      abort.abort();
      aborts.delete(abort);
    });
    handle(request, response, abort.signal).catch((err: Error) => {
      options.log?.(`SQS request failed: ${err.stack ?? err.message}`);
      if (!response.headersSent)
        sendJsonError(response, new SqsError('InternalError', err.message, 500), randomUUID());
      else response.end();
    });
  });

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
    signal: AbortSignal,
  ): Promise<void> {
    const requestId = randomUUID();
    const body = await readBody(request);
    const target = request.headers['x-amz-target'];
    if (typeof target === 'string') {
      const name = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
      const operation = OPERATIONS[name];
      if (!operation) {
        sendJsonError(
          response,
          new SqsError('InvalidAction', `The action ${target} is not valid for this endpoint.`),
          requestId,
        );
        return;
      }
      let input: Record<string, unknown>;
      try {
        input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        sendJsonError(
          response,
          new SqsError('InvalidParameterValueException', 'The request body is not valid JSON.'),
          requestId,
        );
        return;
      }
      try {
        const output = await operation(input ?? {}, service, signal);
        const text = JSON.stringify(output);
        response.writeHead(200, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': requestId,
        });
        response.end(text);
      } catch (err) {
        if (!(err instanceof SqsError)) throw err;
        sendJsonError(response, err, requestId);
      }
      return;
    }
    // the query protocol
    const params = new URLSearchParams(new URL(request.url ?? '/', 'http://localhost').search);
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params.append(key, value);
    const action = params.get('Action') ?? '';
    const operation = OPERATIONS[action];
    try {
      if (!operation)
        throw new SqsError(
          'InvalidAction',
          action
            ? `The action ${action} is not valid for this endpoint.`
            : 'Missing required parameter: Action',
        );
      // a queue URL given as the request path (`POST /<account>/<queue>`), as the CLI sends it
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const output = await operation(queryToInput(action, params, path), service, signal);
      sendXml(response, 200, successXml(action, output, requestId), requestId);
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      sendXml(response, err.status, errorXml(err, requestId), requestId);
    }
  }

  const listener = await listenOnLoopback(server, options.port, 'the embedded SQS');
  service.setEndpoint(listener.endpoint);
  return {
    endpoint: listener.endpoint,
    port: listener.port,
    stop: () => {
      for (const abort of aborts) abort.abort();
      return listener.close();
    },
  };
}

function sendJsonError(response: ServerResponse, error: SqsError, requestId: string): void {
  const text = JSON.stringify({ __type: error.jsonType, message: error.message });
  response.writeHead(error.status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    'x-amzn-query-error': `${error.queryCode};${error.fault}`,
  });
  response.end(text);
}

function sendXml(response: ServerResponse, status: number, xml: string, requestId: string): void {
  response.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amzn-requestid': requestId,
  });
  response.end(xml);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SqsError('BatchRequestTooLong', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
