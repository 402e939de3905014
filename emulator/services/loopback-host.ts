import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The local cloud's HTTP servers listen on 127.0.0.1, so no other machine reaches them, but a web page
 * the user opens still could, through DNS rebinding: the page's own name (evil.example) is made to
 * resolve to 127.0.0.1, and the browser then treats our server as the page's origin, CORS or not, and
 * lets the page read and write buckets, queues and tables. What such a request cannot hide is its
 * Host header, which names the page's domain. So a request is answered only when its Host is a name
 * that always means this machine: 127.x.x.x, [::1], `localhost` and names under `.localhost`
 * (RFC 6761). Requests without a Host (HTTP/1.0 tools) are answered: browsers always send one.
 *
 * Runs in child processes under plain Node with type stripping too: erasable TypeScript, node: imports.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = hostName(host.trim().toLowerCase());
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** `name:port` -> name, `[v6]:port` -> [v6]; a trailing dot (`localhost.`) is the same name. */
function hostName(host: string): string {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

export const FOREIGN_HOST_STATUS = 403;

/** The answer to a request addressed to another name: what happened and what to use instead. */
export function refuseForeignHost(request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify({
    __type: 'ForeignHostRefused',
    message: `Host '${request.headers.host}' is not this machine: the local cloud answers requests addressed to 127.0.0.1, localhost or [::1] only (a guard against DNS rebinding by web pages)`,
  });
  response.writeHead(FOREIGN_HOST_STATUS, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
}

/**
 * An HTTP server whose handler only sees requests addressed to this machine. `anyHost`: for a server
 * that deliberately listens on every interface (containers must reach it), where other names are
 * expected.
 */
export function createLoopbackServer(handler: RequestListener, options: { anyHost?: boolean } = {}): Server {
  if (options.anyHost) return createServer(handler);
  return createServer((request, response) => {
    if (isLoopbackHost(request.headers.host)) handler(request, response);
    else refuseForeignHost(request, response);
  });
}

export interface LoopbackListener {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Ends open connections (keep-alive, long polls) and stops listening. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1, on `port` or a free one; a taken port is an error that names `what` and the
 * way out, not a bare EADDRINUSE.
 */
export async function listenOnLoopback(
  server: Server,
  port: number | undefined,
  what: string,
): Promise<LoopbackListener> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`port ${port} for ${what} is already in use: stop what holds it or choose another port`)
          : err,
      ),
    );
    server.listen(port ?? 0, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    endpoint: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
