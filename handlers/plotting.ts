import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { renderChart } from './chart/render.ts';
import { HistoryReader } from './plotting/history-reader.ts';
import { parsePlotRequest } from './plotting/request.ts';
import { errorResponse, jsonResponse, pngResponse } from './plotting/responses.ts';
import { documentClient, s3Client } from './shared/clients.ts';
import { requireEnv } from './shared/env.ts';
import { flushMetrics, observability } from './shared/observability.ts';
import { ENV } from './shared/schema.ts';

const { logger, metrics } = observability('plotting');
const trackedBucket = requireEnv(ENV.trackedBucket);
const chartBucket = requireEnv(ENV.chartBucket);
const history = new HistoryReader(documentClient(), requireEnv(ENV.historyTable));
const s3 = s3Client();

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const found = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return found?.[1] ?? undefined;
}

/**
 * GET /plot?window=<seconds>[&bucket=<name>][&end=<time>][&format=json][&series=current|stored|both]:
 * a bucket's size history as a PNG chart (JSON carries both series whatever `series` says).
 */
export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  try {
    if (event.httpMethod && event.httpMethod !== 'GET')
      return errorResponse(405, `method ${event.httpMethod} is not allowed: use GET`);
    const parsed = parsePlotRequest(
      event.queryStringParameters,
      header(event, 'accept'),
      trackedBucket,
      event.multiValueQueryStringParameters,
    );
    if (!parsed.ok) return errorResponse(400, parsed.error);
    const { bucket, windowSeconds, format, series } = parsed.request;

    const queryStarted = performance.now();
    const maxSizeBytes = await history.maxSize(bucket);
    if (maxSizeBytes === undefined) {
      return errorResponse(
        400,
        `query parameter "bucket": bucket "${bucket}" is not tracked (no size history exists for it)`,
      );
    }
    const endMs = parsed.request.endMs ?? Date.now();
    const startMs = endMs - windowSeconds * 1000;
    const { points, resolution } = await history.window(bucket, startMs, endMs, series);
    const queryMs = performance.now() - queryStarted;

    const renderStarted = performance.now();
    const png = renderChart(points, { bucket, windowSeconds, startMs, endMs, maxSizeBytes, series });
    const renderMs = performance.now() - renderStarted;

    const key = `charts/${bucket}/${new Date(endMs).toISOString()}-${windowSeconds}s-${series}.png`;
    await s3.send(
      new PutObjectCommand({ Bucket: chartBucket, Key: key, Body: png, ContentType: 'image/png' }),
    );
    const location = `s3://${chartBucket}/${key}`;

    metrics.addMetric('RenderTime', MetricUnit.Milliseconds, renderMs);
    metrics.addMetric('QueryTime', MetricUnit.Milliseconds, queryMs);
    metrics.addMetric('PointsPlotted', MetricUnit.Count, points.length);
    logger.info('chart rendered', {
      bucket,
      windowSeconds,
      points: points.length,
      renderMs,
      queryMs,
      location,
    });

    const timing = {
      'x-render-ms': renderMs.toFixed(1),
      'x-query-ms': queryMs.toFixed(1),
      'x-chart-location': location,
    };
    if (format === 'png') return pngResponse(png, timing);
    return jsonResponse(
      200,
      {
        bucket,
        windowSeconds,
        start: new Date(startMs).toISOString(),
        end: new Date(endMs).toISOString(),
        series,
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
        chart: { bucket: chartBucket, key, location },
      },
      timing,
    );
  } catch (err) {
    logger.error('plot failed', { error: err as Error });
    return errorResponse(
      500,
      `the chart could not be produced; see the function logs for request id ${context.awsRequestId}`,
    );
  } finally {
    flushMetrics(metrics);
  }
}
