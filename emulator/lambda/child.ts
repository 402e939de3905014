/**
 * The inside of one Lambda execution environment: a child Node process that loads a function's
 * asset module once (the init phase) and runs one invocation at a time for lambda-runner.ts.
 * A process rather than a worker thread: native addons (canvas) can crash a whole process when a
 * thread that used them is terminated, and a function's crash or process.exit must not take the
 * local cloud down.
 *
 * Started by plain Node with type stripping, outside any bundler: only erasable TypeScript syntax,
 * only node: imports. Its configuration comes as a JSON argument.
 */
import { existsSync } from 'node:fs';
import { createRequire, enableCompileCache, flushCompileCache } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isolateModules } from './module-isolation.ts';

// V8's code cache on disk (in the OS temp folder): an environment started after a crash or a timeout
// loads the function's bundle (the AWS SDK, ~0.5 MB) from cached bytecode instead of compiling it
// again. Same code, same behaviour; it only makes the init phase cheaper.
enableCompileCache?.();

export interface ChildConfig {
  readonly taskRoot: string;
  /** e.g. `index.handler` or `src/app.main`. */
  readonly handler: string;
  /** Fault injection: this environment's clock runs this far ahead (negative: behind). */
  readonly clockOffsetMs?: number;
  /** The declared runtime (e.g. `nodejs24.x`): its handler rules apply. */
  readonly runtime?: string;
  /** Callback handlers (3 parameters) run; false on nodejs24.x, which refuses them. */
  readonly callbacks?: boolean;
  /** Module isolation (module-isolation.ts): node_modules folders after the function's own. */
  readonly searchPath?: readonly string[];
  /** Added to a not-found error for an `@aws-sdk/` package. */
  readonly missingSdkHint?: string;
}

export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: number;
  /** The event as JSON: Lambda hands functions a parsed copy, never the caller's object. */
  readonly event: string;
  readonly context: {
    readonly functionName: string;
    readonly functionVersion: string;
    readonly invokedFunctionArn: string;
    readonly memoryLimitInMB: string;
    readonly awsRequestId: string;
    readonly logGroupName: string;
    readonly logStreamName: string;
    readonly deadlineMs: number;
  };
}

export interface FunctionFailure {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

export type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'log'; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly payload: string }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: FunctionFailure };

type Handler = (
  event: unknown,
  context: unknown,
  callback?: (err: unknown, result?: unknown) => void,
) => unknown;

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
if (config.clockOffsetMs) skewClock(config.clockOffsetMs);
if (config.searchPath) {
  isolateModules({
    taskRoot: config.taskRoot,
    searchPath: config.searchPath,
    ...(config.missingSdkHint ? { missingHint: { prefix: '@aws-sdk/', text: config.missingSdkHint } } : {}),
  });
}
const post = (message: ChildMessage) => {
  if (process.connected) process.send?.(message);
};

// Logs travel on the same channel as results, so a function's lines are recorded before its result.
for (const stream of ['stdout', 'stderr'] as const) {
  process[stream].write = ((chunk: unknown, encodingOrCallback?: unknown, callback?: unknown) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    post({ type: 'log', stream, text });
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof process.stdout.write;
}

function toFailure(err: unknown, fallbackType: string): FunctionFailure {
  if (err instanceof Error) {
    return {
      errorType: err.name || fallbackType,
      errorMessage: err.message,
      trace: (err.stack ?? '').split('\n'),
    };
  }
  return { errorType: fallbackType, errorMessage: typeof err === 'string' ? err : JSON.stringify(err) };
}

/** Shifts Date.now() and `new Date()` (no arguments) before the handler loads: a machine with its own clock. */
function skewClock(offsetMs: number): void {
  const RealDate = Date;
  const realNow = RealDate.now;
  const now = () => realNow() + offsetMs;
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now());
      else super(...(args as [string]));
    }
    static override now(): number {
      return now();
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
}

class RuntimeError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const CALLBACK_REMOVED =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

/** The user module, loaded as AWS's runtime interface client loads it (same lookup, same errors). */
async function loadModule(moduleRoot: string, moduleName: string): Promise<unknown> {
  const base = resolve(config.taskRoot, moduleRoot, moduleName);
  try {
    const file = ['', '.js', '.mjs', '.cjs'].map((extension) => base + extension).find((f) => existsSync(f));
    if (file) return await import(pathToFileURL(file).href);
    const require = createRequire(import.meta.url);
    return require(
      require.resolve(moduleName, { paths: [config.taskRoot, join(config.taskRoot, moduleRoot)] }),
    );
  } catch (err) {
    if (err instanceof SyntaxError) {
      const error = new RuntimeError('Runtime.UserCodeSyntaxError', String(err));
      error.stack = err.stack ?? error.stack;
      throw error;
    }
    if ((err as { code?: string }).code === 'MODULE_NOT_FOUND')
      throw new RuntimeError('Runtime.ImportModuleError', String(err));
    throw err;
  }
}

async function loadHandler(): Promise<Handler> {
  const full = config.handler;
  if (full.includes('..')) {
    throw new RuntimeError(
      'Runtime.MalformedHandlerName',
      `'${full}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const name = basename(full);
  const match = /^([^.]*)\.(.*)$/.exec(name);
  if (!match) throw new RuntimeError('Runtime.MalformedHandlerName', 'Bad handler');
  const moduleRoot = full.slice(0, full.indexOf(name)).replace(/\/$/, '');
  const loaded = await loadModule(moduleRoot, match[1] as string);
  const find = (from: unknown) =>
    (match[2] as string)
      .split('.')
      .reduce<unknown>(
        (nested, key) =>
          nested && typeof nested === 'object' ? (nested as Record<string, unknown>)[key] : undefined,
        from,
      );
  const handler = find(loaded) ?? find((loaded as { default?: unknown } | undefined)?.default);
  if (!handler) throw new RuntimeError('Runtime.HandlerNotFound', `${full} is undefined or not exported`);
  if (typeof handler !== 'function')
    throw new RuntimeError('Runtime.HandlerNotFound', `${full} is not a function`);
  const streaming = (handler as unknown as Record<symbol, unknown>)[
    Symbol.for('aws.lambda.runtime.handler.streaming')
  ];
  if (config.callbacks === false && handler.length >= 3 && !streaming)
    throw new RuntimeError('Runtime.CallbackHandlerDeprecated', CALLBACK_REMOVED);
  return handler as Handler;
}

let handlerPromise: Promise<Handler> | undefined;

async function invoke(message: InvokeMessage): Promise<unknown> {
  handlerPromise ??= loadHandler();
  let handler: Handler;
  try {
    handler = await handlerPromise;
  } catch (err) {
    handlerPromise = undefined; // a failed init is retried by the next invocation, as in Lambda
    throw err;
  }
  const { deadlineMs, ...fields } = message.context;
  const context = {
    ...fields,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
  const event = JSON.parse(message.event) as unknown;
  if (handler.length >= 3) {
    // callback-style handler (older runtimes)
    return new Promise((resolve, reject) => {
      const result = handler(event, context, (err, value) => (err ? reject(err) : resolve(value)));
      if (result && typeof (result as Promise<unknown>).then === 'function')
        (result as Promise<unknown>).then(resolve, reject);
    });
  }
  return handler(event, context);
}

let currentId: number | undefined;

// the parent going away (it was stopped or crashed) ends this environment too
process.on('disconnect', () => process.exit(0));
// an exception nobody awaited kills the environment, as in Lambda: report it against the invocation
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    const type =
      event === 'unhandledRejection' ? 'Runtime.UnhandledPromiseRejection' : 'Runtime.UncaughtException';
    if (currentId !== undefined)
      post({ type: 'result', id: currentId, ok: false, error: { ...toFailure(err, type), errorType: type } });
    setImmediate(() => process.exit(129));
  });
}
process.on('message', (message: InvokeMessage | { type: 'init' }) => {
  if (message?.type === 'init') {
    // pre-warming: run the init phase now, report its failure on the first invocation
    handlerPromise ??= loadHandler();
    const ready = () => {
      post({ type: 'ready' });
      flushCompileCache?.(); // the bundle's code cache, before any crash can lose it (services/compile-cache.ts)
    };
    handlerPromise.then(ready, ready);
    return;
  }
  if (message?.type !== 'invoke') return;
  currentId = message.id;
  invoke(message)
    .then((result) => JSON.stringify(result ?? null))
    .then(
      (payload) => post({ type: 'result', id: message.id, ok: true, payload }),
      (err) => post({ type: 'result', id: message.id, ok: false, error: toFailure(err, 'Error') }),
    )
    .finally(() => {
      currentId = undefined;
    });
});
