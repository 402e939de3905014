import type { S3EventRecord } from 'aws-lambda';

/** One object change, decoded from an S3 notification record. */
export interface ObjectChange {
  readonly bucket: string;
  /** The object key, URL-decoded. */
  readonly key: string;
  /** A new data version, a new delete marker, or the removal of one version (or of the null slot). */
  readonly kind: 'created' | 'marker' | 'removed';
  /** Size of the new object for a created event; removed events carry none. */
  readonly sizeBytes: number;
  readonly eTag: string | null;
  /** '' when the record carried none: only S3 can then say what happened. */
  readonly sequencer: string;
  /** S3's version id; absent in unversioned buckets (the "null" version). */
  readonly versionId?: string;
  /** Why the record alone cannot be applied (S3 must be asked about the key), if it cannot. */
  readonly needsVerification?: string;
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

/** Best effort for a key that is not valid URL encoding: decode what decodes, keep the rest literal. */
function decodeLeniently(encoded: string): string {
  return encoded.replace(/\+/g, ' ').replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * Which event names change a bucket's current objects. Lifecycle expirations come as their own
 * family; a lifecycle transition (storage class change) keeps the object and its size.
 */
export function classifyEventName(eventName: string): 'created' | 'marker' | 'removed' | null {
  if (eventName.startsWith('ObjectCreated:')) return 'created';
  if (
    eventName === 'ObjectRemoved:DeleteMarkerCreated' ||
    eventName === 'LifecycleExpiration:DeleteMarkerCreated'
  )
    return 'marker';
  if (eventName.startsWith('ObjectRemoved:') || eventName === 'LifecycleExpiration:Delete') return 'removed';
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
  const problems: string[] = [];
  if (!object.sequencer) problems.push('record has no sequencer');
  let key: string;
  try {
    key = decodeEventKey(object.key);
  } catch {
    key = decodeLeniently(object.key);
    problems.push(`object key is not valid URL encoding: ${object.key}`);
  }
  let size = kind === 'created' ? Number(object.size ?? Number.NaN) : 0;
  if (!Number.isSafeInteger(size) || size < 0) {
    problems.push(`created event for ${key} carries no valid size`);
    size = 0;
  }
  const versionId = (object as { versionId?: string }).versionId;
  return {
    ok: true,
    change: {
      bucket,
      key,
      kind,
      sizeBytes: size,
      eTag: object.eTag ? object.eTag.replace(/"/g, '') : null,
      sequencer: object.sequencer ?? '',
      ...(versionId ? { versionId } : {}),
      ...(problems.length ? { needsVerification: problems.join('; ') } : {}),
      eventName,
      eventTime: String(record.eventTime ?? ''),
    },
  };
}
