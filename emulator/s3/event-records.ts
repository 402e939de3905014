/**
 * What real S3 puts in its event notifications, as pure functions: the embedded S3 service
 * (emulator/s3/child.ts) uses them to turn its object changes into the records a function would
 * receive from AWS: URL-encoded keys, 18-digit increasing sequencers, one record per DeleteObjects
 * key, `CompleteMultipartUpload`, eTags on copies, `versionId` in versioned buckets, delete
 * markers. Everything here is free of I/O so it can be tested on its own.
 *
 * This module is loaded by plain Node with type stripping (the S3 child process): only
 * erasable TypeScript syntax (no enums, namespaces or parameter properties).
 */

/** One record of an S3 event notification (`event.Records[i]`), as S3 sends it. */
export interface S3EventRecord {
  eventVersion: string;
  eventSource: 'aws:s3';
  awsRegion: string;
  /** ISO-8601 time of the change. */
  eventTime: string;
  /** e.g. `ObjectCreated:Put`, `ObjectRemoved:Delete`. */
  eventName: S3EventName;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
  s3: {
    s3SchemaVersion: '1.0';
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    object: {
      /** URL-encoded as S3 does it (see encodeEventKey). */
      key: string;
      /** Bytes of the new object; present on every created event, absent on removals (as in S3). */
      size?: number;
      /** The object's ETag without quotes; created events only. */
      eTag?: string;
      /** Present exactly when the bucket is versioned (enabled or suspended: then "null"). */
      versionId?: string;
      /** Uppercase hex; strictly increasing for changes to the same key. */
      sequencer: string;
    };
  };
}

export type S3EventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete'
  | 'ObjectRemoved:DeleteMarkerCreated'
  | 'LifecycleExpiration:Delete'
  | 'LifecycleExpiration:DeleteMarkerCreated';

/** The S3 API operations that change an object. */
export type S3ChangeOperation =
  | 'PutObject'
  | 'PostObject'
  | 'CopyObject'
  | 'CompleteMultipartUpload'
  | 'DeleteObject'
  | 'DeleteObjects';

const EVENT_NAMES: Record<S3ChangeOperation, S3EventName> = {
  PutObject: 'ObjectCreated:Put',
  // a browser-form upload (POST with multipart/form-data to the bucket)
  PostObject: 'ObjectCreated:Post',
  CopyObject: 'ObjectCreated:Copy',
  CompleteMultipartUpload: 'ObjectCreated:CompleteMultipartUpload',
  DeleteObject: 'ObjectRemoved:Delete',
  // one record per key listed as Deleted
  DeleteObjects: 'ObjectRemoved:Delete',
};

/** The event name S3 sends for a change made by `operation` (unversioned bucket). */
export function eventNameFor(operation: S3ChangeOperation): S3EventName {
  return EVENT_NAMES[operation];
}

/**
 * Which operation wrote a whole object, from the request that caused the write: PUT is PutObject
 * (a copy is told apart by the store call it makes), POST with `?uploadId` completes a multipart
 * upload, any other POST is a browser-form upload.
 */
export function writeOperationFor(request: {
  method: string;
  query: Readonly<Record<string, unknown>>;
}): 'PutObject' | 'PostObject' | 'CompleteMultipartUpload' {
  if (request.method.toUpperCase() !== 'POST') return 'PutObject';
  return 'uploadId' in request.query ? 'CompleteMultipartUpload' : 'PostObject';
}

// Bytes left as they are; every other byte is %XX (uppercase hex) and a space is '+'. These are the
// rules of an HTML form encoding (Java's URLEncoder, which S3 follows) except that '/' is kept.
const UNRESERVED = /^[A-Za-z0-9._*/-]$/;

/**
 * Encodes an object key the way S3 writes it into event notifications: spaces as '+', a literal
 * '+' as '%2B', other reserved characters and non-ASCII as percent-encoded UTF-8, '/' kept.
 * `decodeURIComponent(encoded.replace(/\+/g, ' '))` gives the key back.
 */
export function encodeEventKey(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (byte === 0x20) out += '+';
    else if (byte < 0x80 && UNRESERVED.test(char)) out += char;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of encodeEventKey (what a function receiving the event must do). */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

const SEQUENCER_HEX_DIGITS = 18;
const TICKS_PER_MS = 20n; // 2^20 sequencers per millisecond before the counter runs ahead of the clock

/**
 * Generates `sequencer` values: uppercase hex, 18 digits (as S3's), strictly increasing from one call to the
 * next, even within one millisecond or when the clock steps back. S3 only promises order per key;
 * one counter for all keys gives that and more. The value is the wall clock in milliseconds shifted
 * left by 20 bits plus a counter, so a restarted server (same data directory) continues above the
 * values it produced before, as long as the clock has not gone back in between.
 */
export class SequencerGenerator {
  #last = 0n;
  readonly #now: () => number;

  constructor(now: () => number = Date.now, after = '') {
    this.#now = now;
    if (/^[0-9A-F]+$/.test(after)) this.#last = BigInt(`0x${after}`);
  }

  /** The last value given out ('' before the first). */
  get last(): string {
    return this.#last === 0n ? '' : this.#last.toString(16).toUpperCase().padStart(SEQUENCER_HEX_DIGITS, '0');
  }

  next(): string {
    const fromClock = BigInt(Math.floor(this.#now())) << TICKS_PER_MS;
    this.#last = fromClock > this.#last ? fromClock : this.#last + 1n;
    return this.#last.toString(16).toUpperCase().padStart(SEQUENCER_HEX_DIGITS, '0');
  }
}

/** A change to one object, as observed at the store. */
export interface ObjectChange {
  /** The API call; or give eventName directly (versioned deletes, lifecycle). */
  operation?: S3ChangeOperation;
  eventName?: S3EventName;
  /** Present exactly when the bucket is versioned. */
  versionId?: string;
  bucket: string;
  /** The raw key. */
  key: string;
  /** Created objects: their size in bytes and ETag (quotes optional). */
  size?: number;
  eTag?: string;
  sequencer: string;
  time: Date;
}

/** Who asked for the change. */
export interface RequestInfo {
  region: string;
  sourceIp: string;
  requestId: string;
  hostId: string;
  principalId: string;
}

/** The MD5 of no bytes: the eTag S3 puts on DeleteMarkerCreated records. */
export const EMPTY_ETAG = 'd41d8cd98f00b204e9800998ecf8427e';

/** Constant identities of the embedded S3 (no real account behind it). */
export const EMBEDDED_OWNER_ID = 'A3EMBEDDEDS3OWNER';
/** The embedded S3 keeps no notification configuration; the dispatcher may overwrite this. */
export const EMBEDDED_CONFIGURATION_ID = 'embedded-s3-notification';

/** Builds the record S3 would send for `change`. */
export function buildEventRecord(change: ObjectChange, request: RequestInfo): S3EventRecord {
  const eventName = change.eventName ?? (change.operation ? eventNameFor(change.operation) : undefined);
  if (!eventName) throw new Error(`an object change needs an operation or an eventName (key ${change.key})`);
  let created: { size?: number; eTag: string } | undefined;
  if (eventName.startsWith('ObjectCreated:')) {
    if (change.size === undefined || change.eTag === undefined) {
      throw new Error(`a ${eventName} record needs the new object's size and eTag (key ${change.key})`);
    }
    created = { size: change.size, eTag: change.eTag.replace(/"/g, '') };
  } else if (eventName.endsWith(':DeleteMarkerCreated')) {
    // S3 gives a delete marker the empty object's eTag and no size
    created = { eTag: EMPTY_ETAG };
  }
  // field order as in S3's records: key, size, eTag, versionId, sequencer
  const object = {
    key: encodeEventKey(change.key),
    ...created,
    ...(change.versionId !== undefined ? { versionId: change.versionId } : {}),
    sequencer: change.sequencer,
  };
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: request.region,
    eventTime: change.time.toISOString(),
    eventName,
    userIdentity: { principalId: request.principalId },
    requestParameters: { sourceIPAddress: request.sourceIp.replace(/^::ffff:/, '') },
    responseElements: { 'x-amz-request-id': request.requestId, 'x-amz-id-2': request.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: EMBEDDED_CONFIGURATION_ID,
      bucket: {
        name: change.bucket,
        ownerIdentity: { principalId: EMBEDDED_OWNER_ID },
        arn: `arn:aws:s3:::${change.bucket}`,
      },
      object,
    },
  };
}

/** S3's limit on the keys of one DeleteObjects request. */
export const MAX_DELETE_KEYS = 1000;

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return XML_ENTITIES[entity] ?? whole;
  });
}

/**
 * Reads the keys of a DeleteObjects request body (`<Delete><Object><Key>..</Key></Object>..`).
 * Keys are kept exactly (no number parsing, no trimming).
 * Returns null when the body is not a valid request (S3 answers MalformedXML).
 */
export function parseDeleteObjectsBody(xml: string): { keys: string[]; quiet: boolean } | null {
  const body = /<Delete(?:\s[^>]*)?>([\s\S]*)<\/Delete>/.exec(xml)?.[1];
  if (body === undefined) return null;
  const keys: string[] = [];
  for (const match of body.matchAll(/<Object>([\s\S]*?)<\/Object>/g)) {
    const rawKey = /<Key>([\s\S]*?)<\/Key>/.exec(match[1] ?? '')?.[1];
    if (rawKey === undefined) return null;
    const cdata = /^<!\[CDATA\[([\s\S]*)\]\]>$/.exec(rawKey);
    keys.push(cdata ? (cdata[1] ?? '') : decodeXmlText(rawKey));
  }
  if (keys.length === 0 || keys.length > MAX_DELETE_KEYS) return null;
  const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(body);
  return { keys, quiet };
}

/**
 * Delivers items in the order they were added, each only once the request that produced it has
 * finished (its response is out). An item whose request is still running holds back the items
 * after it, so listeners see changes in the order they happened.
 */
export class OrderedDelivery<T> {
  readonly #queue: { item: T; request: { done: boolean } }[] = [];
  readonly #deliver: (item: T) => void;

  constructor(deliver: (item: T) => void) {
    this.#deliver = deliver;
  }

  /** A handle for one request; pass it to add() and call finish() with it when the response is out. */
  begin(): { done: boolean } {
    return { done: false };
  }

  add(item: T, request: { done: boolean }): void {
    this.#queue.push({ item, request });
    this.#flush();
  }

  finish(request: { done: boolean }): void {
    request.done = true;
    this.#flush();
  }

  /** Items held back, waiting for their request to finish. */
  get pending(): number {
    return this.#queue.length;
  }

  #flush(): void {
    while (this.#queue[0]?.request.done) {
      const head = this.#queue.shift();
      if (head) this.#deliver(head.item);
    }
  }
}
