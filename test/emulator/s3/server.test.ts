import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedS3, type S3EventRecord, startS3Server } from '../../../emulator/s3/server.ts';
import { s3ClientFor } from './s3-client.ts';

const decode = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('embedded S3 (S3-faithful events)', () => {
  let s3: EmbeddedS3;
  let client: S3Client;
  const records: S3EventRecord[] = [];
  let bucketCount = 0;

  /** A fresh bucket per test, so each test sees only its own events. */
  async function newBucket(): Promise<string> {
    const bucket = `fidelity-${++bucketCount}-${Date.now()}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return bucket;
  }
  const eventsOf = (bucket: string) => records.filter((r) => r.s3.bucket.name === bucket);
  const waitForEvents = (bucket: string, count: number) =>
    waitFor(() => {
      const events = eventsOf(bucket);
      return events.length >= count ? events : undefined;
    }, `${count} events for ${bucket}`);
  const unquote = (etag: string | undefined) => etag?.replace(/"/g, '');

  beforeAll(async () => {
    s3 = await startS3Server();
    s3.onEvent((record) => records.push(record));
    client = s3ClientFor(s3.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it('answers on loopback, path-style, with any credentials', async () => {
    expect(s3.endpoint).toBe(`http://127.0.0.1:${s3.port}`);
    const bucket = await newBucket();
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'hello.txt', Body: 'hello' }));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'hello.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');
    const [event] = await waitForEvents(bucket, 1);
    expect(event).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      s3: { bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key: 'hello.txt', size: 5 } },
    });
    expect(new Date(event?.eventTime ?? 0).toISOString()).toBe(event?.eventTime);
    // the event carries the id of the request that made the change, as S3's do
    expect(put.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(event?.responseElements['x-amz-request-id']).toBe(put.$metadata.requestId);
  });

  it('1. URL-encodes keys in events as S3 does', async () => {
    const bucket = await newBucket();
    const expected: Record<string, string> = {
      'with space.txt': 'with+space.txt',
      'a+b.txt': 'a%2Bb.txt',
      '100%.txt': '100%25.txt',
      'naïve/日本.txt': 'na%C3%AFve/%E6%97%A5%E6%9C%AC.txt',
      'nested/deep er/x+y z=1.txt': 'nested/deep+er/x%2By+z%3D1.txt',
    };
    for (const key of Object.keys(expected)) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    }
    const events = await waitForEvents(bucket, 5);
    expect(events.map((e) => e.s3.object.key)).toEqual(Object.values(expected));
    expect(events.map((e) => decode(e.s3.object.key))).toEqual(Object.keys(expected));
    // the store keeps the raw keys
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual(Object.keys(expected).sort());
  });

  it('2. gives strictly increasing sequencers to writes of one key, even in the same millisecond', async () => {
    const bucket = await newBucket();
    for (let i = 0; i < 20; i++) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'same.txt', Body: `version ${i}` }));
    }
    // and concurrent writes, which land within a few milliseconds of each other
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: 'same.txt', Body: `parallel ${i}` })),
      ),
    );
    const events = await waitForEvents(bucket, 40);
    const sequencers = events.map((e) => e.s3.object.sequencer);
    for (const sequencer of sequencers) expect(sequencer).toMatch(/^[0-9A-F]{18}$/);
    // a sequencer from Date.now() alone would repeat wherever two changes share a millisecond.
    // Fixed-width uppercase hex: distinct and already sorted means strictly increasing.
    expect(new Set(sequencers).size).toBe(40);
    expect(sequencers).toEqual([...sequencers].sort());
    // events come in the order of the writes
    const sequential = events.slice(0, 20);
    expect(sequential.at(-1)?.s3.object.size).toBe('version 19'.length);
  });

  it('3. DeleteObjects of 3 keys emits 3 ObjectRemoved:Delete events', async () => {
    const bucket = await newBucket();
    const keys = ['del/one.txt', 'del/two words.txt', '2024'];
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
    await waitForEvents(bucket, 3);
    const result = await client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
    expect(result.Deleted?.map((d) => d.Key)).toEqual(keys);
    expect(result.Errors ?? []).toEqual([]);
    const removed = (await waitForEvents(bucket, 6)).slice(3);
    expect(removed.map((e) => e.eventName)).toEqual(Array(3).fill('ObjectRemoved:Delete'));
    expect(removed.map((e) => e.s3.object.key)).toEqual(['del/one.txt', 'del/two+words.txt', '2024']);
    for (const event of removed) {
      expect(event.s3.object.size).toBeUndefined();
      expect(event.s3.object.eTag).toBeUndefined();
    }
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.KeyCount).toBe(0);
  });

  it('3b. DeleteObjects reports (and S3 sends an event for) every key listed as Deleted, existing or not', async () => {
    const bucket = await newBucket();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'kept.txt', Body: 'keep' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'there.txt', Body: 'x' }));
    await waitForEvents(bucket, 2);
    const quiet = await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: 'there.txt' }, { Key: 'never-was.txt' }], Quiet: true },
      }),
    );
    expect(quiet.Deleted ?? []).toEqual([]);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'also-never.txt' }));
    const removed = (await waitForEvents(bucket, 5)).slice(2);
    expect(removed.map((e) => [e.eventName, e.s3.object.key])).toEqual([
      ['ObjectRemoved:Delete', 'there.txt'],
      ['ObjectRemoved:Delete', 'never-was.txt'],
      ['ObjectRemoved:Delete', 'also-never.txt'],
    ]);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['kept.txt']);
  });

  it('4. a completed multipart upload is ObjectCreated:CompleteMultipartUpload; a form POST stays Post', async () => {
    const bucket = await newBucket();
    const key = 'big/multipart.bin';
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const part1 = Buffer.alloc(5 * 1024 * 1024, 'a');
    const part2 = Buffer.from('tail of the upload');
    const etags: string[] = [];
    for (const [i, body] of [part1, part2].entries()) {
      const part = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }),
      );
      etags.push(part.ETag ?? '');
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );

    const form = new FormData();
    form.append('key', 'form/upload name.txt');
    form.append('file', new Blob(['from a browser form']), 'upload.txt');
    const posted = await fetch(`${s3.endpoint}/${bucket}`, { method: 'POST', body: form });
    expect(posted.status).toBe(204);

    const [completed, post] = await waitForEvents(bucket, 2);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(completed).toMatchObject({
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      s3: { object: { key, size: part1.length + part2.length, eTag: unquote(head.ETag) } },
    });
    expect(post).toMatchObject({
      eventName: 'ObjectCreated:Post',
      s3: { object: { key: 'form/upload+name.txt', size: 'from a browser form'.length } },
    });
    expect(eventsOf(bucket)).toHaveLength(2); // no event for the parts
  });

  it('5. a copy event carries the new object size and eTag', async () => {
    const bucket = await newBucket();
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'source.txt', Body: 'Empty Assignment 1' }),
    );
    await client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copy of source.txt',
        CopySource: `${bucket}/source.txt`,
      }),
    );
    const [, copy] = await waitForEvents(bucket, 2);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copy of source.txt' }));
    expect(copy).toMatchObject({
      eventName: 'ObjectCreated:Copy',
      s3: { object: { key: 'copy+of+source.txt', size: 18, eTag: unquote(head.ETag) } },
    });
    expect(head.ContentLength).toBe(18);
  });

  it('5b. copies from keys holding +, ?, &, % and encoded slashes, as S3 does', async () => {
    const bucket = await newBucket();
    for (const [i, source] of [
      'a+b.txt',
      'what?.txt',
      'x&y=z.txt',
      '100% sure.txt',
      'dir/sub/été.txt',
    ].entries()) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: source, Body: 'x'.repeat(i + 1) }));
      await client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: `copy-${i}`,
          CopySource: `${bucket}/${encodeURIComponent(source)}`,
        }),
      );
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `copy-${i}` }));
      expect(head.ContentLength, source).toBe(i + 1);
    }
  });

  it('6. every created record carries the object size (0 included) and eTag', async () => {
    const bucket = await newBucket();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'empty', Body: new Uint8Array(0) }));
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'put', Body: 'Empty Assignment 2222222222' }),
    );
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/put` }));
    const form = new FormData();
    form.append('key', 'post');
    form.append('file', new Blob(['33']), 'post.txt');
    expect((await fetch(`${s3.endpoint}/${bucket}`, { method: 'POST', body: form })).status).toBe(204);
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multi' }),
    );
    const part = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: 'multi', UploadId, PartNumber: 1, Body: 'one part' }),
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'multi',
        UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );
    const events = await waitForEvents(bucket, 5);
    expect(events.map((e) => e.eventName)).toEqual([
      'ObjectCreated:Put',
      'ObjectCreated:Put',
      'ObjectCreated:Copy',
      'ObjectCreated:Post',
      'ObjectCreated:CompleteMultipartUpload',
    ]);
    for (const event of events) {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: event.s3.object.key }));
      expect(event.s3.object.size).toBe(head.ContentLength);
      expect(event.s3.object.eTag).toBe(unquote(head.ETag));
    }
    expect(events.map((e) => e.s3.object.size)).toEqual([0, 27, 27, 2, 8]);
  });

  it('keeps user metadata and tags named like Object.prototype members (__proto__, toString)', async () => {
    const bucket = await newBucket();
    // raw requests: the SDK reads x-amz-meta-* into a plain object, where __proto__ is no key
    const url = `${s3.endpoint}/${bucket}/meta`;
    const put = await fetch(url, {
      method: 'PUT',
      headers: { 'x-amz-meta-__proto__': 'a', 'x-amz-meta-tostring': 'b', 'x-amz-tagging': '__proto__=t' },
      body: 'x',
    });
    expect(put.status).toBe(200);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.headers.get('x-amz-meta-__proto__')).toBe('a');
    expect(head.headers.get('x-amz-meta-tostring')).toBe('b');
    const tagging = await (await fetch(`${url}?tagging`)).text();
    expect(tagging).toContain('<Tag><Key>__proto__</Key><Value>t</Value></Tag>');
  });

  it('delivers events in the order the changes happened, after the response', async () => {
    const bucket = await newBucket();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'assignment1.txt', Body: 'a' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'assignment1.txt', Body: 'bb' }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'assignment1.txt' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'assignment2.txt', Body: '33' }));
    const events = await waitForEvents(bucket, 4);
    expect(events.map((e) => [e.eventName, e.s3.object.key, e.s3.object.size])).toEqual([
      ['ObjectCreated:Put', 'assignment1.txt', 1],
      ['ObjectCreated:Put', 'assignment1.txt', 2],
      ['ObjectRemoved:Delete', 'assignment1.txt', undefined],
      ['ObjectCreated:Put', 'assignment2.txt', 2],
    ]);
  });

  it('lists 2,500 keys through ListObjectsV2 pagination (continuation tokens)', async () => {
    const bucket = await newBucket();
    const keys = Array.from({ length: 2500 }, (_, i) => `many/${String(i).padStart(5, '0')}.txt`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys
          .slice(i, i + 50)
          .map((Key) => client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: '1' }))),
      );
    }
    const listed: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket })) {
      pages++;
      for (const object of page.Contents ?? []) listed.push(object.Key ?? '');
    }
    expect(pages).toBe(3);
    expect(listed).toEqual(keys);
  }, 60_000);
});

describe('embedded S3 lifecycle', () => {
  it('keeps buckets and objects across a restart on the same dataDir', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 's3-restart-test-'));
    try {
      const first = await startS3Server({ dataDir });
      const firstEvents: S3EventRecord[] = [];
      first.onEvent((r) => firstEvents.push(r));
      const c1 = s3ClientFor(first.endpoint);
      await c1.send(new CreateBucketCommand({ Bucket: 'persistent-bucket' }));
      await c1.send(
        new PutObjectCommand({ Bucket: 'persistent-bucket', Key: 'kept.txt', Body: 'still here' }),
      );
      c1.destroy();
      await first.stop();
      // stop() returns after every event of the server was delivered
      expect(firstEvents).toHaveLength(1);
      expect(existsSync(dataDir)).toBe(true);

      const second = await startS3Server({ dataDir });
      const secondEvents: S3EventRecord[] = [];
      second.onEvent((r) => secondEvents.push(r));
      const c2 = s3ClientFor(second.endpoint);
      try {
        const got = await c2.send(new GetObjectCommand({ Bucket: 'persistent-bucket', Key: 'kept.txt' }));
        expect(await got.Body?.transformToString()).toBe('still here');
        await c2.send(new PutObjectCommand({ Bucket: 'persistent-bucket', Key: 'kept.txt', Body: 'newer' }));
        const [event] = await waitFor(() => (secondEvents.length ? secondEvents : undefined), 'event');
        // sequencers keep increasing across the restart
        const before = firstEvents[0]?.s3.object.sequencer ?? 'missing';
        expect((event?.s3.object.sequencer ?? '') > before).toBe(true);
      } finally {
        c2.destroy();
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('says loudly when the S3 process dies, and tells its owner to stop', async () => {
    let reported: Error | undefined;
    const s3 = await startS3Server({ onUnexpectedExit: (error) => (reported = error) });
    const errors: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(' '));
    try {
      process.kill(s3.pid ?? 0, 'SIGKILL');
      await waitFor(() => reported, 'the exit report');
    } finally {
      console.error = original;
      await s3.stop();
    }
    expect(reported?.message).toMatch(/exited unexpectedly \(code null, signal SIGKILL\)/);
    expect(errors.join('\n')).toMatch(/S3 is gone/);
  });

  it('fails clearly when the port is taken', async () => {
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const address = holder.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await expect(startS3Server({ port })).rejects.toThrow(
        `port ${port} for the embedded S3 is already in use`,
      );
    } finally {
      holder.close();
    }
  });

  it('uses the port it is given and removes its temporary directory on stop', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const address = probe.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((r) => probe.close(() => r()));
    const storeDirs = () =>
      readdirSync(tmpdir())
        .filter((name) => name.startsWith('embedded-s3-'))
        .map((name) => join(tmpdir(), name))
        .filter((dir) => existsSync(join(dir, 'metadata.sqlite')));
    const before = new Set(storeDirs());
    const s3 = await startS3Server({ port, region: 'eu-central-1' });
    const events: S3EventRecord[] = [];
    s3.onEvent((r) => events.push(r));
    const unsubscribed: S3EventRecord[] = [];
    const unsubscribe = s3.onEvent((r) => unsubscribed.push(r));
    unsubscribe();
    expect(s3.endpoint).toBe(`http://127.0.0.1:${port}`);
    const client = s3ClientFor(s3.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'region-bucket' }));
    await client.send(new PutObjectCommand({ Bucket: 'region-bucket', Key: 'k', Body: 'v' }));
    client.destroy();
    const [storeDir] = storeDirs().filter((dir) => !before.has(dir));
    if (!storeDir) throw new Error('the temporary store directory was not found');
    await s3.stop();
    await s3.stop(); // idempotent
    expect(existsSync(storeDir)).toBe(false);
    expect(events.map((e) => e.awsRegion)).toEqual(['eu-central-1']);
    expect(unsubscribed).toEqual([]);
  });

  it('ends its S3 process when the process that started it dies', async () => {
    const serverModule = fileURLToPath(new URL('../../../emulator/s3/server.ts', import.meta.url));
    const script = `
      import { startS3Server } from ${JSON.stringify(serverModule)};
      const s3 = await startS3Server();
      console.log(JSON.stringify({ endpoint: s3.endpoint }));
      setInterval(() => {}, 1000);
    `;
    const host = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        if (!host.stdout) return reject(new Error('no stdout pipe'));
        createInterface({ input: host.stdout }).once('line', resolve);
        host.once('exit', (code) => reject(new Error(`host exited early (${code})`)));
      });
      const { endpoint } = JSON.parse(line) as { endpoint: string };
      const childPid = Number(
        readFileSync(`/proc/${host.pid}/task/${host.pid}/children`, 'utf8').trim().split(/\s+/)[0],
      );
      const config = JSON.parse(
        readFileSync(`/proc/${childPid}/cmdline`, 'utf8').split('\0').at(-2) ?? '{}',
      ) as {
        directory: string;
      };
      expect(existsSync(config.directory)).toBe(true);
      expect((await fetch(endpoint)).ok).toBe(true);

      host.kill('SIGKILL');
      await waitFor(
        () => {
          try {
            process.kill(childPid, 0);
            return undefined;
          } catch {
            return true;
          }
        },
        'S3 child to exit',
        10_000,
      );
      expect(existsSync(config.directory)).toBe(false);
    } finally {
      host.kill('SIGKILL');
    }
  });
});
