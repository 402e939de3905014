import { randomUUID } from 'node:crypto';
import { clientKeyed } from '../services/client-keyed.ts';

/**
 * SNS's wire protocol (awsQuery, what @aws-sdk/client-sns and the AWS CLI speak): a form-encoded
 * request (`Action=Publish&TopicArn=...&MessageAttributes.entry.1.Name=...`) answered with XML
 * (`<PublishResponse><PublishResult>...</PublishResult><ResponseMetadata/></PublishResponse>`),
 * errors as `<ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>`. Pure.
 */
export const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** An SNS error: its awsQuery code (e.g. `NotFound`) and HTTP status, as the SDK maps them. */
export class SnsError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = 'SnsError';
    this.code = code;
    this.status = status;
  }
}

export const invalidParameter = (message: string) => new SnsError('InvalidParameter', 400, message);
export const notFound = (message: string) => new SnsError('NotFound', 404, message);

/** A nested view of the dotted parameter names: `A.entry.1.Name` -> { A: { entry: { 1: { Name } } } }. */
export type QueryTree = { [key: string]: QueryTree | string };

export function parseQueryParams(params: URLSearchParams): QueryTree {
  // parameter names are the client's: `__proto__.x=1` must not reach Object.prototype
  const root = clientKeyed<QueryTree | string>();
  for (const [name, value] of params) {
    const parts = name.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next === 'object') node = next;
      else {
        const created = clientKeyed<QueryTree | string>();
        node[part] = created;
        node = created;
      }
    }
    node[parts[parts.length - 1] as string] = value;
  }
  return root;
}

/** A string parameter; undefined when absent. */
export function stringParam(tree: QueryTree, name: string): string | undefined {
  const value = tree[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`Invalid parameter: ${name}`);
  return value;
}

export function requiredParam(tree: QueryTree, name: string): string {
  const value = stringParam(tree, name);
  if (value === undefined)
    throw new SnsError(
      'ValidationError',
      400,
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The numbered items of `<name>.member.N` (or `<name>.entry.N`), in N order. */
export function listParam(tree: QueryTree, name: string, item = 'member'): (QueryTree | string)[] {
  const holder = tree[name];
  if (holder === undefined || typeof holder === 'string') return [];
  const items = holder[item];
  if (items === undefined || typeof items === 'string') return [];
  return Object.entries(items)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, value]) => value);
}

/** A map sent as `<name>.entry.N.<keyName>` / `<name>.entry.N.<valueName>` (default `key`/`value`). */
export function mapParam(
  tree: QueryTree,
  name: string,
  keyName = 'key',
  valueName = 'value',
): Map<string, QueryTree | string> {
  const map = new Map<string, QueryTree | string>();
  for (const entry of listParam(tree, name, 'entry')) {
    if (typeof entry === 'string') continue;
    const key = entry[keyName];
    const value = entry[valueName];
    if (typeof key === 'string' && value !== undefined) map.set(key, value);
  }
  return map;
}

/** A string-to-string map (topic and subscription attributes). */
export function stringMapParam(tree: QueryTree, name: string): Record<string, string> {
  const out = clientKeyed<string>();
  for (const [key, value] of mapParam(tree, name)) out[key] = typeof value === 'string' ? value : '';
  return out;
}

/** A value the response serializer writes: text, nested elements, a list (`member`s) or a map (`entry`s). */
export type XmlValue =
  | string
  | number
  | boolean
  | undefined
  | { readonly list: readonly XmlValue[] }
  | { readonly map: Readonly<Record<string, string>> }
  | { readonly [element: string]: XmlValue };

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function renderValue(value: XmlValue): string {
  if (value === undefined) return '';
  if (typeof value !== 'object') return escapeXml(String(value));
  if ('list' in value && Array.isArray(value.list))
    return (value.list as XmlValue[]).map((item) => `<member>${renderValue(item)}</member>`).join('');
  if ('map' in value && typeof value.map === 'object' && value.map !== null && !Array.isArray(value.map))
    return Object.entries(value.map as Record<string, string>)
      .map(([key, text]) => `<entry><key>${escapeXml(key)}</key><value>${escapeXml(text)}</value></entry>`)
      .join('');
  return Object.entries(value as Record<string, XmlValue>)
    .filter(([, child]) => child !== undefined)
    .map(([element, child]) => `<${element}>${renderValue(child)}</${element}>`)
    .join('');
}

/** `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>...</ResponseMetadata></ActionResponse>` */
export function successXml(
  action: string,
  result: Record<string, XmlValue>,
  requestId = randomUUID(),
): string {
  const body =
    Object.keys(result).length > 0 ? `<${action}Result>${renderValue(result)}</${action}Result>` : '';
  return `<?xml version="1.0"?>\n<${action}Response xmlns="${SNS_XMLNS}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function errorXml(error: SnsError, requestId = randomUUID()): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return `<?xml version="1.0"?>\n<ErrorResponse xmlns="${SNS_XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
