/**
 * One page of a listing, as S3 computes it (pure): entries come in key order (UTF-8 byte order,
 * versions of one key newest first) starting after the marker; keys sharing the part up to the
 * first delimiter after the prefix roll up into one common prefix; MaxKeys counts entries and
 * prefixes together, and the page is truncated only when something that would be listed is left.
 */

export interface ListPageOptions {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  /** Keys whose common prefix sorts at or before this were listed on an earlier page. */
  marker: string;
}

export interface ListPage<T> {
  entries: T[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** What the page ended on: the last entry's key, or the last common prefix. */
  last?: { entry: T } | { prefix: string };
}

/** Compares strings the way S3 orders keys: by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The common prefix `key` rolls up into, if any. */
export function commonPrefixOf(key: string, prefix: string, delimiter: string): string | undefined {
  if (!delimiter || !key.startsWith(prefix)) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}

export function listPage<T>(
  sorted: Iterable<T>,
  keyOf: (entry: T) => string,
  options: ListPageOptions,
): ListPage<T> {
  const page: ListPage<T> = { entries: [], commonPrefixes: [], isTruncated: false };
  let count = 0;
  for (const entry of sorted) {
    const key = keyOf(entry);
    if (!key.startsWith(options.prefix)) {
      if (compareKeys(key, options.prefix) > 0) break; // past every key with the prefix
      continue;
    }
    const common = commonPrefixOf(key, options.prefix, options.delimiter);
    if (common !== undefined) {
      if (options.marker && compareKeys(common, options.marker) <= 0) continue;
      if (page.commonPrefixes.at(-1) === common) continue;
      if (count >= options.maxKeys) {
        page.isTruncated = options.maxKeys > 0;
        break;
      }
      page.commonPrefixes.push(common);
      page.last = { prefix: common };
    } else {
      if (count >= options.maxKeys) {
        page.isTruncated = options.maxKeys > 0;
        break;
      }
      page.entries.push(entry);
      page.last = { entry };
    }
    count++;
  }
  return page;
}

/** Unreserved characters and '/' stay; everything else is %XX of its UTF-8 bytes (EncodingType=url). */
export function urlEncodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
