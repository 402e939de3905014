import {
  buildEventRecord,
  type S3ChangeOperation,
  type S3EventRecord,
} from '../../../../emulator/s3/event-records.ts';

const request = {
  region: 'us-east-1',
  sourceIp: '127.0.0.1',
  requestId: 'REQ',
  hostId: 'HOST',
  principalId: 'AWS:LOCAL',
};

let sequence = 0;

/** A record as the embedded S3 writes it, with a fresh increasing sequencer. */
export function s3Record(
  operation: S3ChangeOperation,
  key: string,
  extra: { size?: number; eTag?: string } = {},
): S3EventRecord {
  sequence++;
  const created = operation !== 'DeleteObject' && operation !== 'DeleteObjects';
  return buildEventRecord(
    {
      operation,
      bucket: 'tracked-bucket',
      key,
      ...(created ? { size: extra.size ?? 3, eTag: extra.eTag ?? '"900150983cd24fb0d6963f7d28e17f72"' } : {}),
      sequencer: sequence.toString(16).toUpperCase().padStart(18, '0'),
      time: new Date(Date.UTC(2026, 10, 30, 5, 0, 0, sequence)),
    },
    request,
  );
}

/** A record of a kind today's embedded S3 does not write yet (versioning, lifecycle). */
export function withEvent(
  record: S3EventRecord,
  eventName: string,
  object: Partial<S3EventRecord['s3']['object']> = {},
): S3EventRecord {
  return {
    ...record,
    eventName: eventName as S3EventRecord['eventName'],
    s3: { ...record.s3, object: { ...record.s3.object, ...object } },
  };
}
