import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createLoopbackServer,
  type LoopbackListener,
  listenOnLoopback,
} from '../../services/loopback-host.ts';

/** Path prefix of every ResponseURL (response-route.ts recognizes it too). */
export const RESPONSE_PATH = '/cloudformation-response/';

/**
 * The ResponseURLs' server, on loopback: takes the provider's PUT of its response JSON as the
 * presigned S3 URL AWS hands out does (any content type, `content-type: ''` included; 200 with an
 * ETag), and hands the body to whoever waits for that request.
 */
export class ResponseEndpoint {
  private readonly waiting = new Map<string, (body: string) => void>();
  private readonly early = new Map<string, string>();
  private listener: LoopbackListener | undefined;

  private constructor() {}

  static async start(): Promise<ResponseEndpoint> {
    const endpoint = new ResponseEndpoint();
    const server = createLoopbackServer((req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const id = path.startsWith(RESPONSE_PATH) ? decodeURIComponent(path.slice(RESPONSE_PATH.length)) : '';
      if (req.method !== 'PUT' || !id) {
        res.writeHead(req.method === 'PUT' ? 404 : 405, { 'content-type': 'application/xml' });
        res.end('<Error><Code>MethodNotAllowed</Code></Error>');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        endpoint.receive(id, Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { etag: '"00000000000000000000000000000000"', 'content-length': 0 });
        res.end();
      });
    });
    endpoint.listener = await listenOnLoopback(server, undefined, 'custom resource responses');
    return endpoint;
  }

  get portNumber(): number {
    return this.listener?.port ?? 0;
  }

  /** The presigned-looking URL a provider answers request `id` at. */
  urlFor(id: string): string {
    const signedAt = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    return `${this.listener?.endpoint}${RESPONSE_PATH}${encodeURIComponent(id)}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${signedAt}&X-Amz-Expires=7200&X-Amz-SignedHeaders=host&X-Amz-Signature=local`;
  }

  /** The first body PUT for `id` (one PUT before the wait started counts too). */
  next(id: string): Promise<string> {
    const body = this.early.get(id);
    if (body !== undefined) {
      this.early.delete(id);
      return Promise.resolve(body);
    }
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  /** Stops waiting for `id` (timed out, or the provider failed). */
  forget(id: string): void {
    this.waiting.delete(id);
    this.early.delete(id);
  }

  private receive(id: string, body: string): void {
    const waiter = this.waiting.get(id);
    if (waiter) {
      this.waiting.delete(id);
      waiter(body);
    } else if (!this.early.has(id)) this.early.set(id, body);
  }

  async stop(): Promise<void> {
    await this.listener?.close();
  }
}
