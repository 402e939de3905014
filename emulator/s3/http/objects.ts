/** Object requests: PUT (and copy), GET, HEAD, DELETE, DeleteObjects, browser-form POST, tagging. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { clientKeyed } from '../../services/client-keyed.ts';
import type { ChecksumAlgorithm, WrittenBlob } from '../blobs.ts';
import { S3Error } from '../errors.ts';
import type { S3EventName } from '../event-records.ts';
import type { NewVersion, ObjectMetadata, VersionRow } from '../store.ts';
import { child, children, childText, parseXml } from '../xml.ts';
import { keepNewObjectAcl } from './acl.ts';
import { bodyOf, declaredLength, parseFormData, readAll } from './body.ts';
import { etagMatches, parseRange, readPrecondition } from './conditions.ts';
import { header, httpTime, isoTime, type RequestContext, sendEmpty, sendError, sendXml } from './context.ts';

export const MAX_KEY_BYTES = 1024;
const STORED_HEADERS = [
  'content-encoding',
  'content-disposition',
  'content-language',
  'cache-control',
  'expires',
];
const CHECKSUMS: ChecksumAlgorithm[] = ['crc32', 'crc32c', 'sha1', 'sha256'];

export function checkKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', undefined, {
      MaxSizeAllowed: String(MAX_KEY_BYTES),
      Size: String(Buffer.byteLength(key, 'utf8')),
    });
  }
}

/** Content headers and x-amz-meta-* of a request, as stored with the object. */
export function metadataFrom(headers: Record<string, string | string[] | undefined>): ObjectMetadata {
  const stored: Record<string, string> = {};
  const user = clientKeyed<string>(); // x-amz-meta-__proto__ is a name like any other
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    if (STORED_HEADERS.includes(name)) {
      // aws-chunked is the transfer's encoding, not the object's
      if (name === 'content-encoding') {
        const kept = text
          .split(',')
          .map((e) => e.trim())
          .filter((e) => e && e !== 'aws-chunked');
        if (kept.length) stored[name] = kept.join(', ');
      } else stored[name] = text;
    } else if (name.startsWith('x-amz-meta-')) user[name.slice('x-amz-meta-'.length)] = text;
  }
  const contentType = headers['content-type'];
  return {
    ...(typeof contentType === 'string' ? { contentType } : {}),
    headers: stored,
    user,
    ...(typeof headers['x-amz-storage-class'] === 'string'
      ? { storageClass: headers['x-amz-storage-class'] }
      : {}),
  };
}

/** `k1=v1&k2=v2` (x-amz-tagging) into tags. */
export function parseTagging(value: string | undefined): Record<string, string> {
  const tags = clientKeyed<string>();
  if (!value) return tags;
  for (const [k, v] of new URLSearchParams(value)) tags[k] = v;
  checkTags(tags);
  return tags;
}

/** S3's limits: 10 tags per object, keys up to 128 characters, values up to 256. */
export function checkTags(tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  if (entries.length > 10) throw new S3Error('InvalidTag', 'Object tags cannot be greater than 10');
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > 128)
      throw new S3Error('InvalidTag', 'The TagKey you have provided is invalid');
    if (value.length > 256) throw new S3Error('InvalidTag', 'The TagValue you have provided is invalid');
  }
}

/** The checksum algorithm a request asks for (header or trailer), if any. */
function requestedChecksum(ctx: RequestContext): ChecksumAlgorithm | undefined {
  const named = (
    header(ctx, 'x-amz-sdk-checksum-algorithm') ?? header(ctx, 'x-amz-checksum-algorithm')
  )?.toLowerCase();
  if (named && CHECKSUMS.includes(named as ChecksumAlgorithm)) return named as ChecksumAlgorithm;
  const trailer = header(ctx, 'x-amz-trailer')?.toLowerCase();
  for (const algorithm of CHECKSUMS) {
    if (header(ctx, `x-amz-checksum-${algorithm}`) !== undefined || trailer === `x-amz-checksum-${algorithm}`)
      return algorithm;
  }
  return undefined;
}

/**
 * Streams the request body into a blob and checks it against Content-Length, Content-MD5 and any
 * x-amz-checksum-* the client sent. The caller unpins the blob.
 */
export async function receiveBody(
  ctx: RequestContext,
  uploadAlgorithm?: ChecksumAlgorithm,
): Promise<{ written: WrittenBlob; checksum?: { algorithm: string; value: string } }> {
  const md5Header = header(ctx, 'content-md5');
  if (md5Header !== undefined && Buffer.from(md5Header, 'base64').length !== 16)
    throw new S3Error('InvalidDigest');
  const algorithm = requestedChecksum(ctx) ?? uploadAlgorithm;
  const { stream, trailers } = bodyOf(ctx.req);
  const written = await ctx.store.blobs.write(stream, algorithm ? [algorithm] : []);
  try {
    const expected = declaredLength(ctx.req.headers);
    if (expected !== undefined && expected !== written.size) throw new S3Error('IncompleteBody');
    if (md5Header !== undefined && Buffer.from(md5Header, 'base64').compare(written.md5) !== 0)
      throw new S3Error('BadDigest');
    if (algorithm) {
      const value = written.checksums[algorithm] ?? '';
      const sent = header(ctx, `x-amz-checksum-${algorithm}`) ?? trailers[`x-amz-checksum-${algorithm}`];
      if (sent !== undefined && sent !== value) {
        throw new S3Error(
          'BadDigest',
          `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        );
      }
      return { written, checksum: { algorithm, value } };
    }
    return { written };
  } catch (err) {
    ctx.store.blobs.unpin(written.blob);
    throw err;
  }
}

/** If-Match / If-None-Match on a write, checked against the current object inside the commit. */
export function writePrecondition(ctx: RequestContext): (current: VersionRow | undefined) => void {
  const ifMatch = header(ctx, 'if-match');
  const ifNoneMatch = header(ctx, 'if-none-match');
  return (current) => {
    if (ifNoneMatch !== undefined && current && etagMatches(ifNoneMatch, current.etag)) {
      throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-None-Match' });
    }
    if (ifMatch !== undefined) {
      if (!current) throw new S3Error('NoSuchKey', undefined, { Key: ctx.key });
      if (!etagMatches(ifMatch, current.etag))
        throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
    }
  };
}

/** A write's x-amz-version-id: none for a `null` version (S3 sends none then). */
export function writtenVersionHeader(ctx: RequestContext, versionId: string): Record<string, string> {
  return versionId === 'null' ? {} : versionHeader(ctx, versionId);
}

function versionHeader(ctx: RequestContext, versionId: string | undefined): Record<string, string> {
  if (versionId === undefined) return {};
  const state = ctx.store.bucket(ctx.bucket).versioning;
  return state === 'Unversioned' ? {} : { 'x-amz-version-id': versionId };
}

function checksumHeaders(metadata: ObjectMetadata): Record<string, string> {
  return metadata.checksum
    ? { [`x-amz-checksum-${metadata.checksum.algorithm}`]: metadata.checksum.value }
    : {};
}

export async function putObject(ctx: RequestContext): Promise<void> {
  checkKey(ctx.key);
  ctx.store.bucket(ctx.bucket);
  const { written, checksum } = await receiveBody(ctx);
  try {
    const metadata = metadataFrom(ctx.req.headers);
    if (checksum) metadata.checksum = checksum;
    const etag = `"${written.md5.toString('hex')}"`;
    const version: NewVersion = {
      size: written.size,
      etag,
      blob: written.blob,
      metadata,
      tags: parseTagging(header(ctx, 'x-amz-tagging')),
    };
    const result = ctx.store.putVersion(
      ctx.bucket,
      ctx.key,
      version,
      'ObjectCreated:Put',
      writePrecondition(ctx),
    );
    keepNewObjectAcl(ctx, ctx.key, result.versionId);
    ctx.emit(result.change);
    sendEmpty(ctx, 200, {
      etag,
      ...writtenVersionHeader(ctx, result.versionId),
      ...checksumHeaders(metadata),
    });
  } finally {
    ctx.store.blobs.unpin(written.blob);
  }
}

/** The version a GET/HEAD/copy names, with S3's answers for missing ones and delete markers. */
export function resolveVersion(
  ctx: RequestContext,
  bucket: string,
  key: string,
  versionId: string | null,
): VersionRow {
  const state = ctx.store.bucket(bucket).versioning;
  if (versionId !== null && versionId !== 'null' && state === 'Unversioned') {
    throw new S3Error('InvalidArgument', 'Invalid version id specified', {
      ArgumentName: 'versionId',
      ArgumentValue: versionId,
    });
  }
  const row = ctx.store.findVersion(bucket, key, versionId ?? undefined);
  if (!row) {
    if (versionId !== null) throw new S3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId });
    throw new S3Error('NoSuchKey', undefined, { Key: key }, { 'x-amz-delete-marker': 'false' });
  }
  if (row.deleteMarker) {
    const headers = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': row.versionId };
    if (versionId !== null)
      throw new S3Error(
        'MethodNotAllowed',
        undefined,
        { Method: ctx.method, ResourceType: 'DeleteMarker' },
        { ...headers, allow: 'DELETE' },
      );
    throw new S3Error('NoSuchKey', undefined, { Key: key }, headers);
  }
  return row;
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

export async function getObject(ctx: RequestContext): Promise<void> {
  checkKey(ctx.key);
  const row = resolveVersion(ctx, ctx.bucket, ctx.key, ctx.query.get('versionId'));
  const outcome = readPrecondition(
    {
      ifMatch: header(ctx, 'if-match'),
      ifNoneMatch: header(ctx, 'if-none-match'),
      ifModifiedSince: header(ctx, 'if-modified-since'),
      ifUnmodifiedSince: header(ctx, 'if-unmodified-since'),
    },
    row.etag,
    row.lastModified,
  );
  const headers: Record<string, string> = {
    etag: row.etag,
    'last-modified': httpTime(row.lastModified),
    'accept-ranges': 'bytes',
    'content-type': row.metadata.contentType ?? 'binary/octet-stream',
    ...row.metadata.headers,
    ...versionHeader(ctx, row.versionId),
  };
  for (const [name, value] of Object.entries(row.metadata.user)) headers[`x-amz-meta-${name}`] = value;
  if (Object.keys(row.tags).length > 0) headers['x-amz-tagging-count'] = String(Object.keys(row.tags).length);
  if (row.parts !== null) headers['x-amz-mp-parts-count'] = String(row.parts);
  if (row.metadata.storageClass && row.metadata.storageClass !== 'STANDARD')
    headers['x-amz-storage-class'] = row.metadata.storageClass;
  if (header(ctx, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED')
    Object.assign(headers, checksumHeaders(row.metadata));
  if (outcome === 412) throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
  if (outcome === 304) {
    ctx.res.writeHead(304, { etag: row.etag, 'last-modified': headers['last-modified'] ?? '' });
    ctx.res.end();
    return;
  }
  for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = ctx.query.get(param);
    if (value !== null) headers[name] = value;
  }
  const partNumber = ctx.query.get('partNumber');
  let range = parseRange(header(ctx, 'range'), row.size);
  if (partNumber !== null) {
    const n = Number(partNumber);
    const sizes = row.metadata.partSizes ?? [row.size];
    if (!Number.isInteger(n) || n < 1 || n > sizes.length)
      throw new S3Error('InvalidPart', 'The requested partnumber is not satisfiable');
    headers['x-amz-mp-parts-count'] = String(sizes.length);
    const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
    if (row.parts !== null) range = { start, end: start + (sizes[n - 1] ?? 0) - 1 };
  }
  if (range === 'unsatisfiable') {
    throw new S3Error(
      'InvalidRange',
      undefined,
      { RangeRequested: header(ctx, 'range') ?? '', ActualObjectSize: String(row.size) },
      {
        'content-range': `bytes */${row.size}`,
      },
    );
  }
  const status = range ? 206 : 200;
  // a part of the object does not carry the whole object's checksum (S3 leaves it out too)
  if (range)
    for (const name of Object.keys(headers)) if (name.startsWith('x-amz-checksum-')) delete headers[name];
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${row.size}`;
  const length = range ? range.end - range.start + 1 : row.size;
  ctx.res.writeHead(status, { ...headers, 'content-length': length });
  if (ctx.method === 'HEAD' || length === 0 || row.blob === null) {
    ctx.res.end();
    return;
  }
  ctx.store.blobs.pin(row.blob);
  try {
    await pipeline(
      createReadStream(ctx.store.blobs.path(row.blob), range ? { start: range.start, end: range.end } : {}),
      ctx.res,
    );
  } finally {
    ctx.store.blobs.unpin(row.blob);
  }
}

export function deleteObject(ctx: RequestContext): void {
  checkKey(ctx.key);
  const versionId = ctx.query.get('versionId') ?? undefined;
  const state = ctx.store.bucket(ctx.bucket).versioning;
  if (versionId !== undefined && versionId !== 'null' && state === 'Unversioned') {
    throw new S3Error('InvalidArgument', 'Invalid version id specified', {
      ArgumentName: 'versionId',
      ArgumentValue: versionId,
    });
  }
  const ifMatch = header(ctx, 'if-match');
  const result = ctx.store.deleteObject(ctx.bucket, ctx.key, versionId, 'ObjectRemoved', (current) => {
    if (ifMatch !== undefined) {
      if (!current) throw new S3Error('NoSuchKey', undefined, { Key: ctx.key });
      if (!etagMatches(ifMatch, current.etag))
        throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
    }
  });
  ctx.emit({ ...result.change, operation: 'DeleteObject' });
  const headers: Record<string, string> = {};
  if (result.versionId !== undefined) headers['x-amz-version-id'] = result.versionId;
  if (result.deleteMarker) headers['x-amz-delete-marker'] = 'true';
  sendEmpty(ctx, 204, headers);
}

export async function deleteObjects(ctx: RequestContext): Promise<void> {
  ctx.store.bucket(ctx.bucket);
  const body = await readAll(ctx.req);
  const md5 = header(ctx, 'content-md5');
  if (md5 !== undefined && createHash('md5').update(body).digest('base64') !== md5)
    throw new S3Error('BadDigest');
  const root = parseXml(body.toString('utf8'));
  if (root?.name !== 'Delete') throw new S3Error('MalformedXML');
  const objects = children(root, 'Object');
  if (objects.length === 0 || objects.length > 1000) throw new S3Error('MalformedXML');
  const quiet = childText(root, 'Quiet')?.toLowerCase() === 'true';
  const deleted: Record<string, string | undefined>[] = [];
  const errors: Record<string, string | undefined>[] = [];
  for (const object of objects) {
    const key = child(object, 'Key')?.text;
    if (key === undefined) throw new S3Error('MalformedXML');
    const versionId = childText(object, 'VersionId') || undefined;
    try {
      checkKey(key);
      const state = ctx.store.bucket(ctx.bucket).versioning;
      if (versionId !== undefined && versionId !== 'null' && state === 'Unversioned') {
        throw new S3Error('NoSuchVersion', 'The specified version does not exist.');
      }
      const result = ctx.store.deleteObject(ctx.bucket, key, versionId, 'ObjectRemoved');
      ctx.emit({ ...result.change, operation: 'DeleteObjects' });
      if (!quiet) {
        deleted.push({
          Key: key,
          VersionId: versionId,
          ...(result.deleteMarker ? { DeleteMarker: 'true' } : {}),
          ...(result.deleteMarker && versionId === undefined
            ? { DeleteMarkerVersionId: result.versionId }
            : {}),
          ...(result.deleteMarker && versionId !== undefined ? { DeleteMarkerVersionId: versionId } : {}),
        });
      }
    } catch (err) {
      if (!(err instanceof S3Error)) throw err;
      errors.push({ Key: key, VersionId: versionId, Code: err.code, Message: err.message });
    }
  }
  sendXml(ctx, 200, 'DeleteResult', { Deleted: deleted, Error: errors });
}

/** x-amz-copy-source: `[/]bucket/key[?versionId=...]`, URL-encoded. */
export function parseCopySource(value: string): { bucket: string; key: string; versionId: string | null } {
  const [path = '', query = ''] = value.split('?');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new S3Error('InvalidArgument', 'Invalid copy source encoding', {
      ArgumentName: 'x-amz-copy-source',
    });
  }
  const trimmed = decoded.startsWith('/') ? decoded.slice(1) : decoded;
  const slash = trimmed.indexOf('/');
  if (slash <= 0 || slash === trimmed.length - 1) {
    throw new S3Error(
      'InvalidArgument',
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      {
        ArgumentName: 'x-amz-copy-source',
      },
    );
  }
  const versionId = new URLSearchParams(query).get('versionId');
  return { bucket: trimmed.slice(0, slash), key: trimmed.slice(slash + 1), versionId };
}

/** x-amz-copy-source-if-* against the source (412 when one fails). */
export function checkCopySourceConditions(ctx: RequestContext, source: VersionRow): void {
  const outcome = readPrecondition(
    {
      ifMatch: header(ctx, 'x-amz-copy-source-if-match'),
      ifNoneMatch: header(ctx, 'x-amz-copy-source-if-none-match'),
      ifModifiedSince: header(ctx, 'x-amz-copy-source-if-modified-since'),
      ifUnmodifiedSince: header(ctx, 'x-amz-copy-source-if-unmodified-since'),
    },
    source.etag,
    source.lastModified,
  );
  if (outcome !== 200) throw new S3Error('PreconditionFailed');
}

export function copyObject(ctx: RequestContext): void {
  checkKey(ctx.key);
  ctx.store.bucket(ctx.bucket);
  const from = parseCopySource(header(ctx, 'x-amz-copy-source') ?? '');
  const source = resolveVersion(ctx, from.bucket, from.key, from.versionId);
  checkCopySourceConditions(ctx, source);
  const replace = header(ctx, 'x-amz-metadata-directive')?.toUpperCase() === 'REPLACE';
  const replaceTags = header(ctx, 'x-amz-tagging-directive')?.toUpperCase() === 'REPLACE';
  const sameObject = from.bucket === ctx.bucket && from.key === ctx.key;
  if (
    sameObject &&
    !replace &&
    from.versionId === null &&
    header(ctx, 'x-amz-storage-class') === undefined &&
    header(ctx, 'x-amz-server-side-encryption') === undefined
  ) {
    throw new S3Error(
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const metadata = replace ? metadataFrom(ctx.req.headers) : { ...source.metadata };
  if (!replace && source.metadata.checksum) metadata.checksum = source.metadata.checksum;
  const version: NewVersion = {
    size: source.size,
    etag: source.parts !== null ? source.etag : source.etag,
    blob: source.blob ?? '',
    metadata,
    tags: replaceTags ? parseTagging(header(ctx, 'x-amz-tagging')) : source.tags,
    ...(source.parts !== null ? { parts: source.parts } : {}),
  };
  if (source.blob) ctx.store.blobs.pin(source.blob);
  try {
    const result = ctx.store.putVersion(
      ctx.bucket,
      ctx.key,
      version,
      'ObjectCreated:Copy',
      writePrecondition(ctx),
    );
    ctx.emit(result.change);
    const sourceState = ctx.store.bucket(from.bucket).versioning;
    sendXml(
      ctx,
      200,
      'CopyObjectResult',
      { LastModified: isoTime(result.row.lastModified), ETag: version.etag },
      {
        ...writtenVersionHeader(ctx, result.versionId),
        ...(sourceState !== 'Unversioned' ? { 'x-amz-copy-source-version-id': source.versionId } : {}),
      },
    );
  } finally {
    if (source.blob) ctx.store.blobs.unpin(source.blob);
  }
}

/** A browser-form upload: POST multipart/form-data to the bucket (policy and signature not checked). */
export async function postObject(ctx: RequestContext): Promise<void> {
  ctx.store.bucket(ctx.bucket);
  const parts = parseFormData(await readAll(ctx.req), header(ctx, 'content-type') ?? '');
  if (!parts)
    throw new S3Error(
      'MalformedPOSTRequest',
      'The body of your POST request is not well-formed multipart/form-data.',
    );
  const fields = new Map<string, string>();
  let file: { data: Buffer; filename?: string; contentType?: string } | undefined;
  for (const part of parts) {
    if (part.name.toLowerCase() === 'file') {
      file = part;
      break; // S3 ignores fields after the file
    }
    fields.set(part.name.toLowerCase(), part.data.toString('utf8'));
  }
  const rawKey = fields.get('key');
  if (rawKey === undefined || !file) {
    throw new S3Error(
      'InvalidArgument',
      `Bucket POST must contain a field named '${rawKey === undefined ? 'key' : 'file'}'.`,
    );
  }
  const key = rawKey.replace(/\$\{filename\}/g, file.filename ?? '');
  checkKey(key);
  const headers: Record<string, string> = {};
  for (const [name, value] of fields)
    if (
      name.startsWith('x-amz-meta-') ||
      name === 'content-type' ||
      name === 'cache-control' ||
      name === 'content-disposition' ||
      name === 'content-encoding' ||
      name === 'expires'
    )
      headers[name] = value;
  const written = await ctx.store.blobs.write([file.data]);
  try {
    const etag = `"${written.md5.toString('hex')}"`;
    const result = ctx.store.putVersion(
      ctx.bucket,
      key,
      {
        size: written.size,
        etag,
        blob: written.blob,
        metadata: metadataFrom(headers),
        tags: {},
      },
      'ObjectCreated:Post',
    );
    ctx.emit(result.change);
    const status = Number(fields.get('success_action_status') ?? 204);
    const location = `http://${header(ctx, 'host') ?? '127.0.0.1'}/${ctx.bucket}/${encodeURIComponent(key)}`;
    const extra = { etag, location, ...writtenVersionHeader(ctx, result.versionId) };
    const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
    if (redirect) {
      const target = new URL(redirect);
      target.searchParams.set('bucket', ctx.bucket);
      target.searchParams.set('key', key);
      target.searchParams.set('etag', etag);
      sendEmpty(ctx, 303, { ...extra, location: target.toString() });
    } else if (status === 201) {
      sendXml(
        ctx,
        201,
        'PostResponse',
        { Location: location, Bucket: ctx.bucket, Key: key, ETag: etag },
        extra,
      );
    } else sendEmpty(ctx, status === 200 ? 200 : 204, extra);
  } finally {
    ctx.store.blobs.unpin(written.blob);
  }
}

export function getObjectTagging(ctx: RequestContext): void {
  const row = resolveVersion(ctx, ctx.bucket, ctx.key, ctx.query.get('versionId'));
  sendXml(
    ctx,
    200,
    'Tagging',
    {
      TagSet: {
        Tag: Object.entries(row.tags)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([Key, Value]) => ({ Key, Value })),
      },
    },
    versionHeader(ctx, row.versionId),
  );
}

export async function putObjectTagging(ctx: RequestContext, remove = false): Promise<void> {
  let tags: Record<string, string> = {};
  if (!remove) {
    const root = parseXml((await readAll(ctx.req)).toString('utf8'));
    if (root?.name !== 'Tagging') throw new S3Error('MalformedXML');
    for (const tag of children(child(root, 'TagSet'), 'Tag'))
      tags[childText(tag, 'Key', false) ?? ''] = childText(tag, 'Value', false) ?? '';
    checkTags(tags);
  } else tags = {};
  const row = ctx.store.setTags(ctx.bucket, ctx.key, ctx.query.get('versionId') ?? undefined, tags);
  sendEmpty(ctx, remove ? 204 : 200, versionHeader(ctx, row.versionId));
}

export type { S3EventName };
export { sendError };

/** GetObjectAttributes (GET ?attributes): the attributes named in x-amz-object-attributes. */
export function getObjectAttributes(ctx: RequestContext): void {
  const row = resolveVersion(ctx, ctx.bucket, ctx.key, ctx.query.get('versionId'));
  const wanted = new Set((header(ctx, 'x-amz-object-attributes') ?? '').split(',').map((a) => a.trim()));
  const checksum = row.metadata.checksum;
  const sizes = row.metadata.partSizes;
  sendXml(
    ctx,
    200,
    'GetObjectAttributesResponse',
    {
      ETag: wanted.has('ETag') ? row.etag.replace(/"/g, '') : undefined,
      Checksum:
        wanted.has('Checksum') && checksum
          ? { [`Checksum${checksum.algorithm.toUpperCase()}`]: checksum.value }
          : undefined,
      ObjectParts:
        wanted.has('ObjectParts') && row.parts !== null && sizes ? objectParts(ctx, sizes) : undefined,
      StorageClass: wanted.has('StorageClass') ? (row.metadata.storageClass ?? 'STANDARD') : undefined,
      ObjectSize: wanted.has('ObjectSize') ? row.size : undefined,
    },
    { 'last-modified': httpTime(row.lastModified), ...versionHeader(ctx, row.versionId) },
  );
}

function objectParts(ctx: RequestContext, sizes: readonly number[]) {
  const maxParts = Math.min(Number(header(ctx, 'x-amz-max-parts') ?? 1000) || 1000, 1000);
  const marker = Number(header(ctx, 'x-amz-part-number-marker') ?? 0) || 0;
  const rest = sizes.map((Size, i) => ({ PartNumber: i + 1, Size })).filter((p) => p.PartNumber > marker);
  const page = rest.slice(0, maxParts);
  return {
    TotalPartsCount: sizes.length,
    PartsCount: sizes.length,
    PartNumberMarker: marker,
    NextPartNumberMarker: page.at(-1)?.PartNumber ?? marker,
    MaxParts: maxParts,
    IsTruncated: rest.length > page.length,
    Part: page,
  };
}
