import { randomUUID } from 'node:crypto';
import type { LambdaFunctionSpec } from '../cloudformation/cloud-model.ts';
import type { FunctionFailure } from './child.ts';
import { ExecutionEnvironment } from './execution-environment.ts';
import type { FaultInjector } from './faults.ts';
import { nodeSearchPath } from './runtimes.ts';

/**
 * Runs functions the way Lambda does, each in its own execution environments: child processes that
 * see only that function's environment, kept warm between invocations, one invocation at a time
 * each, up to `maxConcurrency` per function. A timeout kills the environment; the next invocation
 * starts a fresh one.
 */
export interface LambdaRunnerOptions {
  readonly region: string;
  readonly accountId?: string;
  readonly endpoints: {
    readonly s3: string;
    readonly dynamodb: string;
    readonly sns?: string;
    readonly sqs?: string;
    readonly apiGateway?: string;
    readonly lambda?: string;
    /** The embedded Rekognition (DetectLabels), when the assembly uses Rekognition. */
    readonly rekognition?: string;
    readonly sfn?: string;
  };
  /**
   * Modules every Node.js function imports before its own code (NODE_OPTIONS `--import`, ahead of
   * the template's NODE_OPTIONS), with the variables they read: platform plumbing such as the route
   * of custom resource responses (cloudformation/custom-resources/response-route.ts).
   */
  readonly nodePreloads?: {
    readonly modules: readonly string[];
    readonly environment: Readonly<Record<string, string>>;
  };
  /** Receives every function log line prefixed with `[function name]`; lines are only kept when omitted. */
  readonly echo?: (line: string) => void;
  /** Log lines kept per function (a ring buffer). Default 2000. */
  readonly logLimit?: number;
  /** Concurrent execution environments per function. Default 4. */
  readonly maxConcurrency?: number;
  /** Crash injection (fault campaigns); none when omitted. */
  readonly faults?: FaultInjector;
}

/** How an invocation is attempted: async invocations are retried, a sync one has a single attempt. */
export interface InvokeAttempt {
  /** No retry follows this attempt. Default true. */
  readonly finalAttempt?: boolean;
}

export type InvokeOutcome =
  | { readonly ok: true; readonly requestId: string; readonly payload: unknown }
  | { readonly ok: false; readonly requestId: string; readonly error: FunctionFailure };

/** The process environment of a function's execution environment: the template's plus Lambda's own. */
export function functionEnvironment(
  spec: LambdaFunctionSpec,
  options: LambdaRunnerOptions,
): Record<string, string> {
  return {
    ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
    LANG: 'en_US.UTF-8',
    ...spec.environment,
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_S3: options.endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: options.endpoints.dynamodb,
    ...(options.endpoints.sns ? { AWS_ENDPOINT_URL_SNS: options.endpoints.sns } : {}),
    ...(options.endpoints.sqs ? { AWS_ENDPOINT_URL_SQS: options.endpoints.sqs } : {}),
    // API Gateway's control plane (GetApiKey...) is served on the local API port
    ...(options.endpoints.apiGateway ? { AWS_ENDPOINT_URL_API_GATEWAY: options.endpoints.apiGateway } : {}),
    ...(options.endpoints.lambda ? { AWS_ENDPOINT_URL_LAMBDA: options.endpoints.lambda } : {}),
    ...(options.endpoints.rekognition ? { AWS_ENDPOINT_URL_REKOGNITION: options.endpoints.rekognition } : {}),
    ...(options.endpoints.sfn ? { AWS_ENDPOINT_URL_SFN: options.endpoints.sfn } : {}),
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${spec.name}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    LAMBDA_TASK_ROOT: spec.assetDir,
    _HANDLER: spec.handler,
    // as AWS sets it: where packages are found after the function's own node_modules (module-isolation.ts)
    ...(spec.runtime.startsWith('nodejs')
      ? { NODE_PATH: nodeSearchPath(spec.runtime, spec.layerDirs).join(':') }
      : {}),
    ...(spec.runtime.startsWith('nodejs') && options.nodePreloads
      ? nodePreloadEnvironment(spec, options.nodePreloads)
      : {}),
  };
}

function nodePreloadEnvironment(
  spec: LambdaFunctionSpec,
  preloads: NonNullable<LambdaRunnerOptions['nodePreloads']>,
): Record<string, string> {
  const imports = preloads.modules.map((url) => `--import=${url}`);
  const own = spec.environment.NODE_OPTIONS;
  return { ...preloads.environment, NODE_OPTIONS: [...imports, ...(own ? [own] : [])].join(' ') };
}

class FunctionPool {
  private readonly idle: ExecutionEnvironment[] = [];
  readonly all = new Set<ExecutionEnvironment>();
  private readonly waiters: (() => void)[] = [];

  private readonly create: () => ExecutionEnvironment;
  private readonly max: number;

  constructor(create: () => ExecutionEnvironment, max: number) {
    this.create = create;
    this.max = max;
  }

  private closed = false;

  /** An environment for one invocation; undefined once the pool is closed (the cloud is stopping). */
  async acquire(): Promise<ExecutionEnvironment | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const warm = this.idle.pop();
      if (warm && !warm.broken) return warm;
      if (warm) {
        // died while idle (killed, out of memory): it no longer counts against the concurrency limit
        this.all.delete(warm);
        void warm.stop();
        continue;
      }
      if (this.all.size < this.max) {
        const fresh = this.create();
        this.all.add(fresh);
        return fresh;
      }
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  /** Starts one environment's init phase ahead of the first invocation, unless one exists. */
  prewarm(): Promise<void> {
    if (this.closed || this.all.size > 0) return Promise.resolve();
    const fresh = this.create();
    this.all.add(fresh);
    this.idle.push(fresh);
    return fresh.prewarm();
  }

  /** No new environments from now on; invocations still waiting for one give up. */
  close(): void {
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  release(environment: ExecutionEnvironment): void {
    if (environment.broken || this.closed) {
      this.all.delete(environment);
      void environment.stop();
    } else this.idle.push(environment);
    this.waiters.shift()?.();
  }
}

export class LambdaRunner {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly logBuffers = new Map<string, string[]>();
  private stopped = false;

  private readonly options: LambdaRunnerOptions;

  // (no parameter properties: emulator/ stays runnable by Node's type stripping)
  constructor(options: LambdaRunnerOptions) {
    this.options = options;
  }

  /**
   * Loads the function's module in one environment now (like provisioned concurrency of 1), so
   * that the first events are not held up, and reordered, by a cold start of several seconds.
   */
  prewarm(spec: LambdaFunctionSpec): Promise<void> {
    return this.stopped ? Promise.resolve() : this.poolFor(spec).prewarm();
  }

  /** Invokes synchronously (RequestResponse): the function's result, or its error, never a throw. */
  async invoke(
    spec: LambdaFunctionSpec,
    event: unknown,
    attempt: InvokeAttempt = {},
  ): Promise<InvokeOutcome> {
    const requestId = randomUUID();
    const stopped: InvokeOutcome = {
      ok: false,
      requestId,
      error: { errorType: 'Runtime.Stopped', errorMessage: 'the local cloud is stopped' },
    };
    if (this.stopped) return stopped;
    const pool = this.poolFor(spec);
    const environment = await pool.acquire();
    if (!environment) return stopped;
    const log = (line: string) => this.appendLog(spec.name, line);
    log(`START RequestId: ${requestId} Version: $LATEST`);
    const started = performance.now();
    const faults = this.options.faults;
    const warm = environment.warm;
    const crashAfterMs = faults?.plan(spec, attempt.finalAttempt ?? true);
    try {
      const outcome = await environment.run(
        event,
        {
          functionName: spec.name,
          functionVersion: '$LATEST',
          invokedFunctionArn: spec.arn,
          memoryLimitInMB: String(spec.memoryMb),
          awsRequestId: requestId,
          logGroupName: `/aws/lambda/${spec.name}`,
          logStreamName: `local/[$LATEST]${spec.name}`,
        },
        spec.timeoutSeconds * 1000,
        crashAfterMs,
      );
      const durationMs = performance.now() - started;
      if (faults?.applies(spec))
        faults.observe(spec, { durationMs, crashed: outcome.crashed === true, warm });
      const duration = durationMs.toFixed(2);
      if (!outcome.ok) log(`${requestId} ERROR ${outcome.error?.errorType}: ${outcome.error?.errorMessage}`);
      log(`END RequestId: ${requestId}`);
      log(`REPORT RequestId: ${requestId}\tDuration: ${duration} ms\tMemory Size: ${spec.memoryMb} MB`);
      if (outcome.ok) return { ok: true, requestId, payload: JSON.parse(outcome.payload ?? 'null') };
      return { ok: false, requestId, error: outcome.error as FunctionFailure };
    } finally {
      pool.release(environment);
    }
  }

  /** The function's recent log lines (its stdout and stderr, plus START/END/REPORT lines). */
  logs(functionName: string): string[] {
    return [...(this.logBuffers.get(functionName) ?? [])];
  }

  /** Terminates every execution environment. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const pool of this.pools.values()) pool.close();
    const environments = [...this.pools.values()].flatMap((pool) => [...pool.all]);
    this.pools.clear();
    await Promise.all(environments.map((environment) => environment.stop()));
  }

  private poolFor(spec: LambdaFunctionSpec): FunctionPool {
    let pool = this.pools.get(spec.arn);
    if (!pool) {
      const env = functionEnvironment(spec, this.options);
      const onLine = (line: string) => this.appendLog(spec.name, line);
      pool = new FunctionPool(
        () => new ExecutionEnvironment(spec, env, onLine, this.options.faults?.clockOffsetMs(spec) ?? 0),
        this.options.maxConcurrency ?? 4,
      );
      this.pools.set(spec.arn, pool);
    }
    return pool;
  }

  private appendLog(functionName: string, line: string): void {
    const buffer = this.logBuffers.get(functionName) ?? [];
    this.logBuffers.set(functionName, buffer);
    buffer.push(line);
    const limit = this.options.logLimit ?? 2000;
    if (buffer.length > limit) buffer.splice(0, buffer.length - limit);
    this.options.echo?.(`[${functionName}] ${line}`);
  }
}
