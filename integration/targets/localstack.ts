/**
 * The LocalStack target: a LocalStack container started with Testcontainers, the CDK app deployed
 * into it with cdklocal (bootstrap, then `deploy --all`), and the same `Target` interface as the
 * embedded target, so every integration test runs unchanged on both.
 *
 * Needs a Docker engine (see ./docker.ts). Knobs, all optional:
 *   LOCALSTACK_IMAGE        image (default localstack/localstack:4.14.0, the last free one)
 *   LOCALSTACK_AUTH_TOKEN   passed through to the container when set (needed by newer images)
 *   LOCALSTACK_STAGE        the app's `stage` context (default dev)
 *   LOCALSTACK_SETTLE_TIMEOUT_MS  how long settle() waits for the tracker (default 120000)
 *   LOCALSTACK_KEEP_LOGS=1  keep the deploy logs directory after stop()
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LocalstackContainer, type StartedLocalStackContainer } from '@testcontainers/localstack';
import { getContainerRuntimeClient, ImageName, Network, type StartedNetwork } from 'testcontainers';
import { LEDGER } from '../../handlers/shared/schema.ts';
import { apiKeyValue } from './api-key.ts';
import { dockerAvailability } from './docker.ts';
import type { AppOutputs, FunctionRole, Target } from './target.ts';

export const DEFAULT_LOCALSTACK_IMAGE = 'localstack/localstack:4.14.0';
export const LOCALSTACK_REGION = 'us-east-1';
/** LocalStack's default account (any 12 digits work with the free image; this is its default). */
export const LOCALSTACK_ACCOUNT = '000000000000';
/** What the app needs, and what `cdk bootstrap` needs (ssm, ecr: its repository is a mock in the free image). */
export const LOCALSTACK_SERVICES = [
  'cloudformation',
  'iam',
  'sts',
  'ssm',
  'ecr',
  's3',
  'dynamodb',
  'kms',
  'lambda',
  'apigateway',
  'events',
  'logs',
  // the Alerts stack: its topic, the alerts table's stream -> publisher mapping, alarms and dashboard
  'sns',
  'dynamodbstreams',
  'cloudwatch',
] as const;
/** The runtime image LocalStack pulls for nodejs24.x functions; pre-pulled so the first invoke is not a pull. */
export const LAMBDA_RUNTIME_IMAGE = 'public.ecr.aws/lambda/nodejs:24';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface LocalStackTargetOptions {
  readonly image?: string;
  readonly stage?: string;
  readonly settleTimeoutMs?: number;
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
}

export type LocalStackTarget = Target & {
  readonly endpoint: string;
  readonly image: string;
  [Symbol.asyncDispose](): Promise<void>;
};

export function localStackImage(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCALSTACK_IMAGE?.trim() || DEFAULT_LOCALSTACK_IMAGE;
}

/** The container's environment: the same settings as docker-compose.yml. */
export function localStackContainerEnvironment(
  env: NodeJS.ProcessEnv,
  dockerNetwork: string,
): Record<string, string> {
  return {
    SERVICES: LOCALSTACK_SERVICES.join(','),
    // Functions run in their own containers, on the network LocalStack is on.
    LAMBDA_DOCKER_NETWORK: dockerNetwork,
    // A first invoke may pull the runtime image: give it time (seconds).
    LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT: '600',
    AWS_DEFAULT_REGION: LOCALSTACK_REGION,
    ...(env.LOCALSTACK_AUTH_TOKEN ? { LOCALSTACK_AUTH_TOKEN: env.LOCALSTACK_AUTH_TOKEN } : {}),
  };
}

/**
 * The environment for cdklocal against `endpoint`: the user's own AWS settings removed (a profile or
 * real keys must never be used here), dummy credentials, one region, path-style S3 (the container
 * answers on a mapped localhost port, where `<bucket>.localhost` names do not resolve).
 */
export function cdklocalEnvironment(base: NodeJS.ProcessEnv, endpoint: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (key.startsWith('AWS_') || key.startsWith('CDK_DEFAULT_')) continue;
    env[key] = value;
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_S3_FORCE_PATH_STYLE: '1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: LOCALSTACK_REGION,
    AWS_DEFAULT_REGION: LOCALSTACK_REGION,
    AWS_ENVAR_ALLOWLIST: 'AWS_REGION,AWS_DEFAULT_REGION,AWS_S3_FORCE_PATH_STYLE',
    CDK_DEFAULT_ACCOUNT: LOCALSTACK_ACCOUNT,
    CDK_DEFAULT_REGION: LOCALSTACK_REGION,
  };
}

const EXECUTE_API_URL = /^https?:\/\/([a-z0-9]+)\.execute-api\.[^/]+(\/.*)?$/i;

/**
 * `https://<id>.execute-api.<region>.amazonaws.com/<stage>/plot` (what the template outputs) as the
 * path form LocalStack serves without DNS: `<endpoint>/_aws/execute-api/<id>/<stage>/plot`.
 */
export function localizePlotApiUrl(url: string, endpoint: string): string {
  const match = EXECUTE_API_URL.exec(url);
  if (!match) throw new Error(`PlotApiUrl "${url}" is not an API Gateway execute-api URL`);
  return `${endpoint.replace(/\/+$/, '')}/_aws/execute-api/${match[1]}${match[2] ?? '/'}`;
}

type StackOutputs = Record<string, Record<string, string>>;

const OUTPUT_KEYS = {
  historyTable: 'TableName',
  ledgerTable: 'LedgerTableName',
  bucketName: 'BucketName',
  trackerFunction: 'SizeTrackingFunctionName',
  reconcileFunction: 'ReconcileFunctionName',
  plotApiUrl: 'PlotApiUrl',
  plotApiKeyId: 'PlotApiKeyId',
  chartBucket: 'ChartBucketName',
  driverFunction: 'DriverFunctionName',
} as const satisfies Record<Exclude<keyof AppOutputs, 'plotApiKey'>, string>;

/** One output by key, from whichever stack of the stage declares it. */
export function findOutput(outputs: StackOutputs, key: string, stage: string): string {
  const prefix = `SizeTracker-${stage}-`;
  const found = Object.entries(outputs)
    .filter(([stack]) => stack.startsWith(prefix))
    .flatMap(([stack, values]) => (key in values ? [{ stack, value: values[key] as string }] : []));
  if (found.length === 0) {
    throw new Error(
      `cdklocal outputs have no "${key}" in the ${prefix}* stacks (stacks: ${Object.keys(outputs).join(', ') || 'none'})`,
    );
  }
  if (found.length > 1)
    throw new Error(`output "${key}" is declared by ${found.map((f) => f.stack).join(' and ')}`);
  return (found[0] as { value: string }).value;
}

/**
 * The `--outputs-file` JSON of `cdklocal deploy --all` as the app's outputs, with a working plot URL
 * (the key's value is not an output: it is read with GetApiKey).
 */
export function appOutputsFromStacks(
  outputs: StackOutputs,
  endpoint: string,
  stage = 'dev',
): Omit<AppOutputs, 'plotApiKey'> {
  const get = (key: keyof typeof OUTPUT_KEYS) => findOutput(outputs, OUTPUT_KEYS[key], stage);
  return {
    bucketName: get('bucketName'),
    historyTable: get('historyTable'),
    ledgerTable: get('ledgerTable'),
    chartBucket: get('chartBucket'),
    plotApiUrl: localizePlotApiUrl(get('plotApiUrl'), endpoint),
    plotApiKeyId: get('plotApiKeyId'),
    driverFunction: get('driverFunction'),
    trackerFunction: get('trackerFunction'),
    reconcileFunction: get('reconcileFunction'),
  };
}

/** Runs cdklocal with its output in `logFile`; a failure carries the log's tail. */
export async function cdklocal(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const bin = join(repoRoot, 'node_modules', 'aws-cdk-local', 'bin', 'cdklocal');
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve(status));
  }).finally(() => clearTimeout(timer));
  await new Promise<void>((resolve) => log.end(resolve));
  if (code !== 0) {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    const tail = text.trimEnd().split('\n').slice(-40).join('\n');
    throw new Error(
      `cdklocal ${args.slice(0, 2).join(' ')} failed (${code === null ? `killed after ${timeoutMs} ms` : `exit ${code}`}); ` +
        `full log: ${logFile}\n${tail}`,
    );
  }
}

/** Starts LocalStack, deploys the app into it and returns the target. Throws (naming Docker) without Docker. */
export async function startLocalStackTarget(
  options: LocalStackTargetOptions = {},
): Promise<LocalStackTarget> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[localstack] ${line}\n`));
  const image = options.image ?? localStackImage();
  const stage = options.stage ?? process.env.LOCALSTACK_STAGE ?? 'dev';
  const settleTimeoutMs =
    options.settleTimeoutMs ?? Number(process.env.LOCALSTACK_SETTLE_TIMEOUT_MS ?? 120_000);

  const docker = await dockerAvailability();
  if (!docker.available) throw new Error(`the LocalStack target needs Docker: ${docker.reason}`);

  const runtime = await getContainerRuntimeClient();
  const workDir = await mkdtemp(join(tmpdir(), 'size-tracker-localstack-'));
  let network: StartedNetwork | undefined;
  let container: StartedLocalStackContainer | undefined;
  const cleanUp = async () => {
    await container?.stop().catch(() => undefined);
    await network?.stop().catch(() => undefined);
  };

  try {
    network = await new Network().start();
    log(`starting ${image} on Docker network ${network.getName()} (Docker at ${docker.host})`);
    const prePull = runtime.image
      .pull(ImageName.fromString(LAMBDA_RUNTIME_IMAGE))
      .catch((err: unknown) =>
        log(
          `could not pre-pull ${LAMBDA_RUNTIME_IMAGE} (${String(err)}); LocalStack will pull it on first invoke`,
        ),
      );
    container = await new LocalstackContainer(image)
      .withNetwork(network)
      .withEnvironment(localStackContainerEnvironment(process.env, network.getName()))
      // LocalStack starts each function in its own container through the host's engine.
      .withBindMounts([
        { source: runtime.info.containerRuntime.remoteSocketPath, target: '/var/run/docker.sock' },
      ])
      .start();
    const endpoint = container.getConnectionUri();
    log(`LocalStack is up at ${endpoint}`);

    const env = cdklocalEnvironment(process.env, endpoint);
    const context = ['-c', `stage=${stage}`];
    log(`cdklocal bootstrap (log: ${workDir}/bootstrap.log)`);
    await cdklocal(
      [
        'bootstrap',
        `aws://${LOCALSTACK_ACCOUNT}/${LOCALSTACK_REGION}`,
        ...context,
        '--output',
        join(workDir, 'cdk.out'),
      ],
      env,
      join(workDir, 'bootstrap.log'),
      10 * 60_000,
    );
    const outputsFile = join(workDir, 'outputs.json');
    log(`cdklocal deploy --all (log: ${workDir}/deploy.log)`);
    await cdklocal(
      [
        'deploy',
        '--all',
        '--require-approval',
        'never',
        '--outputs-file',
        outputsFile,
        '--output',
        join(workDir, 'cdk.out'),
        ...context,
      ],
      env,
      join(workDir, 'deploy.log'),
      15 * 60_000,
    );
    const stackOutputs = JSON.parse(await readFile(outputsFile, 'utf8')) as StackOutputs;
    const keyClient = new APIGatewayClient({ endpoint, region: LOCALSTACK_REGION, credentials });
    const withoutKey = appOutputsFromStacks(stackOutputs, endpoint, stage);
    const plotApiKey = await apiKeyValue(keyClient, withoutKey.plotApiKeyId).finally(() =>
      keyClient.destroy(),
    );
    const outputs: AppOutputs = { ...withoutKey, plotApiKey };
    const plotFunction = findOutput(stackOutputs, 'PlotFunctionName', stage);
    await prePull;

    const target = makeTarget({
      endpoint,
      image,
      outputs,
      settleTimeoutMs,
      stop: async () => {
        await cleanUp();
        if (process.env.LOCALSTACK_KEEP_LOGS !== '1') await rm(workDir, { recursive: true, force: true });
      },
    });
    // Warm the tracker and the plot function with harmless events, so the tests' first S3 event or
    // plot request does not pay for a cold container.
    await Promise.all([
      warm(target.lambda, outputs.trackerFunction, { Records: [] }, log),
      warm(
        target.lambda,
        plotFunction,
        { httpMethod: 'GET', path: '/plot', headers: {}, queryStringParameters: null, body: null },
        log,
      ),
    ]);
    log(`deployed stage "${stage}": tracked bucket ${outputs.bucketName}, plot API ${outputs.plotApiUrl}`);
    return target;
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

async function warm(
  lambda: LambdaClient,
  functionName: string,
  payload: unknown,
  log: (line: string) => void,
) {
  const started = Date.now();
  try {
    const result = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(payload) }),
    );
    if (result.FunctionError) {
      const body = result.Payload ? Buffer.from(result.Payload).toString('utf8').slice(0, 500) : '';
      log(`warming ${functionName}: function error ${result.FunctionError}: ${body}`);
    } else {
      log(`${functionName} warm in ${Date.now() - started} ms`);
    }
  } catch (err) {
    log(`warming ${functionName} failed (${String(err)}); continuing`);
  }
}

interface TargetParts {
  readonly endpoint: string;
  readonly image: string;
  readonly outputs: AppOutputs;
  readonly settleTimeoutMs: number;
  readonly stop: () => Promise<void>;
}

function makeTarget(parts: TargetParts): LocalStackTarget & { readonly lambda: LambdaClient } {
  const { endpoint, outputs } = parts;
  const region = LOCALSTACK_REGION;
  const s3 = new S3Client({ endpoint, region, credentials, forcePathStyle: true });
  const dynamodb = new DynamoDBClient({ endpoint, region, credentials });
  const documents = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const apiGateway = new APIGatewayClient({ endpoint, region, credentials });
  // One attempt: a retried invoke would play the driver's scenario twice.
  const lambda = new LambdaClient({ endpoint, region, credentials, maxAttempts: 1 });
  const functions: Record<FunctionRole, string> = {
    driver: outputs.driverFunction,
    tracker: outputs.trackerFunction,
    reconcile: outputs.reconcileFunction,
  };
  let stopped = false;

  const target = {
    name: 'localstack',
    region,
    endpoint,
    image: parts.image,
    s3,
    dynamodb,
    documents,
    apiGateway,
    outputs,
    lambda,
    async invoke<T = unknown>(role: FunctionRole, payload: unknown): Promise<T> {
      const result = await lambda.send(
        new InvokeCommand({
          FunctionName: functions[role],
          InvocationType: 'RequestResponse',
          Payload: JSON.stringify(payload ?? {}),
        }),
      );
      const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      if (result.FunctionError) {
        const failure = (body ?? {}) as { errorType?: string; errorMessage?: string };
        const error = new Error(
          `${role} function (${functions[role]}) failed: ${failure.errorType ?? result.FunctionError}: ${failure.errorMessage ?? text}`,
        );
        Object.assign(error, { errorType: failure.errorType ?? result.FunctionError });
        throw error;
      }
      return body as T;
    },
    settle: () => settleTracker({ s3, documents, outputs, timeoutMs: parts.settleTimeoutMs }),
    async stop() {
      if (stopped) return;
      stopped = true;
      lambda.destroy();
      apiGateway.destroy();
      documents.destroy();
      dynamodb.destroy();
      s3.destroy();
      await parts.stop();
    },
    async [Symbol.asyncDispose]() {
      await target.stop();
    },
  };
  return target;
}

interface SettleParts {
  readonly s3: S3Client;
  readonly documents: DynamoDBDocumentClient;
  readonly outputs: AppOutputs;
  readonly timeoutMs: number;
  readonly quietMs?: number;
  readonly pollMs?: number;
}

interface Snapshot {
  readonly totals: { sizeBytes: number; objectCount: number };
  readonly recount: { sizeBytes: number; objectCount: number };
  /** Changes whenever the tracker writes anything for the bucket (totals revision, entry versions). */
  readonly fingerprint: string;
}

/**
 * LocalStack delivers S3 events to the tracker asynchronously. The tracker has caught up when its
 * totals equal a fresh ListObjectsV2 recount and nothing it writes (totals revision, ledger entry
 * versions) has changed for `quietMs`. Bounded by `timeoutMs`, with the last values in the error.
 */
export async function settleTracker(parts: SettleParts): Promise<void> {
  const quietMs = parts.quietMs ?? 1500;
  const pollMs = parts.pollMs ?? 250;
  const deadline = Date.now() + parts.timeoutMs;
  let last: Snapshot | undefined;
  let quietSince = Date.now();
  for (;;) {
    const snapshot = await takeSnapshot(parts);
    const caughtUp =
      snapshot.totals.sizeBytes === snapshot.recount.sizeBytes &&
      snapshot.totals.objectCount === snapshot.recount.objectCount;
    if (!last || last.fingerprint !== snapshot.fingerprint || !caughtUp) quietSince = Date.now();
    else if (Date.now() - quietSince >= quietMs) return;
    last = snapshot;
    if (Date.now() > deadline) {
      throw new Error(
        `LocalStack: the tracker did not catch up within ${parts.timeoutMs} ms: ledger totals ` +
          `${snapshot.totals.sizeBytes} B / ${snapshot.totals.objectCount} objects, ListObjectsV2 recount ` +
          `${snapshot.recount.sizeBytes} B / ${snapshot.recount.objectCount} objects for ${parts.outputs.bucketName} ` +
          '(are S3 notifications reaching the size-tracking function? see its logs with `awslocal logs tail`)',
      );
    }
    await sleep(pollMs);
  }
}

async function takeSnapshot({ s3, documents, outputs }: SettleParts): Promise<Snapshot> {
  const bucket = outputs.bucketName;
  const [totalsItem, entries, recount] = await Promise.all([
    documents.send(
      new GetCommand({
        TableName: outputs.ledgerTable,
        Key: { [LEDGER.partitionKey]: bucket, [LEDGER.sortKey]: LEDGER.totalsEntry },
        ConsistentRead: true,
      }),
    ),
    ledgerVersions(documents, outputs.ledgerTable, bucket),
    recountBucket(s3, bucket),
  ]);
  const item = totalsItem.Item ?? {};
  return {
    totals: { sizeBytes: Number(item.size_bytes ?? 0), objectCount: Number(item.object_count ?? 0) },
    recount,
    fingerprint: `${String(item.revision ?? 0)}|${entries}`,
  };
}

async function ledgerVersions(
  documents: DynamoDBDocumentClient,
  table: string,
  bucket: string,
): Promise<string> {
  const parts: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#bucket = :bucket',
        ExpressionAttributeNames: {
          '#bucket': LEDGER.partitionKey,
          '#entry': LEDGER.sortKey,
          '#version': 'version',
        },
        ExpressionAttributeValues: { ':bucket': bucket },
        ProjectionExpression: '#entry, #version',
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? [])
      parts.push(`${String(item[LEDGER.sortKey])}@${String(item.version ?? '')}`);
    start = page.LastEvaluatedKey;
  } while (start);
  return parts.join(',');
}

async function recountBucket(
  s3: S3Client,
  bucket: string,
): Promise<{ sizeBytes: number; objectCount: number }> {
  let sizeBytes = 0;
  let objectCount = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      sizeBytes += object.Size ?? 0;
      objectCount++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { sizeBytes, objectCount };
}
