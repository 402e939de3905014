/** What one S3 request handler gets, and the helpers that write S3's answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { S3Error } from '../errors.ts';
import type { Change, Store } from '../store.ts';
import { escapeXml, type XmlObject, xmlDocument } from '../xml.ts';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly store: Store;
  readonly method: string;
  /** Path-style: the first path segment; '' for the service (ListBuckets). */
  readonly bucket: string;
  /** The rest of the path, percent-decoded; '' for bucket requests. */
  readonly key: string;
  readonly query: URLSearchParams;
  readonly requestId: string;
  readonly region: string;
  /** The emulated clock. */
  now(): number;
  /** Records an object change (its event is delivered after this request's answer). */
  emit(change: Change): void;
}

export function header(ctx: RequestContext, name: string): string | undefined {
  const value = ctx.req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export function sendXml(
  ctx: RequestContext,
  status: number,
  root: string,
  body: XmlObject,
  headers: Record<string, string> = {},
): void {
  const text = xmlDocument(root, body);
  ctx.res.writeHead(status, {
    ...headers,
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(text),
  });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : text);
}

export function sendEmpty(ctx: RequestContext, status: number, headers: Record<string, string> = {}): void {
  ctx.res.writeHead(status, { ...headers, 'content-length': 0 });
  ctx.res.end();
}

export function sendError(ctx: RequestContext, error: S3Error): void {
  if (ctx.res.headersSent) {
    ctx.res.destroy();
    return;
  }
  const resource = `/${ctx.bucket}${ctx.key ? `/${ctx.key}` : ''}`;
  let details = '';
  for (const [name, value] of Object.entries(error.details))
    details += `<${name}>${escapeXml(value)}</${name}>`;
  const text =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message>` +
    `${details}<Resource>${escapeXml(resource)}</Resource><RequestId>${ctx.requestId}</RequestId></Error>`;
  const headers: Record<string, string | number> = { ...error.headers };
  if (ctx.method === 'HEAD') {
    ctx.res.writeHead(error.status, { ...headers, 'content-length': 0 });
    ctx.res.end();
    return;
  }
  ctx.res.writeHead(error.status, {
    ...headers,
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(text),
  });
  ctx.res.end(text);
}

/** S3's time format in XML bodies: ISO-8601 with milliseconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** HTTP date (Last-Modified); whole seconds, as S3 sends them. */
export function httpTime(ms: number): string {
  return new Date(ms).toUTCString();
}

/** The one account every credential maps to (the id s3rver used, which tools set up for it know). */
export const OWNER = { ID: '123456789000', DisplayName: 'local' };

/** Parses an integer query parameter within limits; InvalidArgument naming it otherwise. */
export function intParam(
  ctx: RequestContext,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, {
      ArgumentName: name,
      ArgumentValue: raw,
    });
  }
  return Math.min(value, max);
}
