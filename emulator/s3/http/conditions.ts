/** Conditional requests and byte ranges, as S3 evaluates them (pure). */

function etagList(header: string): string[] {
  return header.split(',').map((e) => e.trim().replace(/^W\//, '').replace(/"/g, ''));
}

/** Whether an If-Match / If-None-Match header matches the object's ETag (`*` matches any object). */
export function etagMatches(header: string, etag: string): boolean {
  const bare = etag.replace(/"/g, '');
  return etagList(header).some((e) => e === '*' || e === bare);
}

function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export interface ConditionHeaders {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

/**
 * The outcome of GET/HEAD preconditions (RFC 7232 order, as S3 applies it): 412 when If-Match fails
 * (or, without If-Match, If-Unmodified-Since fails), then 304 when If-None-Match matches (or,
 * without If-None-Match, the object is not modified since the date).
 */
export function readPrecondition(
  conditions: ConditionHeaders,
  etag: string,
  lastModifiedMs: number,
): 200 | 304 | 412 {
  const modified = Math.floor(lastModifiedMs / 1000) * 1000;
  if (conditions.ifMatch !== undefined) {
    if (!etagMatches(conditions.ifMatch, etag)) return 412;
  } else {
    const since = parseHttpDate(conditions.ifUnmodifiedSince);
    if (since !== undefined && modified > since) return 412;
  }
  if (conditions.ifNoneMatch !== undefined) {
    if (etagMatches(conditions.ifNoneMatch, etag)) return 304;
  } else {
    const since = parseHttpDate(conditions.ifModifiedSince);
    if (since !== undefined && modified <= since) return 304;
  }
  return 200;
}

export type RangeResult = { start: number; end: number } | 'unsatisfiable' | undefined;

/**
 * A `Range: bytes=a-b | a- | -n` header against an object of `size` bytes; undefined (send it whole)
 * for anything else (other units, several ranges, bad syntax), as S3 does.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first, last] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
