import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

import { PET_METRICS_NAMESPACE } from './schema.ts';

export function petObservability(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: PET_METRICS_NAMESPACE, serviceName }),
  };
}
