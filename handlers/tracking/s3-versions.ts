import {
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ListedVersion } from './ledger.ts';
import { decodeEventKey } from './s3-event.ts';

/** What S3 holds for one key right now: its versions, newest first (empty: S3 has none). */
export type KeyVersionsReader = (bucket: string, key: string) => Promise<readonly ListedVersion[]>;

/**
 * Keys in listings asked with EncodingType=url come back form-encoded (space as '+'), like event
 * keys; without it the SDK's XML parser loses keys such as " \n ". A server that ignores the
 * parameter says so by leaving EncodingType out of its answer: its keys are taken as they are.
 */
export function listedKey(key: string | undefined, encodingType: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  return encodingType === 'url' ? decodeEventKey(key) : key;
}

/** S3's versions of one key from ListObjectVersions pages (pure): exact-key matches, newest first. */
export function versionsOfKey(
  key: string,
  pages: readonly Pick<ListObjectVersionsCommandOutput, 'Versions' | 'DeleteMarkers' | 'EncodingType'>[],
): ListedVersion[] {
  const found: (ListedVersion & { latest: boolean; modifiedMs: number })[] = [];
  for (const page of pages) {
    for (const v of page.Versions ?? []) {
      if (listedKey(v.Key, page.EncodingType) !== key) continue;
      found.push({
        versionId: v.VersionId ?? 'null',
        marker: false,
        sizeBytes: v.Size ?? 0,
        eTag: v.ETag?.replace(/"/g, '') ?? null,
        ...(v.LastModified ? { lastModified: v.LastModified.toISOString() } : {}),
        latest: v.IsLatest === true,
        modifiedMs: v.LastModified?.getTime() ?? 0,
      });
    }
    for (const m of page.DeleteMarkers ?? []) {
      if (listedKey(m.Key, page.EncodingType) !== key) continue;
      found.push({
        versionId: m.VersionId ?? 'null',
        marker: true,
        sizeBytes: 0,
        eTag: null,
        ...(m.LastModified ? { lastModified: m.LastModified.toISOString() } : {}),
        latest: m.IsLatest === true,
        modifiedMs: m.LastModified?.getTime() ?? 0,
      });
    }
  }
  // The SDK splits versions and markers into two lists: IsLatest first, then newest LastModified.
  found.sort((a, b) => Number(b.latest) - Number(a.latest) || b.modifiedMs - a.modifiedMs);
  return found.map(({ latest: _l, modifiedMs: _m, ...v }) => v);
}

/** The current object of one key from a ListObjectsV2 page (unversioned view), as its null version. */
export function currentOfKey(
  key: string,
  page: Pick<ListObjectsV2CommandOutput, 'Contents' | 'EncodingType'>,
): ListedVersion[] {
  const object = (page.Contents ?? []).find((o) => listedKey(o.Key, page.EncodingType) === key);
  if (!object) return [];
  return [
    {
      versionId: 'null',
      marker: false,
      sizeBytes: object.Size ?? 0,
      eTag: object.ETag?.replace(/"/g, '') ?? null,
      ...(object.LastModified ? { lastModified: object.LastModified.toISOString() } : {}),
    },
  ];
}

/** The server refuses version listing (no versioning support): list current objects instead. */
export function refusesVersionListing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return e.name === 'NotImplemented' || e.name === 'MethodNotAllowed' || status === 501 || status === 405;
}

/**
 * Asks S3 about one key: ListObjectVersions with the key as prefix (the key's versions come first
 * in key order, so paging stops at the first other key), or, when the bucket refuses it (a server
 * without versioning), ListObjectsV2 with the key as prefix (the key itself sorts first on S3).
 * IAM: s3:ListBucketVersions, s3:ListBucket.
 */
export function s3KeyVersions(s3: S3Client): KeyVersionsReader {
  let versionsRefused = false;
  return async (bucket, key) => {
    if (!versionsRefused) {
      try {
        const pages: ListObjectVersionsCommandOutput[] = [];
        let keyMarker: string | undefined;
        let versionIdMarker: string | undefined;
        for (;;) {
          const page = await s3.send(
            new ListObjectVersionsCommand({
              Bucket: bucket,
              Prefix: key,
              EncodingType: 'url',
              ...(keyMarker !== undefined ? { KeyMarker: keyMarker, VersionIdMarker: versionIdMarker } : {}),
            }),
          );
          pages.push(page);
          const keys = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) =>
            listedKey(v.Key, page.EncodingType),
          );
          if (!page.IsTruncated || keys.some((k) => k !== key)) break;
          keyMarker = listedKey(page.NextKeyMarker, page.EncodingType);
          versionIdMarker = page.NextVersionIdMarker;
        }
        return versionsOfKey(key, pages);
      } catch (err) {
        if (!refusesVersionListing(err)) throw err;
        versionsRefused = true;
      }
    }
    // S3 lists the key itself first; a server with another order is paged through until it shows up.
    let token: string | undefined;
    for (;;) {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: key,
          EncodingType: 'url',
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      const found = currentOfKey(key, page);
      if (found.length > 0 || !page.IsTruncated || !page.NextContinuationToken) return found;
      token = page.NextContinuationToken;
    }
  };
}
