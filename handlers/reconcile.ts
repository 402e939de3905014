import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { documentClient, s3Client } from './shared/clients.ts';
import { requireEnv } from './shared/env.ts';
import { flushMetrics, observability } from './shared/observability.ts';
import { ENV } from './shared/schema.ts';
import { LedgerStore } from './tracking/ledger-store.ts';
import { type ReconcileReport, Reconciler } from './tracking/reconcile.ts';

const { logger, metrics } = observability('reconcile');
const trackedBucket = requireEnv(ENV.trackedBucket);
const reconciler = new Reconciler(
  s3Client(),
  new LedgerStore(documentClient(), {
    history: requireEnv(ENV.historyTable),
    ledger: requireEnv(ENV.ledgerTable),
  }),
);

export interface ReconcileRequest {
  /** Defaults to the tracked bucket; the scheduled rule sends no bucket. */
  readonly bucket?: string;
}

/**
 * Recounts a bucket from a full listing of its versions (schedule or on demand) and corrects drift in
 * current and stored totals. IAM: s3:ListBucketVersions (s3:ListBucket when versions are refused).
 */
export async function handler(
  event: ReconcileRequest | undefined,
  context: Context,
): Promise<ReconcileReport> {
  logger.addContext(context);
  const bucket = typeof event?.bucket === 'string' && event.bucket ? event.bucket : trackedBucket;
  try {
    const report = await reconciler.reconcile(bucket);
    metrics.addMetric('DriftBytes', MetricUnit.Bytes, report.drift.bytes);
    metrics.addMetric('DriftStoredBytes', MetricUnit.Bytes, report.drift.storedBytes);
    metrics.addMetric('EntriesCorrected', MetricUnit.Count, report.correctedEntries);
    logger.info('reconciled', { ...report });
    return report;
  } finally {
    flushMetrics(metrics);
  }
}
