import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { CloudModel, LambdaFunctionSpec } from '../cloudformation/cloud-model.ts';
import type { InvokeOutcome } from '../lambda/runner.ts';
import { startStepFunctionsServer } from './server.ts';
import { StepFunctionsService } from './service.ts';

/**
 * The embedded Step Functions as the local cloud starts it: the service (executions kept in
 * `<stateDir>/stepfunctions/`), its API on loopback, and the client deployments create state
 * machines through. Task states invoke functions through the cloud's runner.
 */
export interface EmbeddedStepFunctions {
  readonly endpoint: string;
  readonly client: SFNClient;
  readonly service: StepFunctionsService;
  stop(): Promise<void>;
}

export async function startStepFunctions(options: {
  readonly region: string;
  readonly accountId: string;
  readonly stateDir: string | null;
  readonly port?: number;
  readonly clients: { readonly dynamodb: DynamoDBClient; readonly s3: S3Client; readonly sns: SNSClient };
  readonly model: CloudModel;
  readonly invoke: (spec: LambdaFunctionSpec, event: unknown) => Promise<InvokeOutcome>;
  readonly invokeAsync: (spec: LambdaFunctionSpec, event: unknown) => void;
  readonly log: (line: string) => void;
}): Promise<EmbeddedStepFunctions> {
  const service = new StepFunctionsService({
    region: options.region,
    accountId: options.accountId,
    directory: options.stateDir ? join(options.stateDir, 'stepfunctions') : null,
    functionExists: (arn) => options.model.findFunction(arn) !== undefined,
    tasks: {
      clients: options.clients,
      async invokeFunction(name, payload, type) {
        const spec = options.model.findFunction(name);
        if (!spec) return undefined;
        if (type === 'Event') {
          options.invokeAsync(spec, payload);
          return { ok: true, requestId: crypto.randomUUID(), payload: null };
        }
        const outcome = await options.invoke(spec, payload);
        if (outcome.ok) return outcome;
        return { ok: false, requestId: outcome.requestId, ...outcome.error };
      },
    },
    log: options.log,
  });
  const server = await startStepFunctionsServer({
    service,
    ...(options.port ? { port: options.port } : {}),
    log: options.log,
  }).catch((err: Error) => {
    service.stop();
    throw err;
  });
  const client = new SFNClient({
    endpoint: server.endpoint,
    region: options.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint: server.endpoint,
    client,
    service,
    async stop() {
      service.stop();
      client.destroy();
      await server.stop();
    },
  };
}
