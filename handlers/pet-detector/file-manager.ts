import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { s3Client } from '../shared/clients.ts';
import { flushMetrics } from '../shared/observability.ts';
import { petObservability } from './observability.ts';
import { classifyStepError } from './step-errors.ts';

const { logger, metrics } = petObservability('file-manager');
const s3 = s3Client();

interface Step {
  image: { bucket: string; key: string; versionId?: string };
  classification: { destinationKey: string };
}

/**
 * Moves the classified image from input/ to its folder: copy (that exact version), then delete the
 * input key. Safe to run twice: when the source is already gone, the copy at the destination is checked.
 */
export async function handler(step: Step, context: Context): Promise<{ key: string }> {
  logger.addContext(context);
  const { bucket, key, versionId } = step.image;
  const destination = step.classification.destinationKey;
  try {
    try {
      await s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: destination,
          CopySource: `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}${versionId ? `?versionId=${encodeURIComponent(versionId)}` : ''}`,
          MetadataDirective: 'COPY',
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'NoSuchKey') throw err;
      // a retry after the delete: the destination must be there
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: destination }));
    }
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    metrics.addMetric('ImagesMoved', 'Count', 1);
    logger.info('moved', { from: key, to: destination });
    return { key: destination };
  } catch (err) {
    throw classifyStepError(err);
  } finally {
    flushMetrics(metrics);
  }
}
