/** Multipart uploads, the pure parts: S3's ETag of a completed upload and its checks of the part list. */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { crc32c } from './blobs.ts';
import { S3Error } from './errors.ts';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;

/** `"<md5 of the concatenated binary md5s of the parts>-<number of parts>"`. */
export function multipartEtag(partEtags: readonly string[]): string {
  const md5 = createHash('md5');
  for (const etag of partEtags) md5.update(Buffer.from(etag.replace(/"/g, ''), 'hex'));
  return `"${md5.digest('hex')}-${partEtags.length}"`;
}

export interface RequestedPart {
  partNumber: number;
  etag: string;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

/**
 * Checks a CompleteMultipartUpload part list against the uploaded parts, as S3 does: ascending part
 * numbers (InvalidPartOrder; a repeated number too), every part uploaded with that ETag
 * (InvalidPart), every part but the last at least 5 MiB (EntityTooSmall). Returns the parts used.
 */
export function checkPartList(
  requested: readonly RequestedPart[],
  uploaded: readonly UploadedPart[],
): UploadedPart[] {
  if (requested.length === 0) {
    throw new S3Error('MalformedXML', 'You must specify at least one part');
  }
  const byNumber = new Map(uploaded.map((p) => [p.partNumber, p]));
  const used: UploadedPart[] = [];
  let previous = 0;
  for (const part of requested) {
    if (part.partNumber <= previous) throw new S3Error('InvalidPartOrder');
    previous = part.partNumber;
    const found = byNumber.get(part.partNumber);
    if (!found || found.etag.replace(/"/g, '') !== part.etag.replace(/"/g, '')) {
      throw new S3Error('InvalidPart', undefined, { PartNumber: String(part.partNumber), ETag: part.etag });
    }
    used.push(found);
  }
  for (const part of used.slice(0, -1)) {
    if (part.size < MIN_PART_SIZE) {
      throw new S3Error('EntityTooSmall', undefined, {
        ProposedSize: String(part.size),
        MinSizeAllowed: String(MIN_PART_SIZE),
        PartNumber: String(part.partNumber),
      });
    }
  }
  return used;
}

/**
 * S3's checksum of a multipart object ("COMPOSITE"): the algorithm applied to the concatenated
 * binary checksums of the parts, base64, then `-<number of parts>`.
 */
export function compositeChecksum(algorithm: string, partChecksums: readonly string[]): string {
  const joined = Buffer.concat(partChecksums.map((c) => Buffer.from(c, 'base64')));
  let digest: Buffer;
  if (algorithm === 'sha256' || algorithm === 'sha1') digest = createHash(algorithm).update(joined).digest();
  else {
    digest = Buffer.alloc(4);
    digest.writeUInt32BE((algorithm === 'crc32c' ? crc32c(joined) : crc32(joined)) >>> 0);
  }
  return `${digest.toString('base64')}-${partChecksums.length}`;
}
