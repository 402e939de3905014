import { FOLDERS } from '../schema.ts';

/** One uploaded image, as the workflow receives it. */
export interface UploadedImage {
  readonly bucket: string;
  readonly key: string;
  /** The version the event is about (versioned bucket), else undefined. */
  readonly versionId?: string;
  /** S3's per-key ordering token: names the execution when there is no version id. */
  readonly sequencer: string;
  readonly size: number;
}

interface S3Record {
  eventName?: string;
  s3?: {
    bucket?: { name?: string };
    object?: { key?: string; size?: number; versionId?: string; sequencer?: string; eTag?: string };
  };
}

/** S3 URL-encodes keys in events, space as '+'. */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** The created objects under input/ of an S3 event; other records (removals, other prefixes) are skipped. */
export function uploadedImages(event: { Records?: S3Record[] }): UploadedImage[] {
  const images: UploadedImage[] = [];
  for (const record of event.Records ?? []) {
    if (!record.eventName?.startsWith('ObjectCreated:')) continue;
    const bucket = record.s3?.bucket?.name;
    const object = record.s3?.object;
    if (!bucket || !object?.key) continue;
    const key = decodeEventKey(object.key);
    if (!key.startsWith(FOLDERS.input) || key.endsWith('/')) continue;
    images.push({
      bucket,
      key,
      ...(object.versionId ? { versionId: object.versionId } : {}),
      sequencer: object.sequencer ?? object.eTag ?? '',
      size: object.size ?? 0,
    });
  }
  return images;
}
