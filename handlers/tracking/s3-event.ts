import type { S3EventRecord } from 'aws-lambda';

/** One object change, decoded from an S3 notification record. */
export interface ObjectChange {
  readonly bucket: string;
  /** The object key, URL-decoded. */
  readonly key: string;
  readonly kind: 'created' | 'removed';
  /** Size of the new object for a created event; removed events carry none. */
  readonly sizeBytes: number;
  readonly eTag: string | null;
  readonly sequencer: string;
  readonly eventName: string;
  readonly eventTime: string;
}

export type ParsedRecord =
  | { readonly ok: true; readonly change: ObjectChange }
  | { readonly ok: false; readonly reason: string; readonly eventName: string };

/** S3 encodes keys in events like an HTML form: spaces as '+', everything else percent-encoded. */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/**
 * Which event names change a bucket's current objects. Lifecycle expirations come as their own
 * family; a lifecycle transition (storage class change) keeps the object and its size.
 */
export function classifyEventName(eventName: string): 'created' | 'removed' | null {
  if (eventName.startsWith('ObjectCreated:')) return 'created';
  if (eventName.startsWith('ObjectRemoved:')) return 'removed';
  if (eventName === 'LifecycleExpiration:Delete' || eventName === 'LifecycleExpiration:DeleteMarkerCreated') {
    return 'removed';
  }
  return null;
}

export function parseRecord(record: S3EventRecord): ParsedRecord {
  const eventName = String(record?.eventName ?? '');
  const kind = classifyEventName(eventName);
  if (!kind)
    return { ok: false, reason: `event ${eventName || '(none)'} does not change object totals`, eventName };
  const object = record.s3?.object;
  const bucket = record.s3?.bucket?.name;
  if (!bucket || !object?.key)
    return { ok: false, reason: 'record has no bucket name or object key', eventName };
  if (!object.sequencer) return { ok: false, reason: 'record has no sequencer', eventName };
  let key: string;
  try {
    key = decodeEventKey(object.key);
  } catch {
    return { ok: false, reason: `object key is not valid URL encoding: ${object.key}`, eventName };
  }
  const size = kind === 'created' ? Number(object.size ?? Number.NaN) : 0;
  if (!Number.isSafeInteger(size) || size < 0) {
    return { ok: false, reason: `created event for ${key} carries no valid size`, eventName };
  }
  return {
    ok: true,
    change: {
      bucket,
      key,
      kind,
      sizeBytes: size,
      eTag: object.eTag ? object.eTag.replace(/"/g, '') : null,
      sequencer: object.sequencer,
      eventName,
      eventTime: record.eventTime,
    },
  };
}
