import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ConfirmSubscriptionCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LocalstackContainer } from '@testcontainers/localstack';
import { getContainerRuntimeClient, Network } from 'testcontainers';
import { startRekognitionProcess } from '../../emulator/rekognition/process.ts';
import { apiKeyValue } from '../targets/api-key.ts';
import { dockerAvailability } from '../targets/docker.ts';
import {
  cdklocal,
  cdklocalEnvironment,
  LOCALSTACK_ACCOUNT,
  LOCALSTACK_REGION,
  localizePlotApiUrl,
  localStackContainerEnvironment,
  localStackImage,
} from '../targets/localstack.ts';
import type { PetTarget } from './target.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
/** What the PetDetector needs on top of the size tracker's services. */
const PET_SERVICES = [
  'cloudformation',
  'iam',
  'sts',
  'ssm',
  'ecr',
  's3',
  'dynamodb',
  'dynamodbstreams',
  'kms',
  'lambda',
  'apigateway',
  'logs',
  'sns',
  'cloudwatch',
  'stepfunctions',
];

/** An HTTP subscriber for the alerts topic: confirms its subscription, keeps each notification. */
async function startAlertSink(): Promise<{
  port: number;
  alerts: { subject: string; body: string }[];
  onConfirmation: (confirm: (topicArn: string, token: string) => Promise<void>) => void;
  stop: () => Promise<void>;
}> {
  const alerts: { subject: string; body: string }[] = [];
  let confirm: ((topicArn: string, token: string) => Promise<void>) | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string>;
      if (message.Type === 'SubscriptionConfirmation' && confirm)
        void confirm(message.TopicArn as string, message.Token as string);
      if (message.Type === 'Notification')
        alerts.push({ subject: message.Subject ?? '', body: message.Message ?? '' });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    alerts,
    onConfirmation: (fn) => {
      confirm = fn;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startLocalStackPetTarget(
  log: (line: string) => void = (line) => process.stderr.write(`[pet localstack] ${line}\n`),
): Promise<PetTarget> {
  const docker = await dockerAvailability();
  if (!docker.available) throw new Error(`the LocalStack target needs Docker: ${docker.reason}`);
  const stage = 'dev';
  const hostName = process.env.PET_DOCKER_HOST_NAME ?? 'host.docker.internal';
  const workDir = await mkdtemp(join(tmpdir(), 'pet-detector-localstack-'));
  const stoppers: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const rekognition = await startRekognitionProcess({ host: '0.0.0.0', log });
    stoppers.push(() => rekognition.stop());
    const sink = await startAlertSink();
    stoppers.push(() => sink.stop());
    const runtime = await getContainerRuntimeClient();
    const network = await new Network().start();
    stoppers.push(() => network.stop());
    const container = await new LocalstackContainer(localStackImage())
      .withNetwork(network)
      .withEnvironment({
        ...localStackContainerEnvironment(process.env, network.getName()),
        SERVICES: PET_SERVICES.join(','),
        // function containers (the image processor) reach the embedded Rekognition on this host
        LAMBDA_DOCKER_FLAGS: `--add-host=${hostName}:host-gateway`,
      })
      .withExtraHosts([{ host: hostName, ipAddress: 'host-gateway' }])
      .withBindMounts([
        { source: runtime.info.containerRuntime.remoteSocketPath, target: '/var/run/docker.sock' },
      ])
      .start();
    stoppers.push(() => container.stop());
    const endpoint = container.getConnectionUri();
    await rekognition.ready;
    log(
      `LocalStack at ${endpoint}; Rekognition for its functions at http://${hostName}:${new URL(rekognition.endpoint).port}`,
    );

    const env = cdklocalEnvironment(process.env, endpoint);
    const context = [
      '-c',
      'app=pet',
      '-c',
      `stage=${stage}`,
      '-c',
      `rekognitionEndpoint=http://${hostName}:${new URL(rekognition.endpoint).port}`,
      '--output',
      join(workDir, 'cdk.out'),
    ];
    await cdklocal(
      ['bootstrap', `aws://${LOCALSTACK_ACCOUNT}/${LOCALSTACK_REGION}`, ...context],
      env,
      join(workDir, 'bootstrap.log'),
      10 * 60_000,
    );
    const outputsFile = join(workDir, 'outputs.json');
    await cdklocal(
      ['deploy', '--all', '--require-approval', 'never', '--outputs-file', outputsFile, ...context],
      env,
      join(workDir, 'deploy.log'),
      15 * 60_000,
    );
    const outputs = Object.assign(
      {},
      ...Object.values(
        JSON.parse(await readFile(outputsFile, 'utf8')) as Record<string, Record<string, string>>,
      ),
    ) as Record<string, string>;
    const region = LOCALSTACK_REGION;
    const apiGateway = new APIGatewayClient({ endpoint, region, credentials });
    const apiKey = await apiKeyValue(apiGateway, outputs.ApiKeyId as string).finally(() =>
      apiGateway.destroy(),
    );
    const sns = new SNSClient({ endpoint, region, credentials });
    sink.onConfirmation(async (topicArn, token) => {
      await sns.send(new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: token }));
    });
    await sns.send(
      new SubscribeCommand({
        TopicArn: outputs.AlertTopicArn,
        Protocol: 'http',
        Endpoint: `http://${hostName}:${sink.port}/`,
      }),
    );
    const s3 = new S3Client({ endpoint, region, credentials, forcePathStyle: true });
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region, credentials }));
    const sfn = new SFNClient({ endpoint, region, credentials });
    const lambda = new LambdaClient({ endpoint, region, credentials });
    stoppers.push(async () => {
      for (const client of [s3, db, sfn, lambda, sns]) client.destroy();
    });
    const stateMachineArn = outputs.StateMachineArn as string;
    return {
      name: 'LocalStack',
      apiUrl: localizePlotApiUrl(outputs.ApiUrl as string, endpoint).replace(/\/$/, ''),
      apiKey,
      bucket: outputs.ImagesBucketName as string,
      detectionTable: outputs.DetectionTableName as string,
      countsTable: outputs.LabelCountsTableName as string,
      stateMachineArn,
      s3,
      db,
      sfn,
      patienceSeconds: 600,
      reachable: (url) => {
        const parsed = new URL(url);
        const mapped = new URL(endpoint);
        parsed.protocol = mapped.protocol;
        parsed.host = mapped.host;
        return parsed.toString();
      },
      alerts: async () => [...sink.alerts],
      async deliverS3Event(event) {
        await lambda.send(
          new InvokeCommand({
            FunctionName: outputs.StartWorkflowFunctionName ?? `serverlessapp-${stage}-start-workflow`,
            Payload: Buffer.from(JSON.stringify(event)),
          }),
        );
      },
      async whenIdle() {
        for (let i = 0; i < 600; i++) {
          const running = await sfn.send(
            new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }),
          );
          if ((running.executions ?? []).length === 0) return;
          await sleep(1000);
        }
        throw new Error('executions still running after 10 minutes');
      },
      async stop() {
        await stopAll();
        if (process.env.LOCALSTACK_KEEP_LOGS !== '1') await rm(workDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
