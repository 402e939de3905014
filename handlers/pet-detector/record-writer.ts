import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { Classification } from '../../classifier/classify.ts';
import { documentClient } from '../shared/clients.ts';
import { flushMetrics } from '../shared/observability.ts';
import { completedRecord, type DetectionRecord, failedRecord } from './core/records.ts';
import { detectionTable, recordDays } from './env.ts';
import { petObservability } from './observability.ts';

const { logger, metrics } = petObservability('record-writer');
const db = documentClient();
const table = detectionTable();
const days = recordDays();

interface ImageRef {
  bucket: string;
  key: string;
  size: number;
  imageId: string;
}
type Step =
  | {
      status: 'completed';
      image: ImageRef;
      detection: {
        labels: { Name: string; Confidence: number }[];
        labelModelVersion: string;
        format: string;
      };
      classification: Classification & { destinationKey: string };
    }
  | { status: 'failed'; image: ImageRef; error?: { Error?: unknown; Cause?: unknown } };

/**
 * Writes an image's DetectionLogs record: `completed` (label, confidence, where it is filed) or
 * `failed` (the workflow's error). One item per image, overwritten: a retried step writes it again.
 */
export async function handler(step: Step, context: Context): Promise<{ s3Location: string }> {
  logger.addContext(context);
  try {
    const nowMs = Date.now();
    let record: DetectionRecord;
    if (step.status === 'completed') {
      record = completedRecord({
        imageId: step.image.imageId,
        bucket: step.image.bucket,
        destinationKey: step.classification.destinationKey,
        classification: step.classification,
        labels: step.detection.labels,
        labelModelVersion: step.detection.labelModelVersion,
        size: step.image.size,
        format: step.detection.format,
        nowMs,
        recordDays: days,
      });
    } else if (step.status === 'failed') {
      record = failedRecord({
        imageId: step.image.imageId,
        bucket: step.image.bucket,
        key: step.image.key,
        size: step.image.size,
        error: step.error,
        nowMs,
        recordDays: days,
      });
      metrics.addMetric('ImagesFailed', 'Count', 1);
      logger.warn('image failed', {
        imageId: step.image.imageId,
        error: record.Error,
        cause: record.ErrorCause,
      });
    } else {
      throw new Error(
        `status: must be completed or failed, got ${String((step as { status?: unknown }).status)}`,
      );
    }
    await db.send(new PutCommand({ TableName: table, Item: record }));
    return { s3Location: record.S3Location };
  } finally {
    flushMetrics(metrics);
  }
}
