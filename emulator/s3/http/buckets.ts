/** Bucket requests: create, delete, head, list (v1, v2, versions), versioning, lifecycle, other configs. */
import { S3Error } from '../errors.ts';
import { type LifecycleRule, lifecycleXml, parseLifecycleXml } from '../lifecycle.ts';
import { listPage, urlEncodeKey } from '../listing.ts';
import type { VersionRow } from '../store.ts';
import { childText, parseXml } from '../xml.ts';
import { cannedAclOf, sendAcl } from './acl.ts';
import { readAll } from './body.ts';
import { header, intParam, isoTime, OWNER, type RequestContext, sendEmpty, sendXml } from './context.ts';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function listBuckets(ctx: RequestContext): void {
  sendXml(ctx, 200, 'ListAllMyBucketsResult', {
    Owner: OWNER,
    Buckets: {
      Bucket: ctx.store.listBuckets().map((b) => ({ Name: b.name, CreationDate: isoTime(b.created) })),
    },
  });
}

export async function createBucket(ctx: RequestContext): Promise<void> {
  if (!BUCKET_NAME.test(ctx.bucket) || ctx.bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(ctx.bucket)) {
    throw new S3Error('InvalidBucketName', undefined, { BucketName: ctx.bucket });
  }
  const body = (await readAll(ctx.req)).toString('utf8');
  if (body.trim() && !parseXml(body)) throw new S3Error('MalformedXML');
  // us-east-1 answers 200 to a bucket you already own; other regions BucketAlreadyOwnedByYou
  if (ctx.region === 'us-east-1' && ctx.store.findBucket(ctx.bucket))
    return sendEmpty(ctx, 200, { location: `/${ctx.bucket}` });
  const acl = cannedAclOf(ctx);
  ctx.store.createBucket(ctx.bucket);
  if (acl) ctx.store.setConfig(ctx.bucket, 'acl', acl);
  sendEmpty(ctx, 200, { location: `/${ctx.bucket}` });
}

export function deleteBucket(ctx: RequestContext): void {
  ctx.store.deleteBucket(ctx.bucket);
  sendEmpty(ctx, 204);
}

export function headBucket(ctx: RequestContext): void {
  ctx.store.bucket(ctx.bucket);
  sendEmpty(ctx, 200, { 'x-amz-bucket-region': ctx.region });
}

function encoder(ctx: RequestContext): (text: string | undefined) => string | undefined {
  const encodingType = ctx.query.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', {
      ArgumentName: 'encoding-type',
    });
  }
  return (text) => (text === undefined || encodingType !== 'url' ? text : urlEncodeKey(text));
}

function objectEntry(row: VersionRow, encode: (t: string) => string | undefined, fetchOwner: boolean) {
  return {
    Key: encode(row.key),
    LastModified: isoTime(row.lastModified),
    ETag: row.etag,
    Size: row.size,
    StorageClass: row.metadata.storageClass ?? 'STANDARD',
    ...(fetchOwner ? { Owner: OWNER } : {}),
  };
}

export function listObjects(ctx: RequestContext, v2: boolean): void {
  ctx.store.bucket(ctx.bucket);
  const encode = encoder(ctx);
  const prefix = ctx.query.get('prefix') ?? '';
  const delimiter = ctx.query.get('delimiter') ?? '';
  const maxKeys = intParam(ctx, 'max-keys', 1000, 0, 1000);
  let marker: string;
  let token: string | null = null;
  if (v2) {
    token = ctx.query.get('continuation-token');
    if (token) {
      const decoded = Buffer.from(token, 'base64url').toString('utf8');
      if (!decoded.startsWith('k:'))
        throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', {
          ArgumentName: 'continuation-token',
        });
      marker = decoded.slice(2);
    } else marker = ctx.query.get('start-after') ?? '';
  } else marker = ctx.query.get('marker') ?? '';
  const page = listPage(ctx.store.currentObjects(ctx.bucket, prefix, marker), (row) => row.key, {
    prefix,
    delimiter,
    maxKeys,
    marker,
  });
  const lastKey = page.last && ('prefix' in page.last ? page.last.prefix : page.last.entry.key);
  const fetchOwner = !v2 || ctx.query.get('fetch-owner') === 'true';
  const contents = page.entries.map((row) => objectEntry(row, (t) => encode(t), fetchOwner));
  const prefixes = page.commonPrefixes.map((p) => ({ Prefix: encode(p) }));
  const encodingType = ctx.query.get('encoding-type') ?? undefined;
  if (v2) {
    sendXml(ctx, 200, 'ListBucketResult', {
      Name: ctx.bucket,
      Prefix: encode(prefix),
      ...(ctx.query.get('start-after') !== null
        ? { StartAfter: encode(ctx.query.get('start-after') ?? '') }
        : {}),
      ...(token !== null ? { ContinuationToken: token } : {}),
      ...(page.isTruncated && lastKey !== undefined
        ? { NextContinuationToken: Buffer.from(`k:${lastKey}`).toString('base64url') }
        : {}),
      KeyCount: contents.length + prefixes.length,
      MaxKeys: maxKeys,
      Delimiter: delimiter ? encode(delimiter) : undefined,
      EncodingType: encodingType,
      IsTruncated: page.isTruncated,
      Contents: contents,
      CommonPrefixes: prefixes,
    });
    return;
  }
  sendXml(ctx, 200, 'ListBucketResult', {
    Name: ctx.bucket,
    Prefix: prefix, // v1 never encodes its Prefix (SDKs do not decode it)
    Marker: encode(marker),
    ...(page.isTruncated && delimiter && lastKey !== undefined ? { NextMarker: encode(lastKey) } : {}),
    MaxKeys: maxKeys,
    Delimiter: delimiter ? encode(delimiter) : undefined,
    EncodingType: encodingType,
    IsTruncated: page.isTruncated,
    Contents: contents,
    CommonPrefixes: prefixes,
  });
}

export function listObjectVersions(ctx: RequestContext): void {
  ctx.store.bucket(ctx.bucket);
  const encode = encoder(ctx);
  const prefix = ctx.query.get('prefix') ?? '';
  const delimiter = ctx.query.get('delimiter') ?? '';
  const maxKeys = intParam(ctx, 'max-keys', 1000, 0, 1000);
  const keyMarker = ctx.query.get('key-marker') ?? '';
  const versionIdMarker = ctx.query.get('version-id-marker') ?? '';
  if (versionIdMarker && !keyMarker) {
    throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', {
      ArgumentName: 'version-id-marker',
    });
  }
  const page = listPage(
    ctx.store.allVersions(ctx.bucket, prefix, keyMarker, versionIdMarker),
    (row) => row.key,
    {
      prefix,
      delimiter,
      maxKeys,
      marker: versionIdMarker ? '' : keyMarker,
    },
  );
  const versions: Record<string, unknown>[] = [];
  const markers: Record<string, unknown>[] = [];
  // S3 interleaves Version and DeleteMarker elements in listing order; SDKs read them by name
  for (const row of page.entries) {
    const base = {
      Key: encode(row.key),
      VersionId: row.versionId,
      IsLatest: row.isLatest,
      LastModified: isoTime(row.lastModified),
    };
    if (row.deleteMarker) markers.push({ ...base, Owner: OWNER });
    else
      versions.push({
        ...base,
        ETag: row.etag,
        Size: row.size,
        StorageClass: row.metadata.storageClass ?? 'STANDARD',
        Owner: OWNER,
      });
  }
  const next =
    page.isTruncated && page.last
      ? 'prefix' in page.last
        ? { NextKeyMarker: encode(page.last.prefix) }
        : { NextKeyMarker: encode(page.last.entry.key), NextVersionIdMarker: page.last.entry.versionId }
      : {};
  sendXml(ctx, 200, 'ListVersionsResult', {
    Name: ctx.bucket,
    Prefix: encode(prefix),
    KeyMarker: encode(keyMarker),
    VersionIdMarker: versionIdMarker,
    ...next,
    MaxKeys: maxKeys,
    Delimiter: delimiter ? encode(delimiter) : undefined,
    EncodingType: ctx.query.get('encoding-type') ?? undefined,
    IsTruncated: page.isTruncated,
    Version: versions as never,
    DeleteMarker: markers as never,
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
  });
}

export function getVersioning(ctx: RequestContext): void {
  const state = ctx.store.bucket(ctx.bucket).versioning;
  sendXml(ctx, 200, 'VersioningConfiguration', state === 'Unversioned' ? {} : { Status: state });
}

export async function putVersioning(ctx: RequestContext): Promise<void> {
  ctx.store.bucket(ctx.bucket);
  const root = parseXml((await readAll(ctx.req)).toString('utf8'));
  if (root?.name !== 'VersioningConfiguration') throw new S3Error('MalformedXML');
  const status = childText(root, 'Status');
  if (status === undefined) {
    sendEmpty(ctx, 200);
    return;
  }
  if (status !== 'Enabled' && status !== 'Suspended') throw new S3Error('MalformedXML');
  // Suspending a bucket that was never versioned leaves it as it was (S3 reports Suspended then too)
  ctx.store.setVersioning(ctx.bucket, status);
  sendEmpty(ctx, 200);
}

export function getLifecycle(ctx: RequestContext): void {
  const stored = ctx.store.bucket(ctx.bucket).lifecycle;
  if (!stored) throw new S3Error('NoSuchLifecycleConfiguration', undefined, { BucketName: ctx.bucket });
  sendXml(ctx, 200, 'LifecycleConfiguration', lifecycleXml(JSON.parse(stored) as LifecycleRule[]));
}

export async function putLifecycle(ctx: RequestContext, onChange: () => void): Promise<void> {
  ctx.store.bucket(ctx.bucket);
  const rules = parseLifecycleXml(parseXml((await readAll(ctx.req)).toString('utf8')));
  ctx.store.setLifecycle(ctx.bucket, JSON.stringify(rules));
  sendEmpty(ctx, 200);
  onChange();
}

export function deleteLifecycle(ctx: RequestContext): void {
  ctx.store.setLifecycle(ctx.bucket, null);
  sendEmpty(ctx, 204);
}

const CONFIG_ERRORS: Record<string, string> = {
  policy: 'NoSuchBucketPolicy',
  cors: 'NoSuchCORSConfiguration',
  tagging: 'NoSuchTagSet',
  website: 'NoSuchWebsiteConfiguration',
  encryption: 'ServerSideEncryptionConfigurationNotFoundError',
  publicAccessBlock: 'NoSuchPublicAccessBlockConfiguration',
  ownershipControls: 'OwnershipControlsNotFoundError',
  replication: 'ReplicationConfigurationNotFoundError',
  'object-lock': 'ObjectLockConfigurationNotFoundError',
};

/** Configurations kept as sent and given back, never enforced (policy, CORS, tags, ACLs, ...). */
export async function bucketConfig(ctx: RequestContext, name: string): Promise<void> {
  const bucket = ctx.store.bucket(ctx.bucket);
  if (ctx.method === 'PUT') {
    const body = (await readAll(ctx.req)).toString('utf8');
    ctx.store.setConfig(ctx.bucket, name, (name === 'acl' ? cannedAclOf(ctx) : undefined) ?? body);
    sendEmpty(ctx, 200);
  } else if (ctx.method === 'DELETE') {
    ctx.store.setConfig(ctx.bucket, name, undefined);
    sendEmpty(ctx, 204);
  } else {
    const body = bucket.configs[name];
    if (name === 'acl') return sendAcl(ctx, body);
    if (body === undefined || body === '') {
      if (name === 'notification') return sendXml(ctx, 200, 'NotificationConfiguration', {});
      throw new S3Error(CONFIG_ERRORS[name] ?? 'NotImplemented', `The ${name} configuration does not exist`, {
        BucketName: ctx.bucket,
      });
    }
    const text = body.trim().startsWith('<?xml')
      ? body
      : body.trim().startsWith('{')
        ? body
        : `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
    ctx.res.writeHead(200, {
      'content-type': name === 'policy' ? 'application/json' : 'application/xml',
      'content-length': Buffer.byteLength(text),
    });
    ctx.res.end(text);
  }
}

export function location(ctx: RequestContext): void {
  ctx.store.bucket(ctx.bucket);
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${ctx.region === 'us-east-1' ? '' : ctx.region}</LocationConstraint>`;
  ctx.res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text) });
  ctx.res.end(text);
}

export { header };
