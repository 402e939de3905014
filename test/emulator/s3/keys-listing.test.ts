import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  type S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedS3, startS3Server } from '../../../emulator/s3/server.ts';
import { s3ClientFor } from './s3-client.ts';

let s3: EmbeddedS3;
let client: S3Client;
const bucket = 'keys-and-listing';

beforeAll(async () => {
  s3 = await startS3Server();
  client = s3ClientFor(s3.endpoint);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (err) {
    return err as S3ServiceException;
  }
  throw new Error('expected the request to fail');
}

describe('keys and listings on the embedded S3', () => {
  it('takes keys up to 1,024 UTF-8 bytes, any segment length, and refuses longer ones', async () => {
    const long = `dir/${'é'.repeat(454)}/${'x'.repeat(111)}`; // a 908-byte segment, 1,024 bytes in all
    expect(Buffer.byteLength(long)).toBe(1024);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: long, Body: 'long' }));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: long }));
    expect(await got.Body?.transformToString()).toBe('long');
    const tooLong = await failure(
      client.send(new PutObjectCommand({ Bucket: bucket, Key: `${long}x`, Body: '' })),
    );
    expect([tooLong.name, tooLong.$metadata.httpStatusCode]).toEqual(['KeyTooLongError', 400]);
  });

  it('lists in UTF-8 byte order and pages with markers and delimiters without skipping or repeating', async () => {
    const keys = [
      'p/1999',
      'p/1999#',
      'p/1999+',
      'p/2000/a',
      'p/2000/b',
      'p/2001',
      'p/z é',
      'p/\u{1F600}',
      'p/\uFFFD',
    ];
    for (const Key of keys) await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }));
    const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const seen: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await client.send(
        new ListObjectsCommand({ Bucket: bucket, Prefix: 'p/', Delimiter: '/', MaxKeys: 2, Marker: marker }),
      );
      seen.push(
        ...(page.Contents ?? []).map((o) => o.Key ?? ''),
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
      );
      if (!page.IsTruncated) break;
      marker = page.NextMarker;
    }
    const expected = sorted.filter((k) => !k.startsWith('p/2000/'));
    expected.splice(expected.indexOf('p/2001'), 0, 'p/2000/');
    expect(seen).toEqual(expected);
  });

  it('URL-encodes keys when asked (EncodingType=url), so keys XML cannot carry survive the trip', async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'enc/ \n ', Body: 'x' }));
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'enc/', EncodingType: 'url' }),
    );
    expect(page.Contents?.map((o) => decodeURIComponent(o.Key ?? ''))).toEqual(['enc/ \n ']);
  });

  it('gives multipart objects S3 ETags and refuses a part listed twice', async () => {
    const key = 'mp/object';
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const part = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: '12345678' }),
    );
    const twice = await failure(
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: part.ETag },
              { PartNumber: 1, ETag: part.ETag },
            ],
          },
        }),
      ),
    );
    expect(twice.name).toBe('InvalidPartOrder');
    const parts = { Parts: [{ PartNumber: 1, ETag: part.ETag }] };
    const done = await client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: parts }),
    );
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-1"$/);
    // a retried Complete gets the same answer, as from S3
    const again = await client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: parts }),
    );
    expect(again.ETag).toBe(done.ETag);
  });

  it('keeps a SHA-256 checksum and reports it in GetObjectAttributes', async () => {
    const put = await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'summed',
        Body: 'A'.repeat(1024),
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    expect(put.ChecksumSHA256).toBe('arcu6553sHVAiX4MjW0j7I7vD4w6R+Gz9Ok0Q9lTa+0=');
    const attributes = await client.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'summed',
        ObjectAttributes: ['ETag', 'Checksum', 'ObjectSize', 'StorageClass'],
      }),
    );
    expect(attributes).toMatchObject({
      ObjectSize: 1024,
      StorageClass: 'STANDARD',
      Checksum: { ChecksumSHA256: put.ChecksumSHA256 },
      ETag: put.ETag?.replace(/"/g, ''),
    });
  });

  it('answers suffix ranges and checks Content-MD5', async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'range', Body: '0123456789' }));
    const tail = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'range', Range: 'bytes=-7' }));
    expect(await tail.Body?.transformToString()).toBe('3456789');
    const bad = await failure(
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'md5',
          Body: 'abc',
          ContentMD5: '1B2M2Y8AsgTpgAmY7PhCfg==',
        }),
      ),
    );
    expect(bad.name).toBe('BadDigest');
  });
});
