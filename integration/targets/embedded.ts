import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type LocalCloud, startLocalCloud } from '../../emulator/local-cloud.ts';
import type { EventsOptions } from '../../emulator/s3/delivery/options.ts';
import { apiKeyValue } from './api-key.ts';
import { ensureAssembly } from './assembly.ts';
import type { AppOutputs, FunctionRole, RestartableTarget } from './target.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Output keys of the stacks (infra/stacks/*.ts), whichever stack declares them. */
const outputKeys: Record<Exclude<keyof AppOutputs, 'plotApiKey'>, string> = {
  bucketName: 'BucketName',
  historyTable: 'TableName',
  ledgerTable: 'LedgerTableName',
  chartBucket: 'ChartBucketName',
  plotApiUrl: 'PlotApiUrl',
  plotApiKeyId: 'PlotApiKeyId',
  driverFunction: 'DriverFunctionName',
  trackerFunction: 'SizeTrackingFunctionName',
  reconcileFunction: 'ReconcileFunctionName',
};

export function appOutputs(
  stackOutputs: Record<string, Record<string, string>>,
): Omit<AppOutputs, 'plotApiKey'> {
  const flat = Object.assign({}, ...Object.values(stackOutputs)) as Record<string, string>;
  const entries = Object.entries(outputKeys).map(([field, key]) => {
    const value = flat[key];
    if (!value)
      throw new Error(`the deployed app has no output ${key}; outputs: ${Object.keys(flat).join(', ')}`);
    return [field, value];
  });
  return Object.fromEntries(entries) as Omit<AppOutputs, 'plotApiKey'>;
}

export interface EmbeddedTargetOptions {
  /** State directory kept across restarts; a temporary one (removed on stop) when omitted. */
  readonly stateDir?: string;
  readonly log?: (line: string) => void;
  /** The delivery profile of S3 events (default ideal); the same seed across a restart. */
  readonly events?: EventsOptions;
  /**
   * A running DynamoDB to deploy into (the test run's shared one) instead of one of the target's
   * own: table names come from the state folder, so a restart finds its tables there again.
   */
  readonly dynamodbEndpoint?: string;
}

export interface EmbeddedTarget extends RestartableTarget {
  /** The S3 event delivery profile and what it did so far (LocalCloud.eventDelivery). */
  eventDelivery(): ReturnType<LocalCloud['eventDelivery']>;
  /**
   * Moves the embedded S3's clock (lifecycle rules run at the new time) and waits for the events.
   * Absent under the localstack-4.14 profile: LocalStack never runs lifecycle rules, and expiring
   * objects whose events that profile drops would make a state LocalStack never reaches.
   */
  advanceClock?(by: { days?: number; hours?: number; ms?: number }): Promise<void>;
  restart(): Promise<EmbeddedTarget>;
}

/** The synthesized app running on the embedded local cloud (DynamoDB Local + the embedded S3). */
export async function startEmbeddedTarget(options: EmbeddedTargetOptions = {}): Promise<EmbeddedTarget> {
  const log = options.log ?? (() => {});
  const assemblyDir = await ensureAssembly(log);
  const temporary = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'embedded-target-'));
  // one seed for the target's life, so a restart continues with the same profile
  const events = options.events && { seed: Math.floor(Math.random() * 2 ** 31), ...options.events };
  const start = () =>
    startLocalCloud({
      assemblyDir,
      stateDir,
      log,
      asyncRetryDelaysMs: [100, 200],
      ...(events ? { events } : {}),
      ...(options.dynamodbEndpoint ? { dynamodbEndpoint: options.dynamodbEndpoint } : {}),
    });
  return await embeddedTarget(await start(), start, () => {
    if (temporary) rmSync(stateDir, { recursive: true, force: true });
  });
}

async function embeddedTarget(
  cloud: LocalCloud,
  start: () => Promise<LocalCloud>,
  cleanUp: () => void,
): Promise<EmbeddedTarget> {
  const clientConfig = { region: cloud.region, credentials };
  const s3 = new S3Client({ ...clientConfig, endpoint: cloud.endpoints.s3, forcePathStyle: true });
  const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: cloud.endpoints.dynamodb });
  // the control plane of API keys and usage plans answers on the API port
  const apiGateway = new APIGatewayClient({ ...clientConfig, endpoint: cloud.endpoints.api });
  const partial = appOutputs(cloud.outputs);
  const outputs: AppOutputs = { ...partial, plotApiKey: await apiKeyValue(apiGateway, partial.plotApiKeyId) };
  const functionNames: Record<FunctionRole, string> = {
    driver: outputs.driverFunction,
    tracker: outputs.trackerFunction,
    reconcile: outputs.reconcileFunction,
  };
  const closeClients = () => {
    s3.destroy();
    dynamodb.destroy();
    apiGateway.destroy();
  };
  return {
    name:
      cloud.eventDelivery().profile === 'ideal' ? 'embedded' : `embedded (${cloud.eventDelivery().profile})`,
    region: cloud.region,
    s3,
    dynamodb,
    documents: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    apiGateway,
    outputs,
    invoke: async <T>(role: FunctionRole, payload: unknown) =>
      (await cloud.invoke(functionNames[role], payload)) as T,
    settle: () => cloud.whenIdle(),
    eventDelivery: () => cloud.eventDelivery(),
    ...(cloud.eventDelivery().profile === 'localstack-4.14'
      ? {}
      : {
          async advanceClock(by: { days?: number; hours?: number; ms?: number }) {
            // the embedded S3 with a clock and lifecycle comes with branch `s3`
            const withClock = cloud as LocalCloud & {
              advanceClock?: (by: { days?: number }) => Promise<void>;
            };
            if (!withClock.advanceClock)
              throw new Error('this embedded S3 has no clock to move (no lifecycle)');
            await withClock.advanceClock(by);
          },
        }),
    async stop() {
      closeClients();
      await cloud.stop();
      cleanUp();
    },
    async restart() {
      closeClients();
      await cloud.stop();
      return embeddedTarget(await start(), start, cleanUp);
    },
  };
}
