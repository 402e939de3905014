import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type LocalCloud, startLocalCloud } from '../../emulator/local-cloud.ts';
import { ensureAssembly } from './assembly.ts';
import type { AppOutputs, FunctionRole, RestartableTarget } from './target.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Output keys of the stacks (infra/stacks/*.ts), whichever stack declares them. */
const outputKeys: Record<keyof AppOutputs, string> = {
  bucketName: 'BucketName',
  historyTable: 'TableName',
  ledgerTable: 'LedgerTableName',
  chartBucket: 'ChartBucketName',
  plotApiUrl: 'PlotApiUrl',
  driverFunction: 'DriverFunctionName',
  trackerFunction: 'SizeTrackingFunctionName',
  reconcileFunction: 'ReconcileFunctionName',
};

export function appOutputs(stackOutputs: Record<string, Record<string, string>>): AppOutputs {
  const flat = Object.assign({}, ...Object.values(stackOutputs)) as Record<string, string>;
  const entries = Object.entries(outputKeys).map(([field, key]) => {
    const value = flat[key];
    if (!value)
      throw new Error(`the deployed app has no output ${key}; outputs: ${Object.keys(flat).join(', ')}`);
    return [field, value];
  });
  return Object.fromEntries(entries) as AppOutputs;
}

export interface EmbeddedTargetOptions {
  /** State directory kept across restarts; a temporary one (removed on stop) when omitted. */
  readonly stateDir?: string;
  readonly log?: (line: string) => void;
}

/** The synthesized app running on the embedded local cloud (DynamoDB Local + s3rver). */
export async function startEmbeddedTarget(options: EmbeddedTargetOptions = {}): Promise<RestartableTarget> {
  const log = options.log ?? (() => {});
  const assemblyDir = await ensureAssembly(log);
  const temporary = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'embedded-target-'));
  const start = () => startLocalCloud({ assemblyDir, stateDir, log, asyncRetryDelaysMs: [100, 200] });
  return embeddedTarget(await start(), start, () => {
    if (temporary) rmSync(stateDir, { recursive: true, force: true });
  });
}

function embeddedTarget(
  cloud: LocalCloud,
  start: () => Promise<LocalCloud>,
  cleanUp: () => void,
): RestartableTarget {
  const clientConfig = { region: cloud.region, credentials };
  const s3 = new S3Client({ ...clientConfig, endpoint: cloud.endpoints.s3, forcePathStyle: true });
  const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: cloud.endpoints.dynamodb });
  const outputs = appOutputs(cloud.outputs);
  const functionNames: Record<FunctionRole, string> = {
    driver: outputs.driverFunction,
    tracker: outputs.trackerFunction,
    reconcile: outputs.reconcileFunction,
  };
  const closeClients = () => {
    s3.destroy();
    dynamodb.destroy();
  };
  return {
    name: 'embedded',
    region: cloud.region,
    s3,
    dynamodb,
    documents: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    outputs,
    invoke: async <T>(role: FunctionRole, payload: unknown) =>
      (await cloud.invoke(functionNames[role], payload)) as T,
    settle: () => cloud.whenIdle(),
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
