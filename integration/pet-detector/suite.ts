/**
 * The PetDetector end to end on a target (embedded cloud, LocalStack): real photos through the API
 * (POST /uploads, then the presigned PUT), the S3 event on input/, the Step Functions workflow
 * (Rekognition DetectLabels: on local targets the embedded endpoint with the local model), DynamoDB,
 * the S3 moves and the SNS alert, the records read back through the API.
 *
 * 22 labelled photos (test/fixtures/pets) + 1 composite made here (a kitten beside a dog: the model is
 * unsure, so it must land in others/ with an alert) + 1 text file (must end `failed`), then a
 * duplicated S3 event. Wall time is mostly inference, one image at a time in the Rekognition process
 * (~0.3 s an image on an idle machine, 1-2 s on a loaded one).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createCanvas, loadImage } from 'canvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PetTarget } from './target.ts';

const PHOTOS = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'pets');

/**
 * Where the local model files each labelled photo, where that differs from the truth: its two
 * mistakes on this set (bench/classifier.json), asserted exactly so that a change shows.
 */
const MODEL_MISTAKES: Record<string, 'cat' | 'dog' | 'other'> = {
  'tuxpaint-dingo.jpg': 'other',
  'gcompris-erase-macaque.jpg': 'dog',
};
const FOLDER = { cat: 'cats/', dog: 'dogs/', other: 'others/' } as const;

interface Upload {
  readonly name: string;
  readonly bytes: Buffer;
  readonly contentType: 'image/jpeg' | 'image/png';
  /** The folder it must end in, or 'failed'. */
  readonly expected: keyof typeof FOLDER | 'failed';
  readonly uncertain?: boolean;
  imageId?: string;
}

/** A kitten beside a dog, drawn here from two fixture photos: cat 40, dog 27 (the uncertain band). */
async function composite(): Promise<Buffer> {
  const [kitten, dog] = await Promise.all(
    ['cat/gcompris-erase-kitten.jpg', 'dog/gcompris-farm-dog.jpg'].map((file) =>
      loadImage(readFileSync(join(PHOTOS, file))),
    ),
  );
  const canvas = createCanvas(640, 320);
  const g = canvas.getContext('2d');
  g.drawImage(kitten as Parameters<typeof g.drawImage>[0], 0, 0, 320, 320);
  g.drawImage(dog as Parameters<typeof g.drawImage>[0], 320, 0, 320, 320);
  return canvas.toBuffer('image/png');
}

async function allUploads(): Promise<Upload[]> {
  const uploads: Upload[] = [];
  for (const truth of ['cat', 'dog', 'other'] as const) {
    for (const name of readdirSync(join(PHOTOS, truth))
      .filter((n) => /\.(jpe?g|png)$/.test(n))
      .sort()) {
      uploads.push({
        name,
        bytes: readFileSync(join(PHOTOS, truth, name)),
        contentType: name.endsWith('.png') ? 'image/png' : 'image/jpeg',
        expected: MODEL_MISTAKES[name] ?? truth,
      });
    }
  }
  uploads.push({
    name: 'kitten-beside-dog.png',
    bytes: await composite(),
    contentType: 'image/png',
    expected: 'other',
    uncertain: true,
  });
  uploads.push({
    name: 'notes.txt',
    bytes: Buffer.from('This is a text file uploaded as image/jpeg, not an image.\n'),
    contentType: 'image/jpeg',
    expected: 'failed',
  });
  return uploads;
}

export function petDetectorSuite(name: string, startTarget: () => Promise<PetTarget>): void {
  let target: PetTarget;
  let uploads: Upload[] = [];
  let processingMs = 0;

  const call = (method: string, path: string, body?: unknown, key: string | null = target.apiKey) =>
    fetch(`${target.apiUrl}${path}`, {
      method,
      headers: {
        ...(key ? { 'x-api-key': key } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  async function upload(item: Upload): Promise<void> {
    const created = await call('POST', '/uploads', {
      contentType: item.contentType,
      sizeBytes: item.bytes.length,
    });
    expect(created.status, item.name).toBe(201);
    const body = (await created.json()) as {
      imageId: string;
      upload: { url: string; headers: Record<string, string> };
    };
    item.imageId = body.imageId;
    const put = await fetch(target.reachable?.(body.upload.url) ?? body.upload.url, {
      method: 'PUT',
      body: item.bytes,
      headers: { 'content-type': body.upload.headers['content-type'] as string },
    });
    expect(put.status, `${item.name}: ${await put.text()}`).toBe(200);
  }

  async function record(imageId: string): Promise<Record<string, unknown>> {
    const response = await call('GET', `/images/${imageId}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { record: Record<string, unknown> }).record;
  }

  const keyOf = (item: Upload, folder: string) =>
    `${folder}${item.imageId}.${item.contentType === 'image/png' ? 'png' : 'jpg'}`;

  beforeAll(async () => {
    target = await startTarget();
    uploads = await allUploads();
    const started = performance.now();
    for (let i = 0; i < uploads.length; i += 4) await Promise.all(uploads.slice(i, i + 4).map(upload));
    // every image reaches completed or failed
    const deadline = Date.now() + target.patienceSeconds * 1000;
    for (const item of uploads) {
      for (;;) {
        const status = (await record(item.imageId as string)).ProcessingStatus;
        if (status === 'completed' || status === 'failed') break;
        if (Date.now() > deadline)
          throw new Error(`${item.name} still ${String(status)} after ${target.patienceSeconds} s`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    await target.whenIdle();
    processingMs = performance.now() - started;
    process.stderr.write(
      `[pet-detector ${name}] ${uploads.length} uploads processed in ${Math.round(processingMs)} ms\n`,
    );
  }, 600_000);

  afterAll(async () => {
    await target?.stop();
  });

  describe(`PetDetector on ${name}`, () => {
    it('files 20+ real photos in the right folder, each with a completed record in the seed schema', async () => {
      const photos = uploads.filter((u) => u.expected !== 'failed');
      expect(photos.length).toBeGreaterThanOrEqual(23);
      for (const item of photos) {
        const rec = await record(item.imageId as string);
        const key = keyOf(item, FOLDER[item.expected as keyof typeof FOLDER]);
        expect(rec, item.name).toMatchObject({
          ImageID: item.imageId,
          DetectedAnimal: item.expected,
          ProcessingStatus: 'completed',
          S3Location: `s3://${target.bucket}/${key}`,
          FileSize: item.bytes.length,
          ImageFormat: item.contentType === 'image/png' ? 'png' : 'jpg',
          Uncertain: item.uncertain ?? false,
        });
        expect(typeof rec.ConfidenceScore).toBe('number');
        expect(Date.parse(rec.Timestamp as string)).not.toBeNaN();
        // moved: there now, with its bytes
        const head = await target.s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }));
        expect(head.ContentLength).toBe(item.bytes.length);
      }
      // and gone from input/: only the failed upload stays there
      const input = await target.s3.send(
        new ListObjectsV2Command({ Bucket: target.bucket, Prefix: 'input/' }),
      );
      const failed = uploads.find((u) => u.expected === 'failed') as Upload;
      expect((input.Contents ?? []).map((o) => o.Key)).toEqual([keyOf(failed, 'input/')]);
    });

    it('gives a presigned GET of where an image lies now, and an upload URL only for the declared type and size', async () => {
      const item = uploads.find((u) => u.expected === 'cat') as Upload;
      const response = await call('GET', `/images/${item.imageId}`);
      const body = (await response.json()) as { download: { url: string } };
      expect(new URL(body.download.url).pathname).toContain(`/cats/${item.imageId}`);
      const download = await fetch(target.reachable?.(body.download.url) ?? body.download.url);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer())).toEqual(item.bytes);

      const created = await call('POST', '/uploads', { contentType: 'image/png', sizeBytes: 10 });
      const upload = ((await created.json()) as { upload: { url: string } }).upload;
      const url = target.reachable?.(upload.url) ?? upload.url;
      const wrongSize = await fetch(url, {
        method: 'PUT',
        body: Buffer.alloc(20),
        headers: { 'content-type': 'image/png' },
      });
      const wrongType = await fetch(url, {
        method: 'PUT',
        body: Buffer.alloc(10),
        headers: { 'content-type': 'image/gif' },
      });
      if (target.name === 'LocalStack') return; // LocalStack does not check S3 signatures by default
      expect(wrongSize.status).toBe(403);
      expect(await wrongSize.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
      expect(wrongType.status).toBe(403);
    });

    it('alerts on the uncertain one (others/ + an alert from the topic), and on no other', async () => {
      const uncertain = uploads.find((u) => u.uncertain) as Upload;
      const rec = await record(uncertain.imageId as string);
      expect(rec).toMatchObject({ DetectedAnimal: 'other', BestGuess: 'cat', Uncertain: true });
      const alerts = await target.alerts();
      expect(alerts.map((a) => a.subject)).toEqual([`Uncertain classification: ${uncertain.imageId}`]);
      expect(alerts[0]?.body).toContain(`s3://${target.bucket}/${keyOf(uncertain, 'others/')}`);
    });

    it('ends a non-image `failed` with its error, after the workflow caught it', async () => {
      const failed = uploads.find((u) => u.expected === 'failed') as Upload;
      const rec = await record(failed.imageId as string);
      expect(rec).toMatchObject({
        ProcessingStatus: 'failed',
        Error: 'InvalidImage',
        ErrorCause: expect.stringMatching(/not a JPEG or PNG image/),
        S3Location: `s3://${target.bucket}/${keyOf(failed, 'input/')}`,
      });
      const executions = await target.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: target.stateMachineArn, statusFilter: 'FAILED' }),
      );
      expect(executions.executions?.length).toBe(1);
    });

    it('does not duplicate anything when S3 delivers an event twice', async () => {
      const list = async () =>
        (await target.sfn.send(new ListExecutionsCommand({ stateMachineArn: target.stateMachineArn })))
          .executions ?? [];
      const records = async () =>
        (await target.db.send(new ScanCommand({ TableName: target.detectionTable }))).Items ?? [];
      const [executionsBefore, recordsBefore] = [await list(), await records()];
      expect(executionsBefore.length).toBe(uploads.length);
      // one record per upload (the type/size test above left one more, still `uploading`)
      expect(recordsBefore.filter((r) => r.ProcessingStatus !== 'uploading').length).toBe(uploads.length);
      // the first upload's event, rebuilt from the version S3 kept when the object was moved away
      const first = uploads[0] as Upload;
      const key = keyOf(first, 'input/');
      const versions = await target.s3.send(
        new ListObjectVersionsCommand({ Bucket: target.bucket, Prefix: key }),
      );
      const version = versions.Versions?.find((v) => v.Key === key);
      expect(version?.VersionId).toBeDefined();
      const record = {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: target.bucket },
          object: {
            key,
            size: version?.Size,
            versionId: version?.VersionId,
            sequencer: '0055AED6DCD90281E5',
          },
        },
      };
      await target.deliverS3Event({ Records: [record, record] });
      await target.whenIdle();
      expect((await list()).length).toBe(executionsBefore.length);
      expect((await records()).length).toBe(recordsBefore.length);
    });

    it('lists by label through the index, in pages', async () => {
      const seen: string[] = [];
      let next: string | undefined;
      do {
        const response = await call('GET', `/images?label=other&limit=4${next ? `&next=${next}` : ''}`);
        expect(response.status).toBe(200);
        const page = (await response.json()) as { items: { ImageID: string }[]; next?: string };
        expect(page.items.length).toBeLessThanOrEqual(4);
        seen.push(...page.items.map((i) => i.ImageID));
        next = page.next;
      } while (next);
      const others = uploads.filter((u) => u.expected === 'other').map((u) => u.imageId as string);
      expect([...seen].sort()).toEqual([...others].sort());
    });

    it('keeps per-label counts from the table stream', async () => {
      const expected = (label: string) => uploads.filter((u) => u.expected === label).length;
      for (const label of ['cat', 'dog', 'other', 'failed']) {
        const item = await target.db.send(
          new GetCommand({ TableName: target.countsTable, Key: { Label: label } }),
        );
        expect(item.Item?.Count, label).toBe(expected(label));
      }
    });

    it('answers bad requests with 4xx JSON naming the field, and 403 without a key', async () => {
      const gif = await call('POST', '/uploads', { contentType: 'image/gif', sizeBytes: 10 });
      expect(gif.status).toBe(400);
      const big = await call('POST', '/uploads', { contentType: 'image/png', sizeBytes: 6 * 1024 * 1024 });
      // the model's maximum refuses it at the gateway, before the function (which would answer 413)
      expect(big.status).toBe(400);
      expect(await big.json()).toEqual({ message: 'Invalid request body' });
      expect((await call('GET', '/images/no-such-image')).status).toBe(404);
      const horse = await call('GET', '/images?label=horse');
      expect(horse.status).toBe(400);
      expect(((await horse.json()) as { error: string }).error).toMatch(/^label:/);
      expect((await call('GET', '/images?label=cat', undefined, null)).status).toBe(403);
    });
  });
}
