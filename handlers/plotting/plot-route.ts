import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { renderChart } from '../chart/render.ts';
import { chartCacheKey, type LruCache, quantisedNow } from './chart-cache.ts';
import type { HistoryReader } from './history-reader.ts';
import type { PlotRequest } from './request.ts';
import { errorResponse, jsonResponse, pngResponse } from './responses.ts';

/** What the cache keeps of an answer: the body as API Gateway wants it, and its own headers. */
export interface CachedAnswer {
  readonly body: string;
  readonly format: 'png' | 'json';
  readonly location: string;
}

export interface PlotRouteDeps {
  readonly history: HistoryReader;
  readonly s3: S3Client;
  readonly chartBucket: string;
  readonly cache: LruCache<CachedAnswer>;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * GET /plot once validated: one query of the bucket's newest point gives its revision; an answer for
 * (bucket, series, window, end, size, format, revision) is served from this environment's memory, or
 * for a PNG from the chart bucket (written by whichever environment drew it first); else the window
 * is read, drawn, stored in the chart bucket and kept in memory.
 */
export async function servePlot(deps: PlotRouteDeps, request: PlotRequest): Promise<APIGatewayProxyResult> {
  const { bucket, windowSeconds, format, series, width, height } = request;
  const queryStarted = performance.now();
  const latest = await deps.history.latest(bucket);
  if (latest === undefined) {
    return errorResponse(
      400,
      `query parameter "bucket": bucket "${bucket}" is not tracked (no size history exists for it)`,
    );
  }
  const endMs = request.endMs ?? quantisedNow((deps.now ?? Date.now)(), windowSeconds);
  const key = chartCacheKey({ ...request, endMs, revision: latest.revision });
  const cached = deps.cache.get(key);
  if (cached) {
    deps.metrics.addMetric('ChartCacheHit', MetricUnit.Count, 1);
    return answer(cached, {
      'x-chart-cache': 'hit',
      'x-chart-cache-tier': 'memory',
      'x-query-ms': (performance.now() - queryStarted).toFixed(1),
      'x-render-ms': '0.0',
      'x-chart-location': cached.location,
    });
  }
  const objectKey = `charts/${bucket}/${new Date(endMs).toISOString()}-${windowSeconds}s-${series}-${width}x${height}-r${latest.revision}.png`;
  const location = `s3://${deps.chartBucket}/${objectKey}`;
  // JSON answers are kept in memory only; a PNG may already be in the chart bucket
  const stored = format === 'png' ? await storedChart(deps, objectKey) : undefined;
  if (stored) {
    const fromBucket: CachedAnswer = { body: stored.toString('base64'), format, location };
    deps.cache.set(key, fromBucket, fromBucket.body.length * 2);
    deps.metrics.addMetric('ChartCacheHit', MetricUnit.Count, 1);
    return answer(fromBucket, {
      'x-chart-cache': 'hit',
      'x-chart-cache-tier': 'bucket',
      'x-query-ms': (performance.now() - queryStarted).toFixed(1),
      'x-render-ms': '0.0',
      'x-chart-location': location,
    });
  }
  deps.metrics.addMetric('ChartCacheMiss', MetricUnit.Count, 1);

  const startMs = endMs - windowSeconds * 1000;
  const [maxSizeBytes, window] = await Promise.all([
    deps.history.maxSize(bucket),
    deps.history.window(bucket, startMs, endMs, series),
  ]);
  const { points, resolution } = window;
  const queryMs = performance.now() - queryStarted;

  const renderStarted = performance.now();
  const png = renderChart(points, {
    bucket,
    windowSeconds,
    startMs,
    endMs,
    maxSizeBytes: maxSizeBytes ?? null,
    series,
    width,
    height,
  });
  const renderMs = performance.now() - renderStarted;

  await deps.s3.send(
    new PutObjectCommand({ Bucket: deps.chartBucket, Key: objectKey, Body: png, ContentType: 'image/png' }),
  );

  deps.metrics.addMetric('RenderTime', MetricUnit.Milliseconds, renderMs);
  deps.metrics.addMetric('QueryTime', MetricUnit.Milliseconds, queryMs);
  deps.metrics.addMetric('PointsPlotted', MetricUnit.Count, points.length);
  deps.logger.info('chart rendered', {
    bucket,
    windowSeconds,
    revision: latest.revision,
    points: points.length,
    renderMs,
    queryMs,
    location,
  });

  const body =
    format === 'png'
      ? png.toString('base64')
      : JSON.stringify({
          bucket,
          windowSeconds,
          start: new Date(startMs).toISOString(),
          end: new Date(endMs).toISOString(),
          series,
          revision: latest.revision,
          // The largest current total the tracker committed (see the README: not always a size the bucket had).
          maxSizeBytes,
          resolution: resolution === 'raw' ? 'raw' : `${resolution}s`,
          points: points.map((p) => ({
            time: new Date(p.timeMs).toISOString(),
            sizeBytes: p.sizeBytes,
            objectCount: p.objectCount,
            storedBytes: p.storedBytes ?? p.sizeBytes,
            storedVersions: p.storedVersions ?? p.objectCount,
          })),
          chart: { bucket: deps.chartBucket, key: objectKey, location },
        });
  const fresh: CachedAnswer = { body, format, location };
  // a JS string costs about 2 bytes a character
  deps.cache.set(key, fresh, body.length * 2);
  return answer(fresh, {
    'x-chart-cache': 'miss',
    'x-render-ms': renderMs.toFixed(1),
    'x-query-ms': queryMs.toFixed(1),
    'x-chart-location': location,
  });
}

/**
 * The PNG another environment (or this one before a cold start) drew for the same key, or undefined.
 * Without s3:ListBucket, S3 answers a missing key with 403 rather than 404: both mean "not drawn yet".
 */
async function storedChart(deps: PlotRouteDeps, objectKey: string): Promise<Buffer | undefined> {
  try {
    const out = await deps.s3.send(new GetObjectCommand({ Bucket: deps.chartBucket, Key: objectKey }));
    return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
  } catch (err) {
    const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
    if (status === 404 || status === 403) return undefined;
    throw err;
  }
}

function answer(cached: CachedAnswer, headers: Record<string, string>): APIGatewayProxyResult {
  if (cached.format === 'json') return { ...jsonResponse(200, {}, headers), body: cached.body };
  return { ...pngResponse(Buffer.alloc(0), headers), body: cached.body };
}
