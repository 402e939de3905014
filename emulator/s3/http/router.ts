/** Path-style S3 routing: which API a request calls, from its method, path and query. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { S3Error } from '../errors.ts';
import { knownCredentials, verifyPresignedV4 } from '../presign.ts';
import * as acl from './acl.ts';
import { readAll } from './body.ts';
import * as buckets from './buckets.ts';
import { type RequestContext, sendError } from './context.ts';
import { preflight } from './cors.ts';
import * as multipart from './multipart.ts';
import * as objects from './objects.ts';

const CREDENTIALS = knownCredentials();

const BUCKET_CONFIGS = [
  'policy',
  'cors',
  'tagging',
  'website',
  'encryption',
  'publicAccessBlock',
  'ownershipControls',
  'acl',
  'notification',
  'replication',
  'logging',
  'accelerate',
  'requestPayment',
  'object-lock',
  'analytics',
  'metrics',
  'inventory',
  'intelligent-tiering',
];

/** Bucket and key of a path-style URL (the key percent-decoded, '+' kept as it is). */
export function parsePath(rawUrl: string): { bucket: string; key: string; query: URLSearchParams } {
  const at = rawUrl.indexOf('?');
  const path = at < 0 ? rawUrl : rawUrl.slice(0, at);
  const query = new URLSearchParams(at < 0 ? '' : rawUrl.slice(at + 1));
  const rest = path.startsWith('/') ? path.slice(1) : path;
  const slash = rest.indexOf('/');
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw new S3Error('InvalidURI', "Couldn't parse the specified URI.");
    }
  };
  if (slash < 0) return { bucket: decode(rest), key: '', query };
  return { bucket: decode(rest.slice(0, slash)), key: decode(rest.slice(slash + 1)), query };
}

export interface Hooks {
  lifecycleChanged(): void;
}

/** The embedded S3's one account (any credentials map to it). */
export const ACCOUNT_ID = '123456789000';

/**
 * What S3 checks before any API runs and the embedded S3 can check without verifying signatures:
 * presigned URLs past their expiry (real time, not the emulated clock) or valid for more than a
 * week, and x-amz-expected-bucket-owner naming another account.
 */
export function checkRequest(ctx: RequestContext, realNow: number): void {
  const { query } = ctx;
  const amzDate = query.get('X-Amz-Date');
  const amzExpires = query.get('X-Amz-Expires');
  if (amzDate !== null && amzExpires !== null) {
    const expires = Number(amzExpires);
    if (!Number.isInteger(expires) || expires < 0) {
      throw new S3Error('AccessDenied', 'X-Amz-Expires must be non-negative');
    }
    if (expires > 604_800) {
      throw new S3Error(
        'AccessDenied',
        'X-Amz-Expires must be less than a week (in seconds) that is; the maximum expires is 604800 seconds',
      );
    }
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    const signedAt = m
      ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
      : Number.NaN;
    if (Number.isNaN(signedAt))
      throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Date must be in the ISO8601 Long Format');
    if (realNow >= signedAt + expires * 1000) throw new S3Error('AccessDenied', 'Request has expired');
  }
  const v2Expires = query.get('Expires');
  if (v2Expires !== null && query.get('Signature') !== null && realNow / 1000 > Number(v2Expires)) {
    throw new S3Error('AccessDenied', 'Request has expired');
  }
  const owner = ctx.req.headers['x-amz-expected-bucket-owner'];
  if (typeof owner === 'string' && owner !== ACCOUNT_ID) throw new S3Error('AccessDenied');
}

export async function route(ctx: RequestContext, hooks: Hooks): Promise<void> {
  const { method, bucket, key, query } = ctx;
  checkRequest(ctx, Date.now());
  // a CORS preflight is never authenticated: an OPTIONS of a presigned URL (signed for another
  // method) is answered as a preflight, 400 without Origin (ceph/s3-tests, recorded on AWS)
  if (method === 'OPTIONS') return preflight(ctx);
  // a presigned URL's signature (expiry was checked just above): presign.ts
  verifyPresignedV4(
    { method: ctx.req.method ?? method, rawUrl: ctx.req.url ?? '/', headers: ctx.req.headers },
    query,
    CREDENTIALS,
  );
  if (!bucket) {
    if (method === 'GET') return buckets.listBuckets(ctx);
    throw new S3Error('MethodNotAllowed');
  }
  if (!key) {
    if (query.has('versioning'))
      return method === 'PUT' ? buckets.putVersioning(ctx) : buckets.getVersioning(ctx);
    if (query.has('lifecycle')) {
      if (method === 'PUT') return buckets.putLifecycle(ctx, hooks.lifecycleChanged);
      if (method === 'DELETE') return buckets.deleteLifecycle(ctx);
      return buckets.getLifecycle(ctx);
    }
    if (query.has('location')) return buckets.location(ctx);
    const config = BUCKET_CONFIGS.find((name) => query.has(name));
    if (config) return buckets.bucketConfig(ctx, config);
    switch (method) {
      case 'PUT':
        return buckets.createBucket(ctx);
      case 'DELETE':
        return buckets.deleteBucket(ctx);
      case 'HEAD':
        return buckets.headBucket(ctx);
      case 'POST':
        return query.has('delete') ? objects.deleteObjects(ctx) : objects.postObject(ctx);
      case 'GET':
        if (query.has('versions')) return buckets.listObjectVersions(ctx);
        if (query.has('uploads')) return multipart.listUploads(ctx);
        return buckets.listObjects(ctx, query.get('list-type') === '2');
    }
    throw new S3Error('MethodNotAllowed');
  }
  switch (method) {
    case 'PUT':
      if (query.has('uploadId')) {
        return ctx.req.headers['x-amz-copy-source'] !== undefined
          ? multipart.uploadPartCopy(ctx)
          : multipart.uploadPart(ctx);
      }
      if (query.has('tagging')) return objects.putObjectTagging(ctx);
      if (query.has('acl')) {
        const row = objects.resolveVersion(ctx, bucket, key, query.get('versionId'));
        acl.putObjectAcl(ctx, key, row.versionId, (await readAll(ctx.req)).toString('utf8'));
        ctx.res.writeHead(200, { 'content-length': 0 });
        ctx.res.end();
        return;
      }
      if (query.has('retention') || query.has('legal-hold')) {
        ctx.store.bucket(bucket);
        objects.resolveVersion(ctx, bucket, key, query.get('versionId'));
        ctx.res.writeHead(200, { 'content-length': 0 });
        ctx.res.end();
        return;
      }
      if (ctx.req.headers['x-amz-copy-source'] !== undefined) return objects.copyObject(ctx);
      return objects.putObject(ctx);
    case 'GET':
    case 'HEAD':
      if (query.has('uploadId')) return multipart.listParts(ctx);
      if (query.has('tagging')) return objects.getObjectTagging(ctx);
      if (query.has('attributes')) return objects.getObjectAttributes(ctx);
      if (query.has('acl')) {
        const row = objects.resolveVersion(ctx, bucket, key, query.get('versionId'));
        return acl.sendAcl(ctx, ctx.store.bucket(bucket).configs[acl.objectAclName(key, row.versionId)]);
      }
      return objects.getObject(ctx);
    case 'DELETE':
      if (query.has('uploadId')) return multipart.abortUpload(ctx);
      if (query.has('tagging')) return objects.putObjectTagging(ctx, true);
      return objects.deleteObject(ctx);
    case 'POST':
      if (query.has('uploads')) return multipart.createUpload(ctx);
      if (query.has('uploadId')) return multipart.completeUpload(ctx);
      break;
  }
  throw new S3Error('MethodNotAllowed');
}

/** Runs a request to its answer; an S3Error becomes S3's XML error, anything else InternalError. */
export async function handle(ctx: RequestContext, hooks: Hooks): Promise<void> {
  try {
    await route(ctx, hooks);
  } catch (err) {
    if (err instanceof S3Error) {
      sendError(ctx, err);
    } else {
      console.error(`embedded S3: ${ctx.method} /${ctx.bucket}/${ctx.key} failed:`, err);
      sendError(ctx, new S3Error('InternalError', 'We encountered an internal error. Please try again.'));
    }
  }
}

export type { IncomingMessage, ServerResponse };
