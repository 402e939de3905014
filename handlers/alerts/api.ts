import type { AlertConfig, OutboxAlert } from './items.ts';
import { AlertConfigError, fieldName, parseThresholds, type Thresholds } from './thresholds.ts';

/**
 * The alerts API (pure): PUT /alerts/{bucket} sets a bucket's thresholds, GET /alerts/{bucket}
 * shows them (the defaults until set), which metrics are fired (not re-armed yet) and the latest
 * fired alerts. Every bad request is a 4xx with `{ "error": "<field>: <what is wrong>" }`.
 */
export interface AlertsApiPorts {
  readConfig(bucket: string): Promise<AlertConfig | undefined>;
  /** Stores new thresholds (version + 1); returns what was stored. */
  writeConfig(bucket: string, thresholds: Thresholds, nowMs: number): Promise<AlertConfig>;
  /** Metric -> revision it fired at, from the bucket's totals. */
  firedState(bucket: string): Promise<Readonly<Record<string, number>>>;
  recentAlerts(bucket: string, limit: number): Promise<readonly OutboxAlert[]>;
  now(): number;
}

export interface AlertsApiRequest {
  readonly method: string;
  readonly bucket: string | undefined;
  readonly body: string | null;
}

export interface AlertsApiResponse {
  readonly statusCode: number;
  readonly body: unknown;
}

export const recentAlertsLimit = 20;

/** S3's bucket naming rules (general purpose buckets): 3-63 of a-z 0-9 . -, letter or digit at both ends. */
export function bucketNameError(bucket: string | undefined): string | undefined {
  if (bucket === undefined || bucket === '') return 'path parameter "bucket" is required';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..'))
    return `path parameter "bucket": "${bucket.slice(0, 80)}" is not a valid S3 bucket name (3-63 characters: a-z, 0-9, dots and hyphens, starting and ending with a letter or digit)`;
  return undefined;
}

const error = (statusCode: number, message: string): AlertsApiResponse => ({
  statusCode,
  body: { error: message },
});

export async function handleAlertsRequest(
  request: AlertsApiRequest,
  ports: AlertsApiPorts,
  defaults: Thresholds,
): Promise<AlertsApiResponse> {
  const badBucket = bucketNameError(request.bucket);
  if (badBucket) return error(400, badBucket);
  const bucket = request.bucket as string;
  if (request.method === 'GET') return { statusCode: 200, body: await view(bucket, ports, defaults) };
  if (request.method !== 'PUT') return error(405, `method ${request.method} is not allowed: use GET or PUT`);

  if (request.body === null || request.body.trim() === '')
    return error(
      400,
      'body: required, e.g. {"thresholds":{"currentBytes":{"threshold":1000000,"hysteresis":100000}}}',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body);
  } catch {
    return error(400, 'body: not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return error(400, 'body: must be a JSON object');
  for (const name of Object.keys(parsed)) {
    if (name !== 'thresholds') return error(400, `${fieldName(name)}: unknown field (known: thresholds)`);
  }
  let thresholds: Thresholds;
  try {
    thresholds = parseThresholds((parsed as { thresholds?: unknown }).thresholds ?? undefined);
  } catch (err) {
    if (err instanceof AlertConfigError) return error(400, err.message);
    throw err;
  }
  await ports.writeConfig(bucket, thresholds, ports.now());
  return { statusCode: 200, body: await view(bucket, ports, defaults) };
}

async function view(bucket: string, ports: AlertsApiPorts, defaults: Thresholds) {
  const [config, fired, recent] = await Promise.all([
    ports.readConfig(bucket),
    ports.firedState(bucket),
    ports.recentAlerts(bucket, recentAlertsLimit),
  ]);
  return {
    bucket,
    thresholds: config?.thresholds ?? defaults,
    source: config ? config.source : 'defaults',
    version: config?.version ?? 0,
    ...(config?.updatedAt ? { updatedAt: config.updatedAt } : {}),
    fired,
    recentAlerts: recent.map((a) => ({
      alertId: a.alertId,
      metric: a.metric,
      value: a.value,
      threshold: a.threshold,
      revision: a.revision,
      time: new Date(a.timeMs).toISOString(),
      state: a.state,
    })),
  };
}
