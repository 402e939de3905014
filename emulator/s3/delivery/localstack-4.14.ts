import { decodeEventKey, type S3EventRecord } from '../event-records.ts';
import type { S3ChangeFacts } from './options.ts';

/**
 * The event records LocalStack 4.14.0 sends to a Lambda function for S3 changes, made from the
 * record the embedded S3 (faithful to AWS) wrote. Read from LocalStack's source, tag v4.14.0
 * (commit 3d5a0c70e): `localstack-core/localstack/services/s3/notifications.py` (the record,
 * `BaseNotifier._get_event_payload` and `S3EventNotificationContext.from_request_context`) and
 * `localstack-core/localstack/services/s3/provider.py` (which changes notify at all). Pure.
 */

// notifications.py, _get_event_payload: `"sequencer": "0055AED6DCD90281E5"` for every record.
export const LOCALSTACK_SEQUENCER = '0055AED6DCD90281E5';
// notifications.py, _get_event_payload: constant identities ("TODO: use the real one?").
export const LOCALSTACK_PRINCIPAL_ID = 'AIDAJDPLRKLG7UEXAMPLE';
export const LOCALSTACK_OWNER_ID = 'A3NL1KOZZKExample';
export const LOCALSTACK_HOST_ID = 'eftixk72aD6Ap51TnqcoF8eFidJG9Z/2';
// notifications.py, from_request_context: a delete marker's eTag is the empty object's MD5.
const DELETE_MARKER_ETAG = 'd41d8cd98f00b204e9800998ecf8427e';

// Python's urllib.parse.quote(key) with its default safe='/': letters, digits, '_.-~' and '/' stay,
// every other UTF-8 byte becomes %XX (upper-case hex). Unlike S3: space is %20 (S3: '+'), '*' is
// %2A (S3 keeps it), '~' is kept (S3: %7E).
const QUOTE_SAFE = /^[A-Za-z0-9_.\-~/]$/;

/** `urllib.parse.quote(key)` as LocalStack applies it to keys (notifications.py: `key_name=quote(s3_object.key)`). */
export function pythonQuote(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    out +=
      byte < 0x80 && QUOTE_SAFE.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** short_uid() (localstack/utils/strings.py): the first 8 characters of a uuid4, drawn from `random`. */
function shortUid(random: () => number): string {
  return Array.from({ length: 8 }, () => Math.floor(random() * 16).toString(16)).join('');
}

/**
 * The record LocalStack 4.14.0 would send for the change `record` describes, or undefined when it
 * sends none. `random` only fills the per-request id.
 */
export function toLocalStackRecord(
  record: S3EventRecord,
  facts: S3ChangeFacts,
  random: () => number,
): S3EventRecord | undefined {
  const eventName: string = record.eventName;
  // Lifecycle rules are stored and never run (provider.py, put_bucket_lifecycle_configuration:
  // "TODO: we either apply the lifecycle to existing objects when we set the new rules, or ..."),
  // and EVENT_OPERATION_MAP (notifications.py) has no LifecycleExpiration entry: no such event.
  if (!eventName.startsWith('ObjectCreated:') && !eventName.startsWith('ObjectRemoved:')) return undefined;
  // provider.py, delete_object (unversioned bucket): `found_object = s3_bucket.objects.pop(key, None)`,
  // then `if found_object: ... self._notify(...)`: a DeleteObject of a missing key sends nothing.
  // delete_objects sends one anyway ("DeleteObjects is a bit weird, even if the object didn't exist,
  // S3 will trigger a notification": `S3Object(key=object_key, etag="")`).
  if (facts.removedNothing && facts.operation !== 'DeleteObjects') return undefined;

  const original = record.s3.object;
  let key: string;
  try {
    key = decodeEventKey(original.key);
  } catch {
    key = original.key; // not valid encoding: nothing better to quote
  }
  // Field order as LocalStack builds it: key, sequencer, then versionId, eTag, size.
  const object: S3EventRecord['s3']['object'] = { key: pythonQuote(key), sequencer: LOCALSTACK_SEQUENCER };
  // `if ctx.key_version_id and ctx.key_version_id != "null"`: the version id of versioned buckets,
  // but not the "null" version of a bucket whose versioning is suspended.
  if (original.versionId && original.versionId !== 'null') object.versionId = original.versionId;
  // `if any(e in event_type for e in ("created", "restore"))`: eTag on created events (and on
  // ObjectRemoved:DeleteMarkerCreated, whose name contains "created": the empty object's MD5);
  // `if "deletemarker" not in event_type`: size on created events only. Deletes carry neither.
  const lower = eventName.toLowerCase();
  if (lower.includes('created')) {
    if (lower.includes('deletemarker')) object.eTag = DELETE_MARKER_ETAG;
    else {
      if (original.eTag !== undefined) object.eTag = original.eTag;
      if (original.size !== undefined) object.size = original.size;
    }
  }
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    // `awsRegion=ctx.bucket_location`: the bucket's region, as the embedded S3 writes it
    awsRegion: record.awsRegion,
    // `timestamp_millis(datetime.datetime.now())`: "%Y-%m-%dT%H:%M:%S.%fZ" cut to milliseconds, the
    // container's local time (UTC in LocalStack's image): the same form as toISOString()
    eventTime: record.eventTime,
    eventName: record.eventName,
    userIdentity: { principalId: LOCALSTACK_PRINCIPAL_ID },
    // "TODO sourceIPAddress was previously extracted from headers"
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    // `"x-amz-request-id": short_uid()`, a new one per record, and a constant host id
    responseElements: { 'x-amz-request-id': shortUid(random), 'x-amz-id-2': LOCALSTACK_HOST_ID },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: record.s3.configurationId,
      bucket: {
        name: record.s3.bucket.name,
        ownerIdentity: { principalId: LOCALSTACK_OWNER_ID },
        arn: record.s3.bucket.arn,
      },
      object,
    },
  };
}
