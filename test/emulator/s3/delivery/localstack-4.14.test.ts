import { describe, expect, it } from 'vitest';
import {
  LOCALSTACK_SEQUENCER,
  pythonQuote,
  toLocalStackRecord,
} from '../../../../emulator/s3/delivery/localstack-4.14.ts';
import { resolveEventsOptions } from '../../../../emulator/s3/delivery/options.ts';
import { createDeliveryProfile } from '../../../../emulator/s3/delivery/profile.ts';
import { matchesNotification } from '../../../../emulator/s3/notifications.ts';
import { seededRandom } from '../../../../emulator/services/seeded-random.ts';
import { s3Record, withEvent } from './records.ts';

const kept = { removedNothing: false };

describe('pythonQuote (urllib.parse.quote, safe="/")', () => {
  it.each([
    ['a b+c', 'a%20b%2Bc'],
    ['with space/file 1.txt', 'with%20space/file%201.txt'],
    ['100% done.txt', '100%25%20done.txt'],
    ['tilde~and*star', 'tilde~and%2Astar'],
    ["a&b=c?'(x)!", 'a%26b%3Dc%3F%27%28x%29%21'],
    ['unicode/été 📦.bin', 'unicode/%C3%A9t%C3%A9%20%F0%9F%93%A6.bin'],
    ['A-Z_a.z0-9/', 'A-Z_a.z0-9/'],
  ])('quotes %j as %j', (key, quoted) => {
    expect(pythonQuote(key)).toBe(quoted);
    expect(decodeURIComponent(quoted)).toBe(key);
  });
});

describe('toLocalStackRecord', () => {
  it('encodes "a b+c" with %20, as LocalStack does (S3 writes a+b%2Bc)', () => {
    const record = s3Record('PutObject', 'a b+c', { size: 5 });
    expect(record.s3.object.key).toBe('a+b%2Bc');
    expect(toLocalStackRecord(record, kept, seededRandom(1))?.s3.object.key).toBe('a%20b%2Bc');
  });

  it('writes the constant sequencer and identities, keeps event name, time, region, eTag and size', () => {
    const record = s3Record('CompleteMultipartUpload', 'big.bin', { size: 5_243_314, eTag: 'abc-2' });
    const local = toLocalStackRecord(record, kept, seededRandom(1));
    expect(local).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: record.eventTime,
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      userIdentity: { principalId: 'AIDAJDPLRKLG7UEXAMPLE' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-id-2': 'eftixk72aD6Ap51TnqcoF8eFidJG9Z/2' },
      s3: {
        bucket: { name: 'tracked-bucket', ownerIdentity: { principalId: 'A3NL1KOZZKExample' } },
        object: { key: 'big.bin', sequencer: '0055AED6DCD90281E5', eTag: 'abc-2', size: 5_243_314 },
      },
    });
    expect(local?.responseElements['x-amz-request-id']).toMatch(/^[0-9a-f]{8}$/);
    // LocalStack's field order: key, sequencer, versionId, eTag, size
    expect(Object.keys(local?.s3.object ?? {})).toEqual(['key', 'sequencer', 'eTag', 'size']);
  });

  it('gives every record of every key the same sequencer', () => {
    const random = seededRandom(2);
    const sequencers = ['a', 'b', 'a'].map(
      (key) => toLocalStackRecord(s3Record('PutObject', key), kept, random)?.s3.object.sequencer,
    );
    expect(sequencers).toEqual([LOCALSTACK_SEQUENCER, LOCALSTACK_SEQUENCER, LOCALSTACK_SEQUENCER]);
  });

  it('drops the event of a DeleteObject that removed nothing, keeps a DeleteObjects one and real deletes', () => {
    const random = seededRandom(3);
    const missing = s3Record('DeleteObject', 'never-existed.txt');
    expect(toLocalStackRecord(missing, { removedNothing: true }, random)).toBeUndefined();
    // today's server says nothing about the operation: DeleteObject is assumed
    expect(
      toLocalStackRecord(missing, { removedNothing: true, operation: 'DeleteObject' }, random),
    ).toBeUndefined();
    const inBatch = toLocalStackRecord(missing, { removedNothing: true, operation: 'DeleteObjects' }, random);
    expect(inBatch?.s3.object).toEqual({ key: 'never-existed.txt', sequencer: LOCALSTACK_SEQUENCER });
    const real = toLocalStackRecord(s3Record('DeleteObject', 'x y'), kept, random);
    expect(real?.eventName).toBe('ObjectRemoved:Delete');
    expect(real?.s3.object).toEqual({ key: 'x%20y', sequencer: LOCALSTACK_SEQUENCER });
  });

  it('sends no lifecycle events', () => {
    const expired = withEvent(s3Record('DeleteObject', 'old.log'), 'LifecycleExpiration:Delete');
    const marker = withEvent(s3Record('DeleteObject', 'old.log'), 'LifecycleExpiration:DeleteMarkerCreated');
    expect(toLocalStackRecord(expired, kept, seededRandom(4))).toBeUndefined();
    expect(toLocalStackRecord(marker, kept, seededRandom(4))).toBeUndefined();
  });

  it('writes versionId except the "null" version, the empty eTag and no size on a delete marker', () => {
    const random = seededRandom(5);
    const put = withEvent(s3Record('PutObject', 'v.txt', { size: 9 }), 'ObjectCreated:Put', {
      versionId: 'v1',
    });
    expect(Object.keys(toLocalStackRecord(put, kept, random)?.s3.object ?? {})).toEqual([
      'key',
      'sequencer',
      'versionId',
      'eTag',
      'size',
    ]);
    const marker = withEvent(s3Record('DeleteObject', 'v.txt'), 'ObjectRemoved:DeleteMarkerCreated', {
      versionId: 'm1',
    });
    expect(toLocalStackRecord(marker, kept, random)?.s3.object).toEqual({
      key: 'v.txt',
      sequencer: LOCALSTACK_SEQUENCER,
      versionId: 'm1',
      eTag: 'd41d8cd98f00b204e9800998ecf8427e',
    });
    const byVersion = withEvent(s3Record('DeleteObject', 'v.txt'), 'ObjectRemoved:Delete', {
      versionId: 'v1',
    });
    expect(toLocalStackRecord(byVersion, kept, random)?.s3.object).toEqual({
      key: 'v.txt',
      sequencer: LOCALSTACK_SEQUENCER,
      versionId: 'v1',
    });
    const suspended = withEvent(s3Record('PutObject', 'v.txt'), 'ObjectCreated:Put', { versionId: 'null' });
    expect(toLocalStackRecord(suspended, kept, random)?.s3.object.versionId).toBeUndefined();
  });

  it('is what the localstack-4.14 profile delivers, and filters then match the encoded key', () => {
    const profile = createDeliveryProfile(
      resolveEventsOptions({ profile: 'localstack-4.14', seed: 9, reorderRate: 0 }),
    );
    expect(profile.filtersMatchEncodedKey).toBe(true);
    expect(profile.plan(s3Record('DeleteObject', 'gone'), { removedNothing: true })).toEqual([]);
    const [delivery, ...rest] = profile.plan(s3Record('PutObject', 'a b+c'), kept);
    expect(rest).toEqual([]);
    expect(delivery?.delayMs).toBe(0);
    expect(delivery?.record.s3.object).toMatchObject({ key: 'a%20b%2Bc', sequencer: LOCALSTACK_SEQUENCER });
  });

  it('makes the router match prefix filters on the %20-encoded key, as LocalStack does', () => {
    const notification = {
      bucket: 'tracked-bucket',
      event: 's3:ObjectCreated:*',
      functionArn: 'fn',
      prefix: 'my dir/',
    };
    const local = toLocalStackRecord(s3Record('PutObject', 'my dir/a.txt'), kept, seededRandom(6));
    if (!local) throw new Error('no record');
    expect(matchesNotification(notification, local)).toBe(true);
    expect(matchesNotification(notification, local, true)).toBe(false);
    expect(matchesNotification({ ...notification, prefix: 'my%20dir/' }, local, true)).toBe(true);
  });
});
