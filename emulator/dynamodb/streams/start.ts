import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { CloudModel, LambdaFunctionSpec } from '../../cloudformation/cloud-model.ts';
import type { InvokeAttempt, InvokeOutcome } from '../../lambda/runner.ts';
import { fileCheckpoints } from './checkpoints.ts';
import { StreamPoller } from './poller.ts';
import { streamMappingsOf } from './resources.ts';

export interface StreamMappings {
  readonly pollers: readonly StreamPoller[];
  /** Resolves once every poller made a pass that found nothing new (all records delivered). */
  whenQuiet(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a poller for every enabled DynamoDB stream mapping of the deployed stacks. The functions
 * are invoked synchronously through the runner (so crash injection applies, as to any invocation).
 */
export function startStreamMappings(
  model: CloudModel,
  options: {
    readonly endpoint: string;
    readonly region: string;
    readonly dynamodb: DynamoDBClient;
    readonly invoke: (
      spec: LambdaFunctionSpec,
      event: unknown,
      attempt: InvokeAttempt,
    ) => Promise<InvokeOutcome>;
    readonly log: (line: string) => void;
    readonly pollIntervalMs?: number;
    /** A folder for the mappings' positions (one JSON file each), kept across restarts; none: in memory. */
    readonly checkpointDir?: string;
  },
): StreamMappings {
  const streams = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: options.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const pollers: StreamPoller[] = [];
  for (const spec of streamMappingsOf(model)) {
    if (!spec.enabled) {
      options.log(`stream mapping ${spec.logicalId} is disabled: not polled`);
      continue;
    }
    const fn = model.requireFunction(spec.functionName);
    const poller = new StreamPoller({
      spec,
      streams,
      dynamodb: options.dynamodb,
      region: options.region,
      log: options.log,
      ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
      ...(options.checkpointDir
        ? {
            checkpoints: fileCheckpoints(
              join(options.checkpointDir, `${spec.stack}.${spec.logicalId}.json`),
              options.log,
            ),
          }
        : {}),
      invoke: async (event, finalAttempt) => {
        const outcome = await options.invoke(fn, event, { finalAttempt });
        return outcome.ok
          ? { ok: true, payload: outcome.payload }
          : { ok: false, error: `${outcome.error.errorType}: ${outcome.error.errorMessage}` };
      },
    });
    poller.start();
    pollers.push(poller);
  }
  return {
    pollers,
    whenQuiet: async () => {
      await Promise.all(pollers.map((p) => p.whenQuiet()));
    },
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
      streams.destroy();
    },
  };
}
