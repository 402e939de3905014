import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { AssetServer } from './dashboard/assets.ts';
import { bucketSummary, parseBucketsRequest } from './dashboard/buckets.ts';
import { LruCache } from './plotting/chart-cache.ts';
import { HistoryReader } from './plotting/history-reader.ts';
import { type CachedAnswer, servePlot } from './plotting/plot-route.ts';
import { parsePlotRequest } from './plotting/request.ts';
import { errorResponse, jsonResponse } from './plotting/responses.ts';
import { documentClient, s3Client } from './shared/clients.ts';
import { requireEnv } from './shared/env.ts';
import { flushMetrics, observability } from './shared/observability.ts';
import { ENV } from './shared/schema.ts';

const { logger, metrics } = observability('plotting');
const trackedBucket = requireEnv(ENV.trackedBucket);
const history = new HistoryReader(documentClient(), requireEnv(ENV.historyTable));
/**
 * Rendered answers per execution environment: 256 entries or 48 MiB (a chart is 20-80 KB), far
 * below the function's 1,024 MB. Keyed by the bucket's revision, so never stale (chart-cache.ts).
 */
const cache = new LruCache<CachedAnswer>({ maxEntries: 256, maxBytes: 48 * 1024 * 1024 });
const plotDeps = {
  history,
  s3: s3Client(),
  chartBucket: requireEnv(ENV.chartBucket),
  cache,
  metrics,
  logger,
};
// Beside this file in the sources (handlers/dashboard/public), beside the bundle once synthesized.
const assets = new AssetServer(new URL('./dashboard/public/', import.meta.url));

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const found = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return found?.[1] ?? undefined;
}

/**
 * The plot API:
 * - GET /plot?window=<seconds>[&bucket=<name>][&end=<time>][&format=json][&series=current|stored|both][&size=WxH]:
 *   a bucket's size history as a PNG chart (JSON carries both series whatever `series` says);
 * - GET /buckets[?names=a,b]: the tracked bucket's (and the named buckets') current totals, as JSON;
 * - GET /, /app.js, /app.css: the live dashboard page.
 */
export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  try {
    if (event.httpMethod && event.httpMethod !== 'GET')
      return errorResponse(405, `method ${event.httpMethod} is not allowed: use GET`);
    const resource = event.resource ?? '/plot';
    const page = await assets.serve(resource);
    if (page) return page;
    if (resource === '/buckets') return await serveBuckets(event);
    const parsed = parsePlotRequest(
      event.queryStringParameters,
      header(event, 'accept'),
      trackedBucket,
      event.multiValueQueryStringParameters,
    );
    if (!parsed.ok) return errorResponse(400, parsed.error);
    return await servePlot(plotDeps, parsed.request);
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

async function serveBuckets(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const parsed = parseBucketsRequest(event.queryStringParameters, trackedBucket);
  if (!parsed.ok) return errorResponse(400, parsed.error);
  const latest = await Promise.all(parsed.buckets.map((b) => history.latest(b)));
  return jsonResponse(200, {
    buckets: parsed.buckets.map((b, i) => bucketSummary(b, trackedBucket, latest[i])),
  });
}
