import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { classifyLabels } from '../../classifier/classify.ts';
import { RekognitionLabelDetector } from '../../classifier/rekognition-detector.ts';
import { s3Client } from '../shared/clients.ts';
import { flushMetrics } from '../shared/observability.ts';
import { imageFormat } from './core/image-format.ts';
import { destinationKey } from './core/image-key.ts';
import { thresholdsFor } from './core/thresholds.ts';
import { maxUploadBytes } from './env.ts';
import { petObservability } from './observability.ts';
import { PET_ENV } from './schema.ts';
import { classifyStepError, InvalidImageError } from './step-errors.ts';

const { logger, metrics } = petObservability('image-processor');
const s3 = s3Client();
// On AWS: Amazon Rekognition. Locally: the embedded endpoint (AWS_ENDPOINT_URL_REKOGNITION).
const detector = new RekognitionLabelDetector(new RekognitionClient({ maxAttempts: 2 }));
const limit = maxUploadBytes();

interface ImageRef {
  bucket: string;
  key: string;
  versionId?: string;
  size: number;
  imageId: string;
}
interface Detection {
  labels: { Name: string; Confidence: number }[];
  labelModelVersion: string;
  format: string;
}
type Step =
  | { action: 'detect'; image: ImageRef }
  | { action: 'classify'; image: ImageRef; detection: Detection };

/**
 * Two workflow steps on one function: `detect` reads the image and asks DetectLabels (the bytes are
 * sent, so every target works the same way); `classify` is the pure decision with the uncertain band.
 */
export async function handler(step: Step, context: Context): Promise<unknown> {
  logger.addContext(context);
  try {
    if (step.action === 'classify') {
      const thresholds = thresholdsFor(step.detection.labelModelVersion, process.env[PET_ENV.thresholds]);
      const c = classifyLabels(
        step.detection.labels.map((l) => ({ ...l, Instances: [], Parents: [] })),
        thresholds,
      );
      metrics.addMetric(`Classified_${c.folder}`, 'Count', 1);
      if (c.uncertain) metrics.addMetric('Uncertain', 'Count', 1);
      logger.info('classified', { imageId: step.image.imageId, ...c });
      return { ...c, destinationKey: destinationKey(step.image.key, c.folder) };
    }
    if (step.action !== 'detect')
      throw new Error(
        `action: must be detect or classify, got ${String((step as { action?: unknown }).action)}`,
      );
    return await detect(step.image);
  } catch (err) {
    throw classifyStepError(err);
  } finally {
    flushMetrics(metrics);
  }
}

async function detect(image: ImageRef): Promise<Detection> {
  const object = await s3.send(
    new GetObjectCommand({ Bucket: image.bucket, Key: image.key, VersionId: image.versionId }),
  );
  if ((object.ContentLength ?? 0) > limit) {
    (object.Body as { destroy?: () => void } | undefined)?.destroy?.();
    throw new InvalidImageError(`the image is ${object.ContentLength} bytes, over the limit of ${limit}`);
  }
  const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
  const format = imageFormat(bytes);
  if (format !== 'jpg' && format !== 'png') {
    throw new InvalidImageError(`not a JPEG or PNG image (format: ${format}, ${bytes.length} bytes)`);
  }
  const started = performance.now();
  const result = await detector.detectLabels(bytes, { minConfidence: 10, maxLabels: 20 });
  metrics.addMetric('DetectLabelsMs', 'Milliseconds', performance.now() - started);
  return {
    labels: result.Labels.map((l) => ({ Name: l.Name, Confidence: l.Confidence })),
    labelModelVersion: result.LabelModelVersion,
    format,
  };
}
