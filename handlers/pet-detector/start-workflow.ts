import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context, S3Event } from 'aws-lambda';
import { requireEnv } from '../shared/env.ts';
import { flushMetrics } from '../shared/observability.ts';
import { executionName, imageIdOf } from './core/image-key.ts';
import { uploadedImages } from './core/s3-event.ts';
import { petObservability } from './observability.ts';
import { PET_ENV } from './schema.ts';

const { logger, metrics } = petObservability('start-workflow');
const stateMachineArn = requireEnv(PET_ENV.stateMachineArn);
const sfn = new SFNClient({});

/**
 * S3 ObjectCreated on input/ → one workflow execution per object version. The execution's name is
 * derived from bucket, key and version (or sequencer), so a redelivered event finds its execution
 * already started and starts nothing.
 */
export async function handler(event: S3Event, context: Context): Promise<void> {
  logger.addContext(context);
  try {
    for (const image of uploadedImages(event)) {
      const name = executionName(image.bucket, image.key, image.versionId ?? image.sequencer);
      const input = { image: { ...image, imageId: imageIdOf(image.key) } };
      try {
        const out = await sfn.send(
          new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
        );
        logger.info('workflow started', { key: image.key, executionArn: out.executionArn });
        metrics.addMetric('WorkflowsStarted', 'Count', 1);
      } catch (err) {
        // the same name with another input: this object version was started before (a duplicate event)
        if (!(err instanceof ExecutionAlreadyExists)) throw err;
        logger.info('duplicate event: workflow already started', { key: image.key, name });
        metrics.addMetric('DuplicateEvents', 'Count', 1);
      }
    }
  } finally {
    flushMetrics(metrics);
  }
}
