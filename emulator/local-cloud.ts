import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { localizeExecuteApiUrl } from './apigateway/execute-api-url.ts';
import { startApiGateway } from './apigateway/server.ts';
import { readAssembly } from './cloudformation/assembly.ts';
import { CloudModel, type ScheduleRule } from './cloudformation/cloud-model.ts';
import { CustomResourceProvisioner } from './cloudformation/custom-resources/provisioner.ts';
import { ResponseEndpoint } from './cloudformation/custom-resources/response-endpoint.ts';
import { assertAssemblySupported } from './cloudformation/deploy-plan.ts';
import { type DeployEnvironment, deployStack } from './cloudformation/deployer.ts';
import { startDynamoDbLocal } from './dynamodb/server.ts';
import { startStreamMappings } from './dynamodb/streams/start.ts';
import { ratePeriodMs, runScheduleRule } from './events/schedules.ts';
import { startLambdaApi } from './lambda/api-server.ts';
import { AsyncInvoker } from './lambda/async-invoker.ts';
import { FaultInjector, type FaultOptions, type FaultStats } from './lambda/faults.ts';
import { LambdaRunner } from './lambda/runner.ts';
import { javascriptCopyUrl } from './lambda/stripped-modules.ts';
import { startRekognitionProcess, templatesUseRekognition } from './rekognition/process.ts';
import { handlerFor } from './resource-handlers.ts';
import { type EventsOptions, resolveEventsOptions, type S3ChangeFacts } from './s3/delivery/options.ts';
import type { DeliveryStats } from './s3/delivery/pipeline.ts';
import { describeProfile, profiledEventSource } from './s3/delivery/source.ts';
import { EventRouter } from './s3/notifications.ts';
import { type S3EventRecord, startS3Server } from './s3/server.ts';
import { freePort } from './services/free-port.ts';
import { newerSourceThan } from './services/stale-check.ts';
import { readSeed } from './services/state-dir.ts';
import { type OutboxEmail, outboxDir, readOutbox } from './sns/outbox.ts';
import { startSnsServer } from './sns/server.ts';
import { SnsService } from './sns/service.ts';
import { startS3Destinations } from './sqs/s3-destinations.ts';
import { snsToQueue } from './sqs/sns-delivery.ts';
import { startEmbeddedSqs, startSqsMappings } from './sqs/start.ts';
import { startStepFunctions } from './stepfunctions/start.ts';

export interface LocalCloudOptions {
  /** The synthesized cloud assembly. Default `cdk.out`. */
  assemblyDir?: string;
  /** Where buckets, objects and tables live across restarts. Default `.local`; null: temporary. */
  stateDir?: string | null;
  apiPort?: number;
  s3Port?: number;
  dynamodbPort?: number;
  snsPort?: number;
  sqsPort?: number;
  sfnPort?: number;
  /** Use this running DynamoDB (e.g. a test run's shared DynamoDB Local) instead of starting one. */
  dynamodbEndpoint?: string;
  region?: string;
  /** Progress lines (one per long step) and notes. Default: console.log. */
  log?: (line: string) => void;
  /** Echo function log lines, prefixed `[function name]`, through `log`. Default false. */
  echoFunctionLogs?: boolean;
  /** Delays before the retries of a failed async invocation. Default [1000, 2000] (2 retries). */
  asyncRetryDelaysMs?: number[];
  /** Run `rate(...)` schedules on a timer as well. Default false: schedules run via runSchedule(). */
  runSchedulesOnTimer?: boolean;
  /** Concurrent execution environments per function (Lambda scales out; 1 keeps events in order). Default 4. */
  functionConcurrency?: number;
  /** Crash injection for fault campaigns (see faults.ts). Default: none. */
  faults?: FaultOptions;
  /** How S3 records reach the notified functions (s3/delivery/options.ts). Default `{ profile: 'ideal' }`. */
  events?: EventsOptions;
  /**
   * Serve Rekognition's DetectLabels (the local model, in a child process; functions get
   * AWS_ENDPOINT_URL_REKOGNITION). Default: when a template grants a `rekognition:` action.
   */
  rekognition?: boolean;
}

export interface LocalCloud {
  /** `lambda`: the Lambda Invoke API (functions reach it through AWS_ENDPOINT_URL_LAMBDA). */
  readonly endpoints: {
    s3: string;
    dynamodb: string;
    api: string;
    sns: string;
    sqs: string;
    lambda: string;
    sfn: string;
    /** The embedded Rekognition, when started (see LocalCloudOptions.rekognition). */
    rekognition?: string;
  };
  /** Where `email`/`email-json` SNS subscriptions write their messages (`<stateDir>/sns/outbox`). */
  readonly emailOutbox: string;
  /** The emails in the outbox so far, oldest first (sns/outbox.ts). */
  outbox(options?: { topic?: string }): OutboxEmail[];
  /** Resolved stack outputs, by stack name then output key. */
  readonly outputs: Record<string, Record<string, string>>;
  /** Deployed functions, by logical id and by physical name. */
  readonly functions: Record<string, { name: string; logicalId: string; stack: string }>;
  readonly region: string;
  /** Sync invoke; throws an Error carrying errorType when the function fails. */
  invoke(functionNameOrLogicalId: string, payload: unknown): Promise<unknown>;
  /** Async invoke (queued, retried): resolves once accepted, like Lambda's Event invocation type. */
  invokeAsync(functionNameOrLogicalId: string, payload: unknown): Promise<void>;
  /** Runs the Lambda targets of EventBridge schedules now (one rule, or all) and waits for them. */
  runSchedule(ruleLogicalId?: string): Promise<void>;
  /** Resolves when no async invocation is queued or running (and none arrived for a moment), and no Step Functions execution runs. */
  whenIdle(): Promise<void>;
  failures(): ReadonlyArray<{ functionName: string; event: unknown; error: string; attempts: number }>;
  logs(functionName: string): string[];
  /** Invocations of the functions `faults` applies to, and how many were crashed (zeros without faults). */
  faultStats(): FaultStats;
  /** The delivery profile (with its seed, drawn when not given) and what it did so far. */
  eventDelivery(): DeliveryStats & { profile: string; seed: number };
  /** Also receive the embedded S3's event records (routing to notifications goes on). Returns an unsubscribe. */
  onS3Event(listener: (record: S3EventRecord, facts?: S3ChangeFacts) => void): () => void;
  /**
   * Moves the embedded S3's clock forward (LastModified, event times, lifecycle) and runs its
   * lifecycle rules at the new time; resolves once the resulting events were delivered and handled.
   */
  advanceClock(by: { days?: number; hours?: number; ms?: number }): Promise<void>;
  /** Deletes the stacks' custom resources (Delete requests, newest first), then stops. Other resources stay. */
  destroy(): Promise<void>;
  stop(): Promise<void>;
}

export class FunctionError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;
  constructor(functionName: string, errorType: string, errorMessage: string) {
    super(`${functionName} failed: ${errorType}: ${errorMessage}`);
    this.name = 'FunctionError';
    this.errorType = errorType;
    this.errorMessage = errorMessage;
  }
}

const ACCOUNT_ID = '000000000000';

/** Starts the emulators, deploys every stack of the assembly onto them, and serves the APIs. */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const log = options.log ?? ((line: string) => console.log(line));
  const region = options.region ?? 'us-east-1';
  const events = resolveEventsOptions(options.events ?? { profile: 'ideal' });
  const assembly = readAssembly(options.assemblyDir ?? 'cdk.out');
  // every unsupported type, runtime and integration of every stack, in one message, before anything starts
  assertAssemblySupported(assembly.stacks, handlerFor);
  const project = dirname(assembly.directory);
  const newer = newerSourceThan(assembly.manifestMtimeMs, [
    join(project, 'infra'),
    join(project, 'handlers'),
  ]);
  if (newer) log('cdk.out is older than the sources: run `npx cdk synth`');

  const stateDir = options.stateDir === null ? null : resolve(options.stateDir ?? '.local');
  if (stateDir) mkdirSync(stateDir, { recursive: true });
  const stoppers: (() => Promise<void>)[] = [];
  let customResources: CustomResourceProvisioner | undefined;
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop().catch(() => {});
  };

  try {
    const stopLater = <T extends { stop(): Promise<void> }>(service: T): T => {
      stoppers.push(() => service.stop());
      return service;
    };
    log(`starting DynamoDB Local and S3${stateDir ? ` (state in ${stateDir})` : ' (temporary state)'}...`);
    // DynamoDB Local (a JVM) is the slowest part of a start: its port is chosen now and everything
    // that does not need it (S3, the API, functions, deployment) goes ahead while it boots; only
    // table creation waits for it (see `later` below).
    const dynamodbPort = options.dynamodbPort ?? (await freePort());
    const dynamoAbort = new AbortController();
    const dynamoStarting = options.dynamodbEndpoint
      ? Promise.resolve({ endpoint: options.dynamodbEndpoint, startupMs: 0, stop: async () => {} })
      : startDynamoDbLocal({
          ...(stateDir ? { dataDir: join(stateDir, 'dynamodb') } : {}),
          port: dynamodbPort,
          signal: dynamoAbort.signal,
        });
    dynamoStarting.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    // registered now, not once started: a deployment that fails while DynamoDB Local boots stops it too
    stoppers.push(async () => {
      dynamoAbort.abort();
      await (await dynamoStarting.catch(() => undefined))?.stop();
    });
    const dynamoEndpoint = options.dynamodbEndpoint ?? `http://127.0.0.1:${dynamodbPort}`;
    const dynamoReady = dynamoStarting.then((dynamo) => {
      log(`DynamoDB Local at ${dynamo.endpoint} (${dynamo.startupMs} ms)`);
    });
    dynamoReady.catch(() => {}); // awaited below, unless a deployment failure aborted the start first
    const s3 = await startS3Server({
      region,
      ...(stateDir ? { dataDir: join(stateDir, 's3') } : {}),
      ...(options.s3Port ? { port: options.s3Port } : {}),
      // LocalStack 4.14 stores lifecycle rules and never runs them (provider.py): neither does its profile
      ...(events.profile === 'localstack-4.14' ? { runLifecycle: false } : {}),
      // never run on without S3: the cloud stops with it (server.ts has said why on stderr)
      onUnexpectedExit: (error) => {
        log(`${error.message}: stopping the cloud`);
        void stopAll();
      },
    }).then(stopLater);
    log(`S3 at ${s3.endpoint}`);
    const dynamo = { endpoint: dynamoEndpoint };
    // the model loads in its own process while the stacks deploy; awaited before the cloud is handed out
    const rekognition =
      (options.rekognition ?? templatesUseRekognition(assembly.stacks.map((stack) => stack.template)))
        ? stopLater(await startRekognitionProcess({ s3Endpoint: s3.endpoint, log }))
        : undefined;

    // SNS listens before deploying: the template's topics and subscriptions are made through its API
    const snsStateDir = stateDir ?? mkdtempSync(join(tmpdir(), 'local-cloud-sns-'));
    if (!stateDir) stoppers.push(async () => rmSync(snsStateDir, { recursive: true, force: true }));
    const snsService = new SnsService({
      region,
      accountId: ACCOUNT_ID,
      stateDir: snsStateDir,
      invokeFunction: async (functionArn, event) => {
        const spec = model.findFunction(functionArn);
        if (!spec) throw new Error(`no function ${functionArn} in this cloud`);
        const outcome = await invoker.enqueue(spec, event);
        if (!outcome.ok) throw new Error(outcome.error ?? 'failed');
      },
      // sqs subscriptions: the embedded SQS (started below, before anything is published)
      sendToQueue: (queueArn, message) => snsToQueue(sqs.service)(queueArn, message),
      log,
    });
    const sns = await startSnsServer({
      service: snsService,
      accountId: ACCOUNT_ID,
      ...(options.snsPort ? { port: options.snsPort } : {}),
      log,
    });
    stoppers.push(() => sns.stop());
    log(`SNS at ${sns.endpoint}`);

    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const clients = {
      s3: new S3Client({ endpoint: s3.endpoint, region, credentials, forcePathStyle: true }),
      dynamodb: new DynamoDBClient({ endpoint: dynamo.endpoint, region, credentials }),
      sns: new SNSClient({ endpoint: sns.endpoint, region, credentials }),
    };
    stoppers.push(async () => {
      clients.s3.destroy();
      clients.dynamodb.destroy();
      clients.sns.destroy();
    });

    const model = new CloudModel();
    // SQS listens before deploying: queue URLs (the Ref of a queue) carry its port
    const sqs = stopLater(
      await startEmbeddedSqs({
        model,
        region,
        accountId: ACCOUNT_ID,
        stateDir,
        ...(options.sqsPort ? { port: options.sqsPort } : {}),
        log,
      }),
    );
    log(`SQS at ${sqs.endpoint}`);
    // Step Functions: its API listens before deploying (state machines are created through it)
    const stepFunctions = await startStepFunctions({
      region,
      accountId: ACCOUNT_ID,
      stateDir,
      ...(options.sfnPort ? { port: options.sfnPort } : {}),
      clients,
      model,
      invoke: (spec, event) => runner.invoke(spec, event),
      invokeAsync: (spec, event) => void invoker.enqueue(spec, event),
      log,
    });
    stoppers.push(() => stepFunctions.stop());
    log(`Step Functions at ${stepFunctions.endpoint}`);
    const faults = options.faults ? new FaultInjector(options.faults) : undefined;
    // the API server listens before deploying, so its port is in the URLs the templates build
    const api = await startApiGateway({
      model,
      // runner is created just below; the server invokes nothing before the stacks deploy
      invoke: (spec, event) => runner.invoke(spec, event),
      // AWS integrations: Event invocations are queued like Lambda's; DynamoDB, SNS, SQS and Step
      // Functions actions go to ours
      invokeAsync: (spec, event) => void invoker.enqueue(spec, event),
      endpoints: {
        dynamodb: dynamo.endpoint,
        sns: sns.endpoint,
        sqs: sqs.endpoint,
        sfn: stepFunctions.endpoint,
      },
      region,
      accountId: ACCOUNT_ID,
      ...(options.apiPort ? { port: options.apiPort } : {}),
      log,
    });
    stoppers.push(() => api.stop());
    // custom resources: the endpoint their providers PUT responses to, and the Lambda API functions
    // invoke each other through (CDK's provider framework); both answer before the runner exists
    const responses = stopLater(await ResponseEndpoint.start());
    const lambdaApi = stopLater(
      await startLambdaApi({
        model,
        invoke: (spec, event) => runner.invoke(spec, event),
        invokeAsync: (spec, event) => void invoker.enqueue(spec, event),
      }),
    );
    const runner: LambdaRunner = new LambdaRunner({
      region,
      accountId: ACCOUNT_ID,
      endpoints: {
        s3: s3.endpoint,
        dynamodb: dynamo.endpoint,
        sns: sns.endpoint,
        sqs: sqs.endpoint,
        apiGateway: api.url,
        lambda: lambdaApi.endpoint,
        ...(rekognition ? { rekognition: rekognition.endpoint } : {}),
        sfn: stepFunctions.endpoint,
      },
      nodePreloads: {
        modules: [
          javascriptCopyUrl(new URL('./cloudformation/custom-resources/response-route.ts', import.meta.url)),
        ],
        environment: { _EMBEDDED_CFN_RESPONSE_PORT: String(responses.portNumber) },
      },
      ...(options.echoFunctionLogs ? { echo: log } : {}),
      ...(options.functionConcurrency ? { maxConcurrency: options.functionConcurrency } : {}),
      ...(faults ? { faults } : {}),
    });
    stoppers.push(() => runner.stop());
    // executions end (FAILED, "the embedded cloud stopped...") before the functions they call stop
    stoppers.push(async () => stepFunctions.service.stop());
    const invoker: AsyncInvoker = new AsyncInvoker(
      (spec, event, attempt) => runner.invoke(spec, event, attempt),
      {
        ...(options.asyncRetryDelaysMs ? { retryDelaysMs: options.asyncRetryDelaysMs } : {}),
        log,
      },
    );

    customResources = new CustomResourceProvisioner({
      endpoint: responses,
      model,
      invoke: (spec, event) => runner.invoke(spec, event),
      stateDir,
      region,
      accountId: ACCOUNT_ID,
      partition: 'aws',
      log,
    });
    const loggedOnce = new Set<string>();
    const needingDynamoDb: Promise<void>[] = [];
    const env: DeployEnvironment = {
      whenDynamoDbReady: (work) => {
        const done = dynamoReady.then(work);
        done.catch(() => {}); // awaited below
        needingDynamoDb.push(done);
      },
      region,
      accountId: ACCOUNT_ID,
      partition: 'aws',
      urlSuffix: 'amazonaws.com',
      seed: readSeed(stateDir),
      assets: assembly.assets,
      model,
      clients: { ...clients, sfn: stepFunctions.client },
      customResources,
      exports: new Map(),
      handlerFor,
      localizeUrl: (value) => localizeExecuteApiUrl(value, (id) => model.restApis.has(id), api.url),
      log,
      logOnce: (key, line) => {
        if (!loggedOnce.has(key)) log(line);
        loggedOnce.add(key);
      },
    };
    const outputs: Record<string, Record<string, string>> = {};
    for (const stack of assembly.stacks) {
      const count = Object.keys(stack.template.Resources).length;
      log(`deploying ${stack.name} (${count} resources)...`);
      const started = performance.now();
      outputs[stack.name] = (await deployStack(stack, env)).outputs;
      log(`deployed ${stack.name} in ${Math.round(performance.now() - started)} ms`);
    }

    // S3-notified functions are loaded now: their first events would otherwise race each other
    // through cold starts and arrive reordered. The others start on first use, as on AWS.
    const warming = performance.now();
    const notified = new Set([...model.notifications.values()].flat().map((n) => n.functionArn));
    const warmed = [...model.functions.values()].filter((spec) => notified.has(spec.arn));
    await Promise.all(warmed.map((spec) => runner.prewarm(spec)));
    log(
      `${model.functions.size} functions deployed, ${warmed.length} S3-notified loaded in ${Math.round(performance.now() - warming)} ms`,
    );
    await dynamoReady;
    await Promise.all(needingDynamoDb);
    if (rekognition)
      log(
        `Rekognition (DetectLabels, local model) at ${rekognition.endpoint} (${(await rekognition.ready).warmMs} ms)`,
      );
    // S3's records pass through the delivery profile on their way to the notified functions
    const delivery = profiledEventSource(s3, events, log);
    if (events.profile !== 'ideal') log(describeProfile(delivery.profile));
    const router = new EventRouter(model, invoker, log, {
      filtersMatchEncodedKey: delivery.profile.filtersMatchEncodedKey,
    });
    const unsubscribe = router.attach(delivery);
    // the buckets' queue and topic notifications (S3 -> SQS, S3 -> SNS), after their s3:TestEvent
    const unsubscribeDestinations = startS3Destinations({
      model,
      sqs: sqs.service,
      sns: snsService,
      source: delivery,
      stateDir,
      filtersMatchEncodedKey: delivery.profile.filtersMatchEncodedKey,
      log,
    });
    stoppers.push(async () => unsubscribeDestinations());
    stoppers.push(async () => {
      unsubscribe();
      const dropped = delivery.stop();
      if (dropped > 0) log(`${dropped} delayed S3 event deliveries dropped on stop`);
    });

    // DynamoDB stream -> function mappings, polled now that the tables exist
    const streamMappings = startStreamMappings(model, {
      endpoint: dynamo.endpoint,
      region,
      dynamodb: clients.dynamodb,
      invoke: (spec, event, attempt) => runner.invoke(spec, event, attempt),
      log,
      // with a state folder a restart resumes each mapping where it stopped (DynamoDB Local keeps the records)
      ...(stateDir ? { checkpointDir: join(stateDir, 'dynamodb-streams') } : {}),
    });
    stoppers.push(() => streamMappings.stop());

    // SQS queue -> function mappings (batches, partial failures, maximum concurrency)
    const sqsMappings = startSqsMappings(model, sqs.service, {
      invoke: (spec, event) => runner.invoke(spec, event),
      log,
    });
    stoppers.push(() => sqsMappings.stop());

    const find = (key: string) => model.requireFunction(key);
    const runRule = (rule: ScheduleRule) =>
      runScheduleRule(rule, {
        enqueue: (spec, event) => invoker.enqueue(spec, event),
        find,
        region,
        accountId: ACCOUNT_ID,
      });
    if (options.runSchedulesOnTimer) {
      for (const rule of model.rules.filter((r) => r.enabled)) {
        const period = ratePeriodMs(rule.scheduleExpression);
        if (!period) continue;
        const timer = setInterval(() => runRule(rule).catch((err: Error) => log(err.message)), period);
        timer.unref();
        stoppers.push(async () => clearInterval(timer));
      }
    }

    const functions: LocalCloud['functions'] = {};
    for (const spec of model.functions.values()) {
      const entry = { name: spec.name, logicalId: spec.logicalId, stack: spec.stack };
      functions[spec.logicalId] = entry;
      functions[spec.name] = entry;
    }

    // held-back records are pending work: idle means delivered and handled
    const whenIdle = async () => {
      do {
        await delivery.whenDrained();
        await invoker.whenIdle();
        await snsService.whenDrained(); // SNS deliveries include the function invocations they started
        await sqsMappings.whenIdle(); // SQS batches gathered or being handled, messages ready for a mapping
        await stepFunctions.service.whenIdle();
      } while (
        delivery.stats().pending > 0 ||
        snsService.pending() > 0 ||
        sqsMappings.busy() ||
        stepFunctions.service.running() > 0
      );
    };
    return {
      endpoints: {
        s3: s3.endpoint,
        dynamodb: dynamo.endpoint,
        api: api.url,
        sns: sns.endpoint,
        sqs: sqs.endpoint,
        lambda: lambdaApi.endpoint,
        ...(rekognition ? { rekognition: rekognition.endpoint } : {}),
        sfn: stepFunctions.endpoint,
      },
      emailOutbox: outboxDir(snsStateDir),
      outbox: (filter) => readOutbox(snsStateDir, filter),
      outputs,
      functions,
      region,
      async invoke(key, payload) {
        const spec = find(key);
        const outcome = await runner.invoke(spec, payload);
        if (outcome.ok) return outcome.payload;
        throw new FunctionError(spec.name, outcome.error.errorType, outcome.error.errorMessage);
      },
      async invokeAsync(key, payload) {
        void invoker.enqueue(find(key), payload);
      },
      async runSchedule(ruleLogicalId) {
        const rules = model.rules.filter(
          (rule) =>
            ruleLogicalId === undefined ||
            rule.logicalId === ruleLogicalId ||
            rule.logicalId.startsWith(ruleLogicalId) ||
            rule.name === ruleLogicalId,
        );
        if (ruleLogicalId !== undefined && rules.length === 0)
          throw new Error(`no EventBridge rule ${ruleLogicalId} in this cloud`);
        await Promise.all(rules.filter((rule) => rule.scheduleExpression).map(runRule));
      },
      whenIdle,
      failures: () => invoker.failures(),
      logs: (key) => runner.logs(model.findFunction(key)?.name ?? key),
      faultStats: () => faults?.stats() ?? { invocations: 0, crashes: 0 },
      eventDelivery: () => ({ ...delivery.stats(), profile: events.profile, seed: events.seed }),
      onS3Event: (listener) => s3.onEvent(listener),
      async advanceClock(by) {
        const ms = (by.days ?? 0) * 86_400_000 + (by.hours ?? 0) * 3_600_000 + (by.ms ?? 0);
        if (!Number.isFinite(ms) || ms < 0) throw new Error('advanceClock: days, hours and ms must be >= 0');
        await s3.advanceClock(ms);
        await whenIdle();
      },
      async destroy() {
        await customResources?.deleteAll();
        await stopAll();
      },
      stop: stopAll,
    };
  } catch (err) {
    // as CloudFormation's rollback: custom resources this run created get their Delete (updated ones an Update back)
    await customResources?.rollback();
    await stopAll();
    throw err;
  }
}
