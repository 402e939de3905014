import type { Context } from 'aws-lambda';
import { vi } from 'vitest';

/** A Lambda context for calling a handler in-process. */
export function lambdaContext(functionName = 'test-function'): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Gives this process what a function's environment holds: the AWS SDK's standard configuration
 * pointed at local endpoints (as the embedded cloud does for functions) and the function's variables.
 * Handler modules read their environment when loaded, and test files share worker processes
 * (vitest.config.ts: isolate off), so handlers imported after this load afresh, and the returned
 * function (for afterAll) puts the environment back and forgets those modules again.
 */
export function functionEnvironment(
  endpoints: { s3: string; dynamodb: string },
  variables: Record<string, string>,
): () => void {
  const saved = { ...process.env };
  vi.resetModules();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    ...variables,
  });
  return () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    vi.resetModules();
  };
}

/** `functionEnvironment` for this app's tracker and plot functions: their tables and buckets. */
export function appFunctionEnvironment(
  endpoints: { s3: string; dynamodb: string },
  app: { tables: { history: string; ledger: string }; trackedBucket: string; chartBucket: string },
): () => void {
  return functionEnvironment(endpoints, {
    HISTORY_TABLE: app.tables.history,
    LEDGER_TABLE: app.tables.ledger,
    TRACKED_BUCKET: app.trackedBucket,
    CHART_BUCKET: app.chartBucket,
    POWERTOOLS_METRICS_NAMESPACE: 'S3SizeTracker',
  });
}
