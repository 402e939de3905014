import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

const namespace = 'S3SizeTracker';

/** Structured JSON logger and EMF metrics for one function, configured the same way everywhere. */
export function observability(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace, serviceName }),
  };
}

/** Publishes what a run recorded; an invocation that recorded nothing (a 400, say) publishes nothing. */
export function flushMetrics(metrics: Metrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
