/**
 * The PetDetector end to end on the embedded cloud: real photos through the API (POST /uploads, then
 * the presigned PUT), the S3 event on input/, the Step Functions workflow (embedded Rekognition with
 * the local model, DynamoDB, S3 moves, SNS), the records read back through the API.
 *
 * 22 labelled photos (test/fixtures/pets) + 1 composite made here (a kitten beside a dog: the model is
 * unsure, so it must land in others/ with an alert) + 1 text file (must end `failed`), then a
 * duplicated S3 event. Wall time: dominated by inference, one image at a time in the Rekognition
 * process (~0.3 s each on an idle machine, 1-2 s on a loaded one).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createCanvas, loadImage } from 'canvas';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../emulator/local-cloud.ts';
import type { S3EventRecord } from '../emulator/s3/server.ts';
import { apiKeyValueAt } from './targets/api-key.ts';
import { ensurePetAssembly } from './targets/pet-assembly.ts';

const PHOTOS = join(import.meta.dirname, '..', 'test', 'fixtures', 'pets');
const REVIEWER = 'reviewer@example.com';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

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

let cloud: LocalCloud;
let api: string;
let apiKey: string;
let bucket: string;
let detectionTable: string;
let countsTable: string;
let stateMachineArn: string;
let s3: S3Client;
let db: DynamoDBDocumentClient;
let sfn: SFNClient;
const s3Records: S3EventRecord[] = [];
const uploads: Upload[] = [];
let processingMs = 0;

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

const call = (method: string, path: string, body?: unknown, key: string | null = apiKey) =>
  fetch(`${api}${path}`, {
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
  const put = await fetch(body.upload.url, {
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

beforeAll(async () => {
  const assemblyDir = await ensurePetAssembly();
  cloud = await startLocalCloud({
    assemblyDir,
    stateDir: null,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    log: () => {},
  });
  cloud.onS3Event((record) => s3Records.push(record));
  const outputs = Object.assign({}, ...Object.values(cloud.outputs)) as Record<string, string>;
  api = (outputs.ApiUrl as string).replace(/\/$/, '');
  bucket = outputs.ImagesBucketName as string;
  detectionTable = outputs.DetectionTableName as string;
  countsTable = outputs.LabelCountsTableName as string;
  stateMachineArn = outputs.StateMachineArn as string;
  apiKey = await apiKeyValueAt(cloud.endpoints.api, cloud.region, outputs.ApiKeyId as string);
  const region = cloud.region;
  s3 = new S3Client({ endpoint: cloud.endpoints.s3, region, credentials, forcePathStyle: true });
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: cloud.endpoints.dynamodb, region, credentials }),
  );
  sfn = new SFNClient({ endpoint: cloud.endpoints.sfn, region, credentials });
  const sns = new SNSClient({ endpoint: cloud.endpoints.sns, region, credentials });
  await sns.send(
    new SubscribeCommand({ TopicArn: outputs.AlertTopicArn, Protocol: 'email', Endpoint: REVIEWER }),
  );
  sns.destroy();

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
    bytes: Buffer.from('This is a text file with a .jpg name, not an image.\n'),
    contentType: 'image/jpeg',
    expected: 'failed',
  });

  const started = performance.now();
  for (let i = 0; i < uploads.length; i += 4) await Promise.all(uploads.slice(i, i + 4).map(upload));
  // every image reaches completed or failed
  const deadline = Date.now() + 240_000;
  for (const item of uploads) {
    for (;;) {
      const status = (await record(item.imageId as string)).ProcessingStatus;
      if (status === 'completed' || status === 'failed') break;
      if (Date.now() > deadline) throw new Error(`${item.name} still ${String(status)} after 240 s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  await cloud.whenIdle();
  processingMs = performance.now() - started;
  process.stderr.write(
    `[pet-detector] ${uploads.length} uploads processed in ${Math.round(processingMs)} ms\n`,
  );
}, 420_000);

afterAll(async () => {
  s3?.destroy();
  db?.destroy();
  sfn?.destroy();
  await cloud?.stop();
});

describe('PetDetector on the embedded cloud', () => {
  it('files 20+ real photos in the right folder, each with a completed record in the seed schema', async () => {
    const photos = uploads.filter((u) => u.expected !== 'failed');
    expect(photos.length).toBeGreaterThanOrEqual(23);
    for (const item of photos) {
      const rec = await record(item.imageId as string);
      const folder = FOLDER[item.expected as keyof typeof FOLDER];
      const key = `${folder}${item.imageId}.${item.contentType === 'image/png' ? 'png' : 'jpg'}`;
      expect(rec, item.name).toMatchObject({
        ImageID: item.imageId,
        DetectedAnimal: item.expected,
        ProcessingStatus: 'completed',
        S3Location: `s3://${bucket}/${key}`,
        FileSize: item.bytes.length,
        ImageFormat: item.contentType === 'image/png' ? 'png' : 'jpg',
        Uncertain: item.uncertain ?? false,
      });
      expect(typeof rec.ConfidenceScore).toBe('number');
      expect(Date.parse(rec.Timestamp as string)).not.toBeNaN();
      // moved: there now, gone from input/
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head.ContentLength).toBe(item.bytes.length);
    }
    const input = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'input/' }));
    // only the failed upload stays in input/
    expect((input.Contents ?? []).map((o) => o.Key)).toEqual([`input/${uploads.at(-1)?.imageId}.jpg`]);
  });

  it('alerts on the uncertain one (others/ + an email in the SNS outbox), and on no other', async () => {
    const uncertain = uploads.filter((u) => u.uncertain);
    const rec = await record(uncertain[0]?.imageId as string);
    expect(rec).toMatchObject({ DetectedAnimal: 'other', BestGuess: 'cat', Uncertain: true });
    const emails = cloud.outbox().filter((e) => e.to === REVIEWER);
    expect(emails.map((e) => e.subject)).toEqual([`Uncertain classification: ${uncertain[0]?.imageId}`]);
    expect(emails[0]?.body).toContain(`s3://${bucket}/others/${uncertain[0]?.imageId}.png`);
  });

  it('ends a non-image `failed` with its error, after the workflow caught it', async () => {
    const failed = uploads.find((u) => u.expected === 'failed') as Upload;
    const rec = await record(failed.imageId as string);
    expect(rec).toMatchObject({
      ProcessingStatus: 'failed',
      Error: 'InvalidImage',
      ErrorCause: expect.stringMatching(/not a JPEG or PNG image/),
      S3Location: `s3://${bucket}/input/${failed.imageId}.jpg`,
    });
    const executions = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'FAILED' }));
    expect(executions.executions?.length).toBe(1);
  });

  it('does not duplicate anything when S3 delivers an event twice', async () => {
    const before = (await db.send(new ScanCommand({ TableName: detectionTable }))).Items ?? [];
    const executionsBefore =
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];
    expect(executionsBefore.length).toBe(uploads.length);
    const first = s3Records.find(
      (r) => r.s3.object.key.startsWith('input/') && r.eventName.startsWith('ObjectCreated:'),
    );
    expect(first).toBeDefined();
    const starter = Object.values(cloud.functions).find((f) =>
      f.logicalId.startsWith('StartWorkflowFunction'),
    );
    await cloud.invoke(starter?.name as string, { Records: [first, first] });
    await cloud.whenIdle();
    const executionsAfter = (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];
    expect(executionsAfter.length).toBe(executionsBefore.length);
    const after = (await db.send(new ScanCommand({ TableName: detectionTable }))).Items ?? [];
    expect(after.length).toBe(before.length);
    expect(after.length).toBe(uploads.length);
  });

  it('lists by label through the index, newest first, in pages', async () => {
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const response = await call('GET', `/images?label=other&limit=4${next ? `&next=${next}` : ''}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        items: { ImageID: string; Timestamp: string }[];
        next?: string;
      };
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((i) => i.ImageID));
      next = page.next;
    } while (next);
    const others = uploads.filter((u) => u.expected === 'other').map((u) => u.imageId as string);
    expect([...seen].sort()).toEqual([...others].sort());
  });

  it('keeps per-label counts from the table stream', async () => {
    const expectCount = (label: string) => uploads.filter((u) => u.expected === label).length;
    for (const label of ['cat', 'dog', 'other', 'failed']) {
      const item = await db.send(new GetCommand({ TableName: countsTable, Key: { Label: label } }));
      expect(item.Item?.Count, label).toBe(expectCount(label));
    }
  });

  it('answers bad requests with 4xx JSON naming the field, and 403 without a key', async () => {
    const gif = await call('POST', '/uploads', { contentType: 'image/gif', sizeBytes: 10 });
    expect(gif.status).toBe(400);
    expect(((await gif.json()) as { error: string }).error).toMatch(/^contentType:/);
    const big = await call('POST', '/uploads', { contentType: 'image/png', sizeBytes: 6 * 1024 * 1024 });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toMatch(/^sizeBytes:/);
    expect((await call('GET', '/images/no-such-image')).status).toBe(404);
    expect((await call('GET', '/images?label=horse')).status).toBe(400);
    expect((await call('GET', '/images?label=cat', undefined, null)).status).toBe(403);
  });

  it('took a reasonable time', () => {
    expect(basename(PHOTOS)).toBe('pets');
    // generous: the 2-core build machines run several suites at once
    expect(processingMs).toBeLessThan(240_000);
  });
});
