import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ContentTypeLookup } from './tracker.ts';

/**
 * Content type from a HeadObject: best effort, since events carry none. An object already replaced
 * (different ETag) or deleted yields null rather than someone else's content type.
 */
export function headObjectContentType(s3: S3Client, onError: (err: unknown) => void): ContentTypeLookup {
  return async (bucket, key, eTag) => {
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const currentTag = head.ETag?.replace(/"/g, '') ?? null;
      if (eTag && currentTag && currentTag !== eTag) return null;
      return head.ContentType ?? null;
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 404) onError(err);
      return null;
    }
  };
}
