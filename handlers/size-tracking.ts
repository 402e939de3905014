import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, S3Event } from 'aws-lambda';
import { alertStoreOptions } from './alerts/env.ts';
import { documentClient, s3Client } from './shared/clients.ts';
import { requireEnv } from './shared/env.ts';
import { flushMetrics, observability } from './shared/observability.ts';
import { ENV } from './shared/schema.ts';
import { headObjectContentType } from './tracking/content-type.ts';
import { LedgerStore } from './tracking/ledger-store.ts';
import { parseRecord } from './tracking/s3-event.ts';
import { s3KeyVersions } from './tracking/s3-versions.ts';
import { SizeTracker } from './tracking/tracker.ts';

const { logger, metrics } = observability('size-tracking');
// one EMF line per applied event with the bucket's totals, under a Bucket dimension of their own
const bucketSizes = observability('size-tracking').metrics;
const alerting = alertStoreOptions();
const store = new LedgerStore(
  documentClient(),
  { history: requireEnv(ENV.historyTable), ledger: requireEnv(ENV.ledgerTable), alerts: alerting.table },
  alerting.options,
);
const s3 = s3Client();
const tracker = new SizeTracker(
  store,
  headObjectContentType(s3, (err) => logger.warn('content type lookup failed', { error: err as Error })),
  { keyVersions: s3KeyVersions(s3) },
);

/** S3 notification -> exact totals: each record applied once, in sequencer order per key. */
export async function handler(
  event: S3Event,
  context: Context,
): Promise<{ applied: number; skipped: number }> {
  logger.addContext(context);
  let applied = 0;
  let skipped = 0;
  try {
    for (const record of event.Records ?? []) {
      const parsed = parseRecord(record);
      if (!parsed.ok) {
        logger.info('record ignored', { reason: parsed.reason, eventName: parsed.eventName });
        metrics.addMetric('RecordsIgnored', MetricUnit.Count, 1);
        skipped++;
        continue;
      }
      const { change } = parsed;
      const result = await tracker.apply(change);
      if (result.outcome === 'applied') {
        applied++;
        metrics.addMetric('EventsApplied', MetricUnit.Count, 1);
        metrics.addMetric('BytesDelta', MetricUnit.Bytes, result.delta.bytes);
        if (result.verified) metrics.addMetric('EventsVerified', MetricUnit.Count, 1);
        if (result.alerts.length > 0)
          metrics.addMetric('AlertsFired', MetricUnit.Count, result.alerts.length);
        // per bucket (a dimension of their own, the other metrics keep theirs): the dashboard's sizes
        bucketSizes.addDimension('Bucket', change.bucket);
        bucketSizes.addMetric('CurrentBytes', MetricUnit.Bytes, result.totals.sizeBytes);
        bucketSizes.addMetric('StoredBytes', MetricUnit.Bytes, result.totals.storedBytes);
        bucketSizes.addMetric('ObjectCount', MetricUnit.Count, result.totals.objectCount);
        bucketSizes.publishStoredMetrics();
        logger.info('event applied', {
          bucket: change.bucket,
          key: change.key,
          eventName: change.eventName,
          delta: result.delta,
          totals: result.totals,
          attempts: result.attempts,
          ...(result.alerts.length > 0 ? { alertsFired: result.alerts.map((a) => a.alertId) } : {}),
          ...(result.verified ? { verifiedBecause: result.verified } : {}),
        });
      } else {
        skipped++;
        metrics.addMetric(
          result.outcome === 'duplicate' ? 'DuplicatesSkipped' : 'StaleEventsSkipped',
          MetricUnit.Count,
          1,
        );
        logger.info(`${result.outcome} event skipped`, {
          bucket: change.bucket,
          key: change.key,
          sequencer: change.sequencer,
        });
      }
    }
  } finally {
    flushMetrics(metrics);
  }
  return { applied, skipped };
}
