/** CORS preflight (OPTIONS) against a bucket's stored CORS rules, as S3 answers it. */
import { S3Error } from '../errors.ts';
import { children, childText, parseXml } from '../xml.ts';
import type { RequestContext } from './context.ts';

function originMatches(pattern: string, origin: string): boolean {
  if (pattern === '*') return true;
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === origin;
  return origin.startsWith(pattern.slice(0, star)) && origin.endsWith(pattern.slice(star + 1));
}

export function preflight(ctx: RequestContext): void {
  const origin = ctx.req.headers.origin;
  const method = ctx.req.headers['access-control-request-method'];
  if (origin === undefined || typeof method !== 'string') {
    throw new S3Error('BadRequest', 'Insufficient information. Origin request header needed.');
  }
  const body = ctx.bucket ? ctx.store.findBucket(ctx.bucket)?.configs.cors : undefined;
  const rules = children(body ? (parseXml(body) ?? undefined) : undefined, 'CORSRule');
  for (const rule of rules) {
    const origins = children(rule, 'AllowedOrigin').map((o) => o.text.trim());
    const methods = children(rule, 'AllowedMethod').map((m) => m.text.trim());
    const matched = origins.find((o) => originMatches(o, origin));
    if (matched === undefined || !methods.includes(method)) continue;
    const headers: Record<string, string> = {
      'access-control-allow-origin': matched === '*' ? '*' : origin,
      'access-control-allow-methods': methods.join(', '),
      'content-length': '0',
    };
    const requested = ctx.req.headers['access-control-request-headers'];
    if (typeof requested === 'string') headers['access-control-allow-headers'] = requested;
    const maxAge = childText(rule, 'MaxAgeSeconds');
    if (maxAge) headers['access-control-max-age'] = maxAge;
    ctx.res.writeHead(200, headers);
    ctx.res.end();
    return;
  }
  throw new S3Error('AccessForbidden', 'CORSResponse: This CORS request is not allowed.');
}
