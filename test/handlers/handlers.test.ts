import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, S3Event } from 'aws-lambda';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EmbeddedS3, startS3Server } from '../../emulator/s3/server.ts';
import { renderChart } from '../../handlers/chart/render.ts';
import type { SizePoint } from '../../handlers/chart/types.ts';
import type { DriverSummary } from '../../handlers/driver.ts';
import { seedHistory } from '../../integration/support/seed-history.ts';
import {
  createBucket,
  createTables,
  documentClient,
  dynamodbEndpoint,
  s3Client,
  type TestTables,
} from '../support/aws.ts';
import { readHistory } from '../support/history.ts';
import { appFunctionEnvironment, lambdaContext } from '../support/lambda.ts';
import { expectSimilarPngs } from '../support/png-golden.ts';

const outputDir = fileURLToPath(new URL('./__output__/', import.meta.url));

import { s3Record } from '../support/s3-events.ts';

type Handler<E, R> = (event: E, context: ReturnType<typeof lambdaContext>) => Promise<R>;

let s3Server: EmbeddedS3;
let s3: S3Client;
let db: DynamoDBDocumentClient;
let tables: TestTables;
let trackedBucket: string;
let chartBucket: string;
let trackHandler: Handler<S3Event, { applied: number; skipped: number }>;
let plotHandler: Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;
let plotApi: Server;

function plotRequest(
  query: Record<string, string> | null,
  headers: Record<string, string> = {},
): APIGatewayProxyEvent {
  return {
    httpMethod: 'GET',
    path: '/plot',
    resource: '/plot',
    headers,
    queryStringParameters: query,
  } as unknown as APIGatewayProxyEvent;
}

let restoreEnvironment: (() => void) | undefined;

beforeAll(async () => {
  s3Server = await startS3Server();
  s3 = s3Client(s3Server.endpoint);
  db = documentClient();
  tables = await createTables();
  trackedBucket = await createBucket(s3, 'tracked');
  chartBucket = await createBucket(s3, 'charts');
  restoreEnvironment = appFunctionEnvironment(
    { s3: s3Server.endpoint, dynamodb: dynamodbEndpoint() },
    { tables, trackedBucket: trackedBucket, chartBucket: chartBucket },
  );
  trackHandler = (await import('../../handlers/size-tracking.ts')).handler;
  plotHandler = (await import('../../handlers/plotting.ts')).handler;

  // The plot API for the driver: the real plotting handler behind a plain HTTP adapter.
  plotApi = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const result = await plotHandler(
      plotRequest(Object.fromEntries(url.searchParams), { accept: req.headers.accept ?? '*/*' }),
      lambdaContext('plot'),
    );
    res.writeHead(result.statusCode, result.headers as Record<string, string>);
    res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
  });
  await new Promise<void>((resolve) => plotApi.listen(0, '127.0.0.1', resolve));
  process.env.PLOT_API_URL = `http://127.0.0.1:${(plotApi.address() as AddressInfo).port}/dev/plot`;
  process.env.DRIVER_PAUSE_MS = '0';
});

afterAll(async () => {
  restoreEnvironment?.();
  plotApi?.close();
  await s3Server?.stop();
});

describe('size-tracking handler', () => {
  it('applies URL-encoded keys, skips duplicates and non-object events, and logs and emits metrics', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    const put = s3Record(trackedBucket, 'photos/été 2026+final.jpg', 'ObjectCreated:Put', {
      size: 1234,
      sequencer: '10',
    });
    const event = { Records: [put, put, s3Record(trackedBucket, 'x', 'LifecycleTransition')] } as S3Event;
    let result: { applied: number; skipped: number };
    try {
      result = await trackHandler(event, lambdaContext('tracker'));
    } finally {
      spy.mockRestore();
    }
    expect(result).toEqual({ applied: 1, skipped: 2 });
    expect(put.s3.object.key).toBe('photos/%C3%A9t%C3%A9+2026%2Bfinal.jpg');
    const history = await readHistory(db, tables.history, trackedBucket);
    expect(history).toMatchObject([{ sizeBytes: 1234, objectCount: 1 }]);

    const lines = writes
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((l) => l.message === 'event applied')).toMatchObject({
      level: 'INFO',
      service: 'size-tracking',
      key: 'photos/été 2026+final.jpg',
    });
    const emf = lines.find((l) => l._aws !== undefined && 'EventsApplied' in l) as Record<string, unknown>;
    expect(emf).toMatchObject({
      EventsApplied: 1,
      DuplicatesSkipped: 1,
      RecordsIgnored: 1,
      BytesDelta: 1234,
    });
    // the bucket's totals, per bucket, for the dashboard (a metric set of their own)
    expect(lines.find((l) => l._aws !== undefined && 'CurrentBytes' in l)).toMatchObject({
      Bucket: trackedBucket,
      CurrentBytes: 1234,
      StoredBytes: 1234,
      ObjectCount: 1,
    });
  });
});

describe('plotting handler', () => {
  it('returns the chart as base64 PNG and stores it in the chart bucket', async () => {
    const result = await plotHandler(plotRequest({ window: '600' }), lambdaContext('plot'));
    expect(result).toMatchObject({
      statusCode: 200,
      isBase64Encoded: true,
      headers: { 'content-type': 'image/png' },
    });
    const png = PNG.sync.read(Buffer.from(result.body, 'base64'));
    expect([png.width, png.height]).toEqual([800, 450]);
    const location = String(result.headers?.['x-chart-location']);
    expect(location).toMatch(new RegExp(`^s3://${chartBucket}/charts/${trackedBucket}/`));
    const stored = await s3.send(
      new GetObjectCommand({ Bucket: chartBucket, Key: location.replace(`s3://${chartBucket}/`, '') }),
    );
    expect(
      Buffer.from((await stored.Body?.transformToByteArray()) ?? []).equals(
        Buffer.from(result.body, 'base64'),
      ),
    ).toBe(true);
  });

  it('returns the series and the stored chart as JSON on request', async () => {
    const result = await plotHandler(plotRequest({ window: '600', format: 'json' }), lambdaContext('plot'));
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body);
    expect(body).toMatchObject({
      bucket: trackedBucket,
      windowSeconds: 600,
      maxSizeBytes: 1234,
      chart: { bucket: chartBucket },
    });
    expect(body.points).toEqual([expect.objectContaining({ sizeBytes: 1234, objectCount: 1 })]);
    const viaAccept = await plotHandler(
      plotRequest({ window: '600' }, { Accept: 'application/json' }),
      lambdaContext('plot'),
    );
    expect(viaAccept.headers?.['content-type']).toBe('application/json');
  });

  it.each([
    [null, 'required'],
    [{ window: '-1' }, 'positive number'],
    [{ window: 'ten' }, 'positive number'],
    [{ window: '99999999999' }, 'at most'],
    [{ window: '60', bucket: 'never-tracked-bucket' }, 'not tracked'],
    [{ window: '60', bucket: 'NOT A BUCKET' }, 'not a valid S3 bucket name'],
  ])('answers %j with 400 and a JSON error', async (query, message) => {
    const result = await plotHandler(plotRequest(query), lambdaContext('plot'));
    expect(result.statusCode).toBe(400);
    expect(result.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(result.body).error).toContain(message);
  });

  it('reads bounded roll-ups for a long history and draws the chart all its points would give', async () => {
    const bucket = 'long-history-bucket';
    const endMs = Date.UTC(2026, 5, 1);
    const points: SizePoint[] = [];
    let size = 50 * 1024 * 1024;
    for (let i = 0; i < 2000; i++) {
      size = Math.max(0, size + Math.round(Math.sin(i / 7) * 40_000 + ((i * 7919) % 101) * 1000 - 50_000));
      points.push({ timeMs: endMs - 3_600_000 + i * 1_800, sizeBytes: size, objectCount: 100 + (i % 50) });
    }
    await seedHistory(db, tables, bucket, points);

    const query = { window: '3600', bucket, end: new Date(endMs).toISOString() };
    const json = JSON.parse(
      (await plotHandler(plotRequest({ ...query, format: 'json' }), lambdaContext('plot'))).body,
    );
    expect(json.resolution).toBe('10s');
    expect(json.points.length).toBeLessThanOrEqual(4 * 360);
    expect(json.points.length).toBeLessThan(points.length);
    const maxSizeBytes = Math.max(...points.map((pt) => pt.sizeBytes));
    expect(json.maxSizeBytes).toBe(maxSizeBytes);

    const png = await plotHandler(plotRequest(query), lambdaContext('plot'));
    const fromAllPoints = renderChart(points, {
      bucket,
      windowSeconds: 3600,
      startMs: endMs - 3_600_000,
      endMs,
      maxSizeBytes,
    });
    expectSimilarPngs('rollups-vs-all-points', fromAllPoints, Buffer.from(png.body, 'base64'), outputDir);
  });

  it('answers other methods with 405', async () => {
    const result = await plotHandler(
      { ...plotRequest({ window: '60' }), httpMethod: 'POST' },
      lambdaContext('plot'),
    );
    expect(result.statusCode).toBe(405);
  });
});

describe('driver handler', () => {
  it('plays the seed scenario against S3, then fetches the chart from the plot API', async () => {
    const driver = (await import('../../handlers/driver.ts')).handler;
    // Feed the tracker what S3 sends for the driver's writes, as the bucket notification would.
    const unsubscribe = s3Server.onEvent((record) => {
      if (record.s3.bucket.name === trackedBucket)
        void trackHandler({ Records: [record] } as S3Event, lambdaContext('tracker'));
    });
    const summary = (await driver(
      { pauseMs: 300, windowSeconds: 120 },
      lambdaContext('driver'),
    )) as DriverSummary;
    unsubscribe();
    expect(summary.steps.map((s) => [s.action, s.key, s.bytes])).toEqual([
      ['put', 'assignment1.txt', 18],
      ['put', 'assignment1.txt', 27],
      ['delete', 'assignment1.txt', 0],
      ['put', 'assignment2.txt', 2],
    ]);
    expect(summary.plot).toMatchObject({ status: 200, contentType: 'image/png' });
    expect(summary.plot.bytes).toBeGreaterThan(1000);
    const history = await readHistory(db, tables.history, trackedBucket);
    expect(history.slice(-4).map((p) => p.sizeBytes)).toEqual([1234 + 18, 1234 + 27, 1234, 1234 + 2]);
  });
});
