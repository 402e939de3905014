import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { plotApiKey } from './driver/api-key.ts';
import { plotRequestUrl } from './driver/plot-url.ts';
import { DriverRequestError, planFromRequest, type ScenarioStep } from './driver/scenario.ts';
import { s3Client } from './shared/clients.ts';
import { optionalIntEnv, requireEnv } from './shared/env.ts';
import { observability } from './shared/observability.ts';
import { ENV } from './shared/schema.ts';

const { logger } = observability('driver');
const bucket = requireEnv(ENV.trackedBucket);
const plotApiUrl = requireEnv(ENV.plotApiUrl);
const defaultPauseMs = optionalIntEnv(ENV.driverPauseMs, 2000);
const s3 = s3Client();

export interface DriverSummary {
  readonly bucket: string;
  readonly steps: readonly {
    readonly action: string;
    readonly key: string;
    readonly bytes: number;
    readonly at: string;
  }[];
  readonly plot: {
    readonly url: string;
    readonly status: number;
    readonly contentType: string | null;
    readonly bytes: number;
  };
}

async function play(step: ScenarioStep): Promise<void> {
  if (step.action === 'put') {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: step.key, Body: step.body, ContentType: 'text/plain' }),
    );
  } else {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: step.key }));
  }
}

/** What the driver answers to a request it refuses (like an HTTP 400: the message names the field). */
export interface DriverRefusal {
  readonly statusCode: 400;
  readonly error: string;
}

/**
 * Plays a scenario against the tracked bucket, pausing between steps, then asks the plot API for a
 * chart. A bad request is answered with a DriverRefusal, not thrown: it is the caller's mistake,
 * not the function's failure (so no retry, no stack trace).
 */
export async function handler(event: unknown, context: Context): Promise<DriverSummary | DriverRefusal> {
  logger.addContext(context);
  let plan: ReturnType<typeof planFromRequest>;
  try {
    plan = planFromRequest(event, defaultPauseMs);
  } catch (err) {
    if (!(err instanceof DriverRequestError)) throw err;
    logger.warn('driver request refused', { error: err.message });
    return { statusCode: 400, error: err.message };
  }
  const steps: DriverSummary['steps'][number][] = [];
  for (const [i, step] of plan.steps.entries()) {
    try {
      await play(step);
    } catch (err) {
      // S3 refusing a key (4xx) is the request's mistake too; anything else is a real failure.
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 500;
      if (status >= 500) throw err;
      const error = `driver request field "scenario[${i}]" was refused by S3 (${status} ${(err as Error).name})`;
      logger.warn('driver step refused', { error });
      return { statusCode: 400, error };
    }
    const done = {
      action: step.action,
      key: step.key,
      bytes: step.action === 'put' ? Buffer.byteLength(step.body) : 0,
      at: new Date().toISOString(),
    };
    steps.push(done);
    logger.info('step done', done);
    await sleep(plan.pauseMs);
  }

  const url = plotRequestUrl(plotApiUrl, process.env.AWS_ENDPOINT_URL);
  url.searchParams.set('window', String(plan.windowSeconds));
  url.searchParams.set('bucket', bucket);
  const apiKey = await plotApiKey(process.env[ENV.plotApiKeyId]);
  const response = await fetch(url, {
    headers: { accept: 'image/png', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
  });
  const body = Buffer.from(await response.arrayBuffer());
  const plot = {
    url: url.toString(),
    status: response.status,
    contentType: response.headers.get('content-type'),
    bytes: body.length,
  };
  if (response.ok) logger.info('plot fetched', plot);
  else logger.error('plot request failed', { ...plot, body: body.toString('utf8').slice(0, 500) });
  return { bucket, steps, plot };
}
