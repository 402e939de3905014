import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../shared/env.ts';
import { flushMetrics } from '../shared/observability.ts';
import { uncertainAlert } from './core/alert.ts';
import { s3Location } from './core/image-key.ts';
import { petObservability } from './observability.ts';
import { PET_ENV } from './schema.ts';
import { classifyStepError } from './step-errors.ts';

const { logger, metrics } = petObservability('notification-service');
const topicArn = requireEnv(PET_ENV.alertTopicArn);
const sns = new SNSClient({});

interface Step {
  image: { bucket: string; imageId: string };
  classification: { animal: string; confidence: number; destinationKey: string };
}

/** Publishes the alert for an uncertain classification (the image waits in others/ for a person). */
export async function handler(step: Step, context: Context): Promise<{ messageId: string }> {
  logger.addContext(context);
  try {
    const alert = uncertainAlert({
      imageId: step.image.imageId,
      bestGuess: step.classification.animal,
      confidence: step.classification.confidence,
      location: s3Location(step.image.bucket, step.classification.destinationKey),
    });
    const out = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: alert.subject,
        Message: alert.message,
        MessageAttributes: { imageId: { DataType: 'String', StringValue: step.image.imageId } },
      }),
    );
    metrics.addMetric('UncertainAlerts', 'Count', 1);
    return { messageId: out.MessageId ?? '' };
  } catch (err) {
    throw classifyStepError(err);
  } finally {
    flushMetrics(metrics);
  }
}
