import { readFileSync } from 'node:fs';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmbeddedS3,
  type S3ChangeFacts,
  type S3EventRecord,
  startS3Server,
} from '../../../emulator/s3/server.ts';
import { s3ClientFor } from './s3-client.ts';

const DAY = 86_400_000;
let s3: EmbeddedS3;
let client: S3Client;
const seen: { record: S3EventRecord; facts: S3ChangeFacts }[] = [];
let buckets = 0;

beforeAll(async () => {
  s3 = await startS3Server();
  s3.onEvent((record, facts) => seen.push({ record, facts }));
  client = s3ClientFor(s3.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

async function newBucket(versioning?: 'Enabled' | 'Suspended'): Promise<string> {
  const bucket = `versioned-${++buckets}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  if (versioning) {
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: versioning } }),
    );
  }
  return bucket;
}

async function eventsOf(bucket: string, count: number) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const events = seen.filter((e) => e.record.s3.bucket.name === bucket);
    if (events.length >= count) return events;
    if (Date.now() > deadline)
      throw new Error(`expected ${count} events for ${bucket}, got ${events.length}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (err) {
    return err as S3ServiceException;
  }
  throw new Error('expected the request to fail');
}

describe('versioned buckets on the embedded S3', () => {
  it('keeps versions, answers delete markers as S3 does, and lists versions newest first', async () => {
    const bucket = await newBucket('Enabled');
    expect((await client.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Enabled');
    const v1 = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'first' }));
    const v2 = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'second!' }));
    expect(v1.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(v2.VersionId).not.toBe(v1.VersionId);
    const old = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: v1.VersionId }),
    );
    expect(await old.Body?.transformToString()).toBe('first');

    const marker = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(marker.DeleteMarker).toBe(true);
    const missing = await failure(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })));
    expect(missing.name).toBe('NoSuchKey');
    expect(missing.$response?.headers['x-amz-delete-marker']).toBe('true');
    const onMarker = await failure(
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k', VersionId: marker.VersionId })),
    );
    expect(onMarker.$metadata.httpStatusCode).toBe(405);

    const listed = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest, v.Size])).toEqual([
      [v2.VersionId, false, 7],
      [v1.VersionId, false, 5],
    ]);
    expect(listed.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[marker.VersionId, true]]);
    expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);

    // removing the marker brings v2 back; removing v1 by id removes only that version
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k', VersionId: marker.VersionId }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k', VersionId: v1.VersionId }));
    const back = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(await back.Body?.transformToString()).toBe('second!');
    expect(back.VersionId).toBe(v2.VersionId);

    const events = await eventsOf(bucket, 5);
    expect(
      events.map((e) => [e.record.eventName, e.record.s3.object.versionId, e.record.s3.object.size]),
    ).toEqual([
      ['ObjectCreated:Put', v1.VersionId, 5],
      ['ObjectCreated:Put', v2.VersionId, 7],
      ['ObjectRemoved:DeleteMarkerCreated', marker.VersionId, undefined],
      ['ObjectRemoved:Delete', marker.VersionId, undefined],
      ['ObjectRemoved:Delete', v1.VersionId, undefined],
    ]);
    expect(events[2]?.record.s3.object.eTag).toBe('d41d8cd98f00b204e9800998ecf8427e');
    const sequencers = events.map((e) => e.record.s3.object.sequencer);
    for (const sequencer of sequencers) expect(sequencer).toMatch(/^[0-9A-F]{18}$/);
    expect([...sequencers].sort()).toEqual(sequencers);
  });

  it('pages ListObjectVersions with key and version-id markers', async () => {
    const bucket = await newBucket('Enabled');
    const ids: string[] = [];
    for (const key of ['a', 'b']) {
      for (let i = 0; i < 3; i++) {
        ids.push(
          (await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${key}${i}` })))
            .VersionId ?? '',
        );
      }
    }
    const pages: string[][] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          MaxKeys: 4,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      pages.push((page.Versions ?? []).map((v) => v.VersionId ?? ''));
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
    expect(pages.map((p) => p.length)).toEqual([4, 2]);
    expect(pages.flat()).toEqual([ids[2], ids[1], ids[0], ids[5], ids[4], ids[3]]);
  });

  it('suspended versioning writes and deletes `null` versions; unversioned deletes report removedNothing', async () => {
    const bucket = await newBucket('Enabled');
    const kept = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'kept' }));
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    const first = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'n1' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'n22' }));
    expect(first.VersionId).toBeUndefined(); // S3 sends no x-amz-version-id for a null version
    const deleted = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect([deleted.DeleteMarker, deleted.VersionId]).toEqual([true, 'null']);
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual([kept.VersionId]);
    expect(versions.DeleteMarkers?.map((v) => v.VersionId)).toEqual(['null']);
    const events = await eventsOf(bucket, 4);
    expect(events.map((e) => [e.record.eventName, e.record.s3.object.versionId])).toEqual([
      ['ObjectCreated:Put', kept.VersionId],
      ['ObjectCreated:Put', 'null'],
      ['ObjectCreated:Put', 'null'],
      ['ObjectRemoved:DeleteMarkerCreated', 'null'],
    ]);

    const plain = await newBucket();
    await client.send(new PutObjectCommand({ Bucket: plain, Key: 'there', Body: 'x' }));
    await client.send(
      new DeleteObjectsCommand({
        Bucket: plain,
        Delete: { Objects: [{ Key: 'there' }, { Key: 'never-was' }] },
      }),
    );
    const removed = (await eventsOf(plain, 3)).slice(1);
    expect(
      removed.map((e) => [e.record.s3.object.key, e.record.s3.object.versionId, e.facts.removedNothing]),
    ).toEqual([
      ['there', undefined, false],
      ['never-was', undefined, true],
    ]);
  });

  it('expires by lifecycle when the clock moves: current versions, then noncurrent ones, at midnight UTC', async () => {
    const bucket = await newBucket('Enabled');
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: {
          Rules: [
            { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 1 } },
            {
              ID: 'old',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            },
          ],
        },
      }),
    );
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'logs/a', Body: 'log' }));
    const v1 = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'data', Body: 'one' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'data', Body: 'two' }));
    await eventsOf(bucket, 3);
    await s3.advanceClock(2 * DAY);
    const afterTwoDays = (await eventsOf(bucket, 4)).slice(3);
    expect(afterTwoDays.map((e) => [e.record.eventName, e.record.s3.object.key])).toEqual([
      ['LifecycleExpiration:DeleteMarkerCreated', 'logs/a'],
    ]);
    await s3.advanceClock(30 * DAY);
    const later = (await eventsOf(bucket, 5)).slice(4);
    expect(
      later.map((e) => [e.record.eventName, e.record.s3.object.key, e.record.s3.object.versionId]),
    ).toEqual([['LifecycleExpiration:Delete', 'data', v1.VersionId]]);
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'data' }));
    expect(versions.Versions?.map((v) => v.IsLatest)).toEqual([true]);
  });
});

describe('event records against the ones AWS recorded', () => {
  it('have the shape of test_object_created_put_versioned (AWS, via LocalStack snapshots)', async () => {
    // the AWS-recorded records, kept in the repository (test/tracking/fixtures/README.md says whence)
    const corpus = JSON.parse(
      readFileSync(new URL('../../tracking/fixtures/aws-s3-event-records.json', import.meta.url), 'utf8'),
    ) as { records: { file: string; test: string; path: string; record: S3EventRecord }[] };
    const aws = corpus.records
      .filter(
        (entry) =>
          entry.file === 'test_s3_notifications_sqs.snapshot.json' &&
          entry.test.endsWith('test_object_created_put_versioned') &&
          entry.path.startsWith('recorded-content/message-versioning-active/'),
      )
      .map((entry) => entry.record);
    expect(aws.length).toBeGreaterThan(0);

    const bucket = await newBucket('Enabled');
    const v1 = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'test-key', Body: 'data' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'test-key', Body: 'data-version2' }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'test-key' }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'test-key', VersionId: v1.VersionId }));
    const ours = (await eventsOf(bucket, 4)).map((e) => e.record);

    const shape = (record: S3EventRecord) => ({
      eventName: record.eventName,
      topFields: Object.keys(record).sort(),
      objectFields: Object.keys(record.s3.object),
      size: record.s3.object.size,
      eTag: record.s3.object.eTag,
    });
    const byName = (records: S3EventRecord[]) =>
      records
        .map(shape)
        .sort((a, b) => a.eventName.localeCompare(b.eventName) || (a.size ?? 0) - (b.size ?? 0));
    expect(byName(ours)).toEqual(byName(aws));
  });
});

describe('seeding a data directory (benchmarks)', () => {
  it('is listed by a server started on it afterwards', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { seedObjects } = await import('../../../emulator/s3/seed.ts');
    const dataDir = mkdtempSync(join(tmpdir(), 's3-seed-test-'));
    try {
      const objects = Array.from({ length: 1500 }, (_, i) => ({
        key: `k/${i}`,
        body: Buffer.alloc(i % 7, 120),
      }));
      seedObjects(dataDir, 'seeded', objects);
      const seeded = await startS3Server({ dataDir });
      const c = s3ClientFor(seeded.endpoint);
      try {
        const first = await c.send(new ListObjectsV2Command({ Bucket: 'seeded' }));
        const second = await c.send(
          new ListObjectsV2Command({ Bucket: 'seeded', ContinuationToken: first.NextContinuationToken }),
        );
        expect([first.KeyCount, second.KeyCount, second.IsTruncated]).toEqual([1000, 500, false]);
        const got = await c.send(new GetObjectCommand({ Bucket: 'seeded', Key: 'k/13' }));
        expect(await got.Body?.transformToString()).toBe('xxxxxx');
      } finally {
        c.destroy();
        await seeded.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
