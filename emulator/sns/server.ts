import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLoopbackServer, listenOnLoopback } from '../services/loopback-host.ts';
import { operations } from './operations.ts';
import { errorXml, parseQueryParams, SnsError, successXml } from './query-protocol.ts';
import type { SnsService } from './service.ts';

/**
 * The SNS API on a loopback port, in SNS's awsQuery protocol: `POST /` with a form body (the AWS SDK
 * and CLI), or `GET /?Action=...` (the SubscribeURL and UnsubscribeURL in delivered messages).
 * Signatures and credentials are not checked.
 */
export interface SnsServer {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;

export async function startSnsServer(options: {
  readonly service: SnsService;
  readonly accountId: string;
  readonly port?: number;
  readonly log?: (line: string) => void;
}): Promise<SnsServer> {
  const table = operations(options.accountId);
  const server = createLoopbackServer((request, response) => {
    handle(request, response).catch((err: Error) => {
      const error = err instanceof SnsError ? err : new SnsError('InternalError', 500, err.message);
      if (error.status >= 500) options.log?.(`SNS request failed: ${err.message}`);
      if (!response.headersSent) send(response, error.status, errorXml(error));
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const params = new URLSearchParams(url.search);
    if (request.method === 'POST') {
      const body = await readBody(request);
      for (const [key, value] of new URLSearchParams(body)) params.append(key, value);
    } else if (request.method !== 'GET') {
      send(
        response,
        405,
        errorXml(new SnsError('InvalidAction', 405, `Method ${request.method} is not allowed`), requestId),
      );
      return;
    }
    const action = params.get('Action');
    const operation = action ? table[action] : undefined;
    if (!action || !operation) {
      const error = action
        ? new SnsError(
            'InvalidAction',
            400,
            `The action ${action} is not valid for this endpoint (the embedded SNS).`,
          )
        : new SnsError('MissingAction', 400, 'Missing required parameter: Action');
      send(response, error.status, errorXml(error, requestId));
      return;
    }
    try {
      const result = operation(parseQueryParams(params), options.service);
      send(response, 200, successXml(action, result, requestId), requestId);
    } catch (err) {
      if (!(err instanceof SnsError)) throw err;
      send(response, err.status, errorXml(err, requestId), requestId);
    }
  }

  const listener = await listenOnLoopback(server, options.port, 'the embedded SNS');
  options.service.setEndpoint(listener.endpoint);
  return {
    endpoint: listener.endpoint,
    port: listener.port,
    stop: () => {
      options.service.stop();
      return listener.close();
    },
  };
}

function send(response: ServerResponse, status: number, xml: string, requestId = randomUUID()): void {
  response.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amzn-requestid': requestId,
  });
  response.end(xml);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SnsError('RequestEntityTooLarge', 413, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
