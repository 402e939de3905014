import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedS3, startS3Server } from '../../../emulator/s3/server.ts';

let s3: EmbeddedS3;
const bucket = 'presigned';
const clientWith = (accessKeyId: string, secretAccessKey: string) =>
  new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
let local: S3Client;

beforeAll(async () => {
  s3 = await startS3Server({ syncWrites: false });
  local = clientWith('local', 'local');
  await local.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  local?.destroy();
  await s3?.stop();
});

const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const putUrl = (client: S3Client, key: string, options: { expiresIn?: number; signingDate?: Date } = {}) =>
  getSignedUrl(
    client,
    new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: 'image/png', ContentLength: png.length }),
    {
      expiresIn: options.expiresIn ?? 300,
      signableHeaders: new Set(['content-type', 'content-length']),
      ...(options.signingDate ? { signingDate: options.signingDate } : {}),
    },
  );
const put = (url: string, body: Buffer, type = 'image/png') =>
  fetch(url, { method: 'PUT', body, headers: { 'content-type': type } });
const errorCode = async (response: Response) => /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1];

describe('presigned URLs on the embedded S3', () => {
  it('honours a PUT and a GET signed with the cloud credentials (keys with spaces and unicode too)', async () => {
    for (const key of ['input/a.png', 'input/my cat (1)+ü.png']) {
      const response = await put(await putUrl(local, key), png);
      expect(response.status, key).toBe(200);
      const get = await fetch(
        await getSignedUrl(local, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 60 }),
      );
      expect(get.status).toBe(200);
      expect(Buffer.from(await get.arrayBuffer())).toEqual(png);
    }
  });

  it('refuses another size or type than signed, and a tampered URL, with SignatureDoesNotMatch (403)', async () => {
    const url = await putUrl(local, 'input/b.png');
    const longer = await put(url, Buffer.concat([png, Buffer.from('xx')]));
    expect([longer.status, await errorCode(longer)]).toEqual([403, 'SignatureDoesNotMatch']);
    const jpeg = await put(url, png, 'image/jpeg');
    expect([jpeg.status, await errorCode(jpeg)]).toEqual([403, 'SignatureDoesNotMatch']);
    const tampered = await put(url.replace('input/b.png', 'input/c.png'), png);
    expect([tampered.status, await errorCode(tampered)]).toEqual([403, 'SignatureDoesNotMatch']);
    const longerExpiry = await put(url.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=600'), png);
    expect([longerExpiry.status, await errorCode(longerExpiry)]).toEqual([403, 'SignatureDoesNotMatch']);
  });

  it('refuses a wrong secret (SignatureDoesNotMatch) and an unknown key (InvalidAccessKeyId)', async () => {
    const wrongSecret = await put(await putUrl(clientWith('local', 'not-the-secret'), 'input/d.png'), png);
    expect([wrongSecret.status, await errorCode(wrongSecret)]).toEqual([403, 'SignatureDoesNotMatch']);
    const unknown = await put(await putUrl(clientWith('AKIAUNKNOWN', 'whatever'), 'input/d.png'), png);
    expect([unknown.status, await errorCode(unknown)]).toEqual([403, 'InvalidAccessKeyId']);
  });

  it('answers an OPTIONS of a presigned URL as a CORS preflight, whose signature is not checked (s3-tests)', async () => {
    // the URL is signed for GET: an OPTIONS would not match, but S3 never authenticates preflights
    const url = await getSignedUrl(local, new GetObjectCommand({ Bucket: bucket, Key: 'input/a.png' }), {
      expiresIn: 100_000,
    });
    const bare = await fetch(url, { method: 'OPTIONS' });
    expect([bare.status, await errorCode(bare)]).toEqual([400, 'BadRequest']);
  });

  it('refuses an expired URL with AccessDenied "Request has expired"', async () => {
    const url = await putUrl(local, 'input/e.png', {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 120_000),
    });
    const response = await put(url, png);
    const text = await response.text();
    expect(response.status).toBe(403);
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('Request has expired');
  });

  it('still accepts header-signed requests with any credentials', async () => {
    const other = clientWith('anything', 'at-all');
    await expect(
      other.send(new PutObjectCommand({ Bucket: bucket, Key: 'x.txt', Body: 'x' })),
    ).resolves.toBeDefined();
    other.destroy();
  });
});
