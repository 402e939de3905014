// The plotting handler's chart cache, in-process against DynamoDB Local and the embedded S3: a repeated
// view is a hit, a new history point (a new revision) makes it a miss, other windows, series, sizes
// and buckets are other entries; and the page and GET /buckets routes of the same function.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EmbeddedS3, startS3Server } from '../../emulator/s3/server.ts';
import { pointItem } from '../../handlers/tracking/history-items.ts';
import { seedHistory } from '../../integration/support/seed-history.ts';
import {
  createBucket,
  createTables,
  documentClient,
  dynamodbEndpoint,
  s3Client,
  type TestTables,
} from '../support/aws.ts';
import { appFunctionEnvironment, lambdaContext } from '../support/lambda.ts';

type PlotHandler = (event: APIGatewayProxyEvent, context: unknown) => Promise<APIGatewayProxyResult>;

let s3Server: EmbeddedS3;
let tables: TestTables;
let tracked: string;
let plot: PlotHandler;
const db = () => documentClient();
const now = Date.now();
// an explicit end is its own key: these views do not depend on when "now" steps on (a loaded machine)
const end = String(now + 600_000);

function get(resource: string, query: Record<string, string> | null = null): Promise<APIGatewayProxyResult> {
  return plot(
    { httpMethod: 'GET', resource, path: resource, headers: {}, queryStringParameters: query } as never,
    lambdaContext('plot'),
  );
}

async function cacheState(query: Record<string, string>): Promise<string | undefined> {
  const result = await get('/plot', query);
  expect(result.statusCode).toBe(200);
  return result.headers?.['x-chart-cache'] as string | undefined;
}

let restoreEnvironment: (() => void) | undefined;

beforeAll(async () => {
  s3Server = await startS3Server();
  const s3 = s3Client(s3Server.endpoint);
  tables = await createTables();
  tracked = await createBucket(s3, 'tracked');
  const chartBucket = await createBucket(s3, 'charts');
  restoreEnvironment = appFunctionEnvironment(
    { s3: s3Server.endpoint, dynamodb: dynamodbEndpoint() },
    { tables, trackedBucket: tracked, chartBucket: chartBucket },
  );
  await seedHistory(db(), tables, tracked, [
    { timeMs: now - 120_000, sizeBytes: 100, objectCount: 1 },
    { timeMs: now - 60_000, sizeBytes: 300, objectCount: 2, storedBytes: 500, storedVersions: 3 },
  ]);
  await seedHistory(db(), tables, 'other-bucket', [{ timeMs: now - 30_000, sizeBytes: 7, objectCount: 1 }]);
  plot = (await import('../../handlers/plotting.ts')).handler as PlotHandler;
});

afterAll(async () => {
  restoreEnvironment?.();
  await s3Server?.stop();
});

describe('chart cache', () => {
  it('serves a repeated view from the cache, the same bytes, without rendering', async () => {
    const first = await get('/plot', { end, window: '600' });
    const second = await get('/plot', { end, window: '600' });
    expect(first.headers?.['x-chart-cache']).toBe('miss');
    expect(second.headers).toMatchObject({
      'x-chart-cache': 'hit',
      'x-chart-cache-tier': 'memory',
      'x-render-ms': '0.0',
      'content-type': 'image/png',
    });
    expect(second.body).toBe(first.body);
    expect(second.headers?.['x-chart-location']).toBe(first.headers?.['x-chart-location']);
  });

  it('keeps other windows, series, sizes, formats and buckets apart', async () => {
    const views: Record<string, string>[] = [
      { end, window: '900' },
      { end, window: '900', series: 'both' },
      { end, window: '900', size: '600x300' },
      { end, window: '900', format: 'json' },
      { end, window: '900', bucket: 'other-bucket' },
    ];
    for (const view of views) expect(await cacheState(view)).toBe('miss');
    for (const view of views) expect(await cacheState(view)).toBe('hit');
  });

  it('misses after a new history point (a new revision), and the new chart has the point', async () => {
    await cacheState({ end, window: '600', format: 'json' });
    expect(await cacheState({ end, window: '600', format: 'json' })).toBe('hit');
    // what the tracker commits for an upload: the next revision's point
    await db().send(
      new PutCommand({
        TableName: tables.history,
        Item: pointItem(tracked, {
          timeMs: Date.now(),
          sizeBytes: 999,
          objectCount: 3,
          revision: 3,
          cause: 'ObjectCreated:Put',
        }),
      }),
    );
    const after = await get('/plot', { end, window: '600', format: 'json' });
    expect(after.headers?.['x-chart-cache']).toBe('miss');
    const body = JSON.parse(after.body);
    expect(body.revision).toBe(3);
    expect(body.points.at(-1)).toMatchObject({ sizeBytes: 999, objectCount: 3 });
    expect(await cacheState({ end, window: '600', format: 'json' })).toBe('hit');
  });

  it('serves a PNG another environment drew from the chart bucket, never a JSON answer', async () => {
    const drawn = await get('/plot', { end, window: '3000', series: 'both' });
    await get('/plot', { end, window: '3000', format: 'json' });
    // a second execution environment: the same code loaded again, with an empty memory
    vi.resetModules();
    const other = (await import('../../handlers/plotting.ts')).handler as PlotHandler;
    const call = (query: Record<string, string>) =>
      other(
        { httpMethod: 'GET', resource: '/plot', headers: {}, queryStringParameters: query } as never,
        lambdaContext('plot'),
      );
    const fromBucket = await call({ end, window: '3000', series: 'both' });
    expect(fromBucket.headers).toMatchObject({ 'x-chart-cache': 'hit', 'x-chart-cache-tier': 'bucket' });
    expect(fromBucket.body).toBe(drawn.body);
    expect((await call({ end, window: '3000', series: 'both' })).headers?.['x-chart-cache-tier']).toBe(
      'memory',
    );
    expect((await call({ end, window: '3000', format: 'json' })).headers?.['x-chart-cache']).toBe('miss');
  });

  it('shares "now" views within a step and moves on after it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Math.ceil(Date.now() / 5000) * 5000 + 1000);
      expect(await cacheState({ window: '60' })).toBe('miss');
      vi.advanceTimersByTime(2000);
      expect(await cacheState({ window: '60' })).toBe('hit');
      vi.advanceTimersByTime(5000);
      expect(await cacheState({ window: '60' })).toBe('miss');
    } finally {
      vi.useRealTimers();
    }
  });

  it('emits ChartCacheHit and ChartCacheMiss as EMF metrics', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      await get('/plot', { end, window: '1200' });
      await get('/plot', { end, window: '1200' });
    } finally {
      spy.mockRestore();
    }
    const emf = writes
      .join('')
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf.some((m) => m.ChartCacheMiss === 1)).toBe(true);
    expect(emf.some((m) => m.ChartCacheHit === 1)).toBe(true);
  });
});

describe('dashboard routes', () => {
  it('lists the tracked bucket and named buckets with their totals', async () => {
    const result = await get('/buckets', { names: 'other-bucket,never-seen-bucket' });
    expect(result.statusCode).toBe(200);
    const { buckets } = JSON.parse(result.body);
    expect(buckets.map((b: { bucket: string }) => b.bucket)).toEqual([
      tracked,
      'other-bucket',
      'never-seen-bucket',
    ]);
    expect(buckets[0]).toMatchObject({
      tracked: true,
      totals: { currentBytes: 999, objectCount: 3, revision: 3 },
    });
    expect(buckets[1]).toMatchObject({
      tracked: false,
      totals: { currentBytes: 7, storedBytes: 7, revision: 1 },
    });
    expect(buckets[2]).toEqual({ bucket: 'never-seen-bucket', tracked: false });
  });

  it.each([
    [{ names: 'NOT A BUCKET' }, 'comma-separated S3 bucket names'],
    [{ names: Array.from({ length: 11 }, (_, i) => `bucket-${i}`).join(',') }, 'at most 10'],
  ])('answers GET /buckets?%j with 400 naming "names"', async (query, message) => {
    const result = await get('/buckets', query);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error).toMatch(new RegExp(`query parameter "names".*${message}`));
  });

  it('serves the page, its script and its style, with a same-origin content policy', async () => {
    const page = await get('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script type="module" src="app.js"></script>');
    expect(page.headers?.['content-security-policy']).toContain("script-src 'self'");
    expect((await get('/app.js')).headers?.['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/app.css')).body).toContain('.card');
  });
});
