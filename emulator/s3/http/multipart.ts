/** Multipart upload requests: create, upload part (and part copy), list parts/uploads, complete, abort. */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ChecksumAlgorithm } from '../blobs.ts';
import { S3Error } from '../errors.ts';
import { checkPartList, compositeChecksum, MAX_PART_NUMBER, multipartEtag } from '../multipart.ts';
import { child, children, childText, parseXml } from '../xml.ts';
import { readAll } from './body.ts';
import { header, intParam, isoTime, OWNER, type RequestContext, sendEmpty, sendXml } from './context.ts';
import {
  checkCopySourceConditions,
  checkKey,
  metadataFrom,
  parseCopySource,
  parseTagging,
  receiveBody,
  resolveVersion,
  writePrecondition,
} from './objects.ts';

export function createUpload(ctx: RequestContext): void {
  checkKey(ctx.key);
  ctx.store.bucket(ctx.bucket);
  const uploadId = randomBytes(24).toString('base64url');
  const metadata = metadataFrom(ctx.req.headers);
  const algorithm = header(ctx, 'x-amz-checksum-algorithm')?.toLowerCase();
  if (algorithm !== undefined) {
    if (!['crc32', 'crc32c', 'sha1', 'sha256'].includes(algorithm)) {
      throw new S3Error(
        'InvalidRequest',
        `Checksum algorithm ${algorithm} is not supported by the embedded S3`,
      );
    }
    metadata.checksum = { algorithm, value: '' };
  }
  ctx.store.createUpload({
    uploadId,
    bucket: ctx.bucket,
    key: ctx.key,
    initiated: ctx.now(),
    metadata,
    tags: parseTagging(header(ctx, 'x-amz-tagging')),
  });
  sendXml(
    ctx,
    200,
    'InitiateMultipartUploadResult',
    { Bucket: ctx.bucket, Key: ctx.key, UploadId: uploadId },
    algorithm ? { 'x-amz-checksum-algorithm': algorithm.toUpperCase() } : {},
  );
}

function partNumberOf(ctx: RequestContext): number {
  const partNumber = Number(ctx.query.get('partNumber'));
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new S3Error(
      'InvalidArgument',
      `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`,
      {
        ArgumentName: 'partNumber',
        ArgumentValue: String(ctx.query.get('partNumber')),
      },
    );
  }
  return partNumber;
}

export async function uploadPart(ctx: RequestContext): Promise<void> {
  const partNumber = partNumberOf(ctx);
  const upload = ctx.store.upload(ctx.bucket, ctx.key, ctx.query.get('uploadId') ?? '');
  const algorithm = upload.metadata.checksum?.algorithm as ChecksumAlgorithm | undefined;
  const { written, checksum } = await receiveBody(ctx, algorithm);
  try {
    const etag = `"${written.md5.toString('hex')}"`;
    const partChecksum = checksum?.value ?? (algorithm ? written.checksums[algorithm] : undefined);
    ctx.store.putPart(ctx.query.get('uploadId') ?? '', {
      ...(partChecksum ? { checksum: partChecksum } : {}),
      partNumber,
      etag,
      size: written.size,
      blob: written.blob,
      lastModified: ctx.now(),
    });
    sendEmpty(ctx, 200, {
      etag,
      ...(partChecksum && checksum ? { [`x-amz-checksum-${checksum.algorithm}`]: partChecksum } : {}),
    });
  } finally {
    ctx.store.blobs.unpin(written.blob);
  }
}

export async function uploadPartCopy(ctx: RequestContext): Promise<void> {
  const partNumber = partNumberOf(ctx);
  const uploadId = ctx.query.get('uploadId') ?? '';
  ctx.store.upload(ctx.bucket, ctx.key, uploadId);
  const from = parseCopySource(header(ctx, 'x-amz-copy-source') ?? '');
  const source = resolveVersion(ctx, from.bucket, from.key, from.versionId);
  checkCopySourceConditions(ctx, source);
  let start = 0;
  let end = source.size - 1;
  const range = header(ctx, 'x-amz-copy-source-range');
  if (range !== undefined) {
    const match = /^bytes=(\d+)-(\d+)$/.exec(range);
    if (!match) {
      throw new S3Error(
        'InvalidArgument',
        'The x-amz-copy-source-range value must be of the form bytes=first-last',
        {
          ArgumentName: 'x-amz-copy-source-range',
          ArgumentValue: range,
        },
      );
    }
    if (Number(match[2]) < Number(match[1]) || Number(match[2]) >= source.size) {
      throw new S3Error('InvalidRange', undefined, { ActualObjectSize: String(source.size) });
    }
    start = Number(match[1]);
    end = Number(match[2]);
  }
  const stream =
    source.blob && end >= start ? createReadStream(ctx.store.blobs.path(source.blob), { start, end }) : [];
  const written = await ctx.store.blobs.write(stream as AsyncIterable<Uint8Array>);
  try {
    const etag = `"${written.md5.toString('hex')}"`;
    const now = ctx.now();
    ctx.store.putPart(uploadId, {
      partNumber,
      etag,
      size: written.size,
      blob: written.blob,
      lastModified: now,
    });
    sendXml(ctx, 200, 'CopyPartResult', { LastModified: isoTime(now), ETag: etag });
  } finally {
    ctx.store.blobs.unpin(written.blob);
  }
}

export async function completeUpload(ctx: RequestContext): Promise<void> {
  const uploadId = ctx.query.get('uploadId') ?? '';
  const body = (await readAll(ctx.req)).toString('utf8');
  const root = parseXml(body);
  if (root?.name !== 'CompleteMultipartUpload') throw new S3Error('MalformedXML');
  const requested = children(root, 'Part').map((part) => {
    const partNumber = Number(childText(part, 'PartNumber'));
    const etag = childText(part, 'ETag');
    if (!Number.isInteger(partNumber) || etag === undefined) throw new S3Error('MalformedXML');
    return { partNumber, etag };
  });
  const partsJson = JSON.stringify(requested.map((p) => [p.partNumber, p.etag.replace(/"/g, '')]));
  const upload = ctx.store.findUpload(uploadId);
  if (!upload || upload.bucket !== ctx.bucket || upload.key !== ctx.key) {
    // a retried Complete of an upload that completed: S3 answers it again (no new object, no event)
    const done = ctx.store.findCompletedUpload(uploadId);
    if (done && done.bucket === ctx.bucket && done.key === ctx.key && done.parts === partsJson) {
      const current = ctx.store.findVersion(ctx.bucket, ctx.key);
      if (current && !current.deleteMarker && current.etag === done.etag) {
        return sendResult(ctx, done.etag, done.versionId);
      }
    }
    throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  }
  const used = checkPartList(requested, ctx.store.parts(uploadId));
  const algorithm = upload.metadata.checksum?.algorithm;
  let composite: string | undefined;
  if (algorithm) {
    const sums = used.map((p) => (p as { checksum?: string }).checksum ?? '');
    composite = compositeChecksum(algorithm, sums);
    const sent = header(ctx, `x-amz-checksum-${algorithm}`);
    if (sent !== undefined && sent !== composite) {
      throw new S3Error(
        'BadDigest',
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
      );
    }
  }
  const blobs = ctx.store.parts(uploadId).filter((p) => used.some((u) => u.partNumber === p.partNumber));
  for (const part of blobs) ctx.store.blobs.pin(part.blob);
  try {
    const store = ctx.store;
    async function* concatenated(): AsyncGenerator<Uint8Array> {
      for (const part of blobs)
        yield* createReadStream(store.blobs.path(part.blob)) as AsyncIterable<Uint8Array>;
    }
    const written = await ctx.store.blobs.write(concatenated());
    try {
      const etag = multipartEtag(used.map((p) => p.etag));
      const result = ctx.store.completeUpload(
        upload,
        {
          size: written.size,
          etag,
          blob: written.blob,
          metadata: {
            ...upload.metadata,
            ...(algorithm && composite ? { checksum: { algorithm, value: composite } } : {}),
            partSizes: used.map((p) => p.size),
          },
          tags: upload.tags,
          parts: used.length,
        },
        partsJson,
        writePrecondition(ctx),
      );
      ctx.emit(result.change);
      sendResult(
        ctx,
        etag,
        result.versionId,
        algorithm && composite ? { algorithm, value: composite } : undefined,
      );
    } finally {
      ctx.store.blobs.unpin(written.blob);
    }
  } finally {
    for (const part of blobs) ctx.store.blobs.unpin(part.blob);
  }
}

function sendResult(
  ctx: RequestContext,
  etag: string,
  versionId: string,
  checksum?: { algorithm: string; value: string },
): void {
  const versioned = ctx.store.bucket(ctx.bucket).versioning !== 'Unversioned';
  sendXml(
    ctx,
    200,
    'CompleteMultipartUploadResult',
    {
      Location: `http://${header(ctx, 'host') ?? '127.0.0.1'}/${ctx.bucket}/${ctx.key}`,
      Bucket: ctx.bucket,
      Key: ctx.key,
      ETag: etag,
      ...(checksum ? { [`Checksum${checksum.algorithm.toUpperCase()}`]: checksum.value } : {}),
    },
    versioned && versionId !== 'null' ? { 'x-amz-version-id': versionId } : {},
  );
}

export function abortUpload(ctx: RequestContext): void {
  const upload = ctx.store.upload(ctx.bucket, ctx.key, ctx.query.get('uploadId') ?? '');
  ctx.store.removeUpload(upload.uploadId);
  sendEmpty(ctx, 204);
}

export function listParts(ctx: RequestContext): void {
  const upload = ctx.store.upload(ctx.bucket, ctx.key, ctx.query.get('uploadId') ?? '');
  const maxParts = intParam(ctx, 'max-parts', 1000, 0, 1000);
  const marker = intParam(ctx, 'part-number-marker', 0, 0, MAX_PART_NUMBER);
  const all = ctx.store.parts(upload.uploadId).filter((p) => p.partNumber > marker);
  const page = all.slice(0, maxParts);
  const truncated = all.length > page.length;
  sendXml(ctx, 200, 'ListPartsResult', {
    Bucket: ctx.bucket,
    Key: ctx.key,
    UploadId: upload.uploadId,
    Initiator: OWNER,
    Owner: OWNER,
    StorageClass: 'STANDARD',
    PartNumberMarker: marker,
    NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
    MaxParts: maxParts,
    IsTruncated: truncated,
    Part: page.map((p) => ({
      PartNumber: p.partNumber,
      LastModified: isoTime(p.lastModified),
      ETag: p.etag,
      Size: p.size,
    })),
  });
}

export function listUploads(ctx: RequestContext): void {
  ctx.store.bucket(ctx.bucket);
  const prefix = ctx.query.get('prefix') ?? '';
  const maxUploads = intParam(ctx, 'max-uploads', 1000, 0, 1000);
  const uploads = ctx.store.listUploads(ctx.bucket).filter((u) => u.key.startsWith(prefix));
  const page = uploads.slice(0, maxUploads);
  sendXml(ctx, 200, 'ListMultipartUploadsResult', {
    Bucket: ctx.bucket,
    KeyMarker: ctx.query.get('key-marker') ?? '',
    UploadIdMarker: ctx.query.get('upload-id-marker') ?? '',
    NextKeyMarker: page.at(-1)?.key ?? '',
    NextUploadIdMarker: page.at(-1)?.uploadId ?? '',
    Prefix: prefix,
    MaxUploads: maxUploads,
    IsTruncated: uploads.length > page.length,
    Upload: page.map((u) => ({
      Key: u.key,
      UploadId: u.uploadId,
      Initiator: OWNER,
      Owner: OWNER,
      StorageClass: 'STANDARD',
      Initiated: isoTime(u.initiated),
    })),
  });
}

export { child };
