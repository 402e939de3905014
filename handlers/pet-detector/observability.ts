import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The namespace of the PetDetector's EMF metrics (the alarms and dashboard read it). */
export const PET_METRICS_NAMESPACE = 'PetDetector';

export function petObservability(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: PET_METRICS_NAMESPACE, serviceName }),
  };
}
