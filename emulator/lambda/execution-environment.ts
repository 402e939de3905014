import { type ChildProcess, fork } from 'node:child_process';
import type { LambdaFunctionSpec } from '../cloudformation/cloud-model.ts';
import { COMPILE_CACHE_EXEC_ARGV } from '../services/compile-cache.ts';
import type { ChildConfig, ChildMessage, FunctionFailure, InvokeMessage } from './child.ts';
import { spawnPythonChild } from './python/process.ts';
import {
  allowsCallbackHandlers,
  missingSdkHint,
  nodeSearchPath,
  pythonSearchPath,
  runtimeFamily,
} from './runtimes.ts';
import { javascriptCopy } from './stripped-modules.ts';

const CHILD = new URL('./child.ts', import.meta.url);
const MODULE_ISOLATION = new URL('./module-isolation.ts', import.meta.url);

/** Node flags for the child (module-isolation.ts uses module.registerHooks, still experimental). */
function childExecArgv(): string[] {
  return ['--disable-warning=ExperimentalWarning', ...COMPILE_CACHE_EXEC_ARGV];
}

/** Lambda's limit for the init phase; past it, the invocation starts and its timeout covers the rest. */
const INIT_LIMIT_MS = 10_000;

function initPhase(ready: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, INIT_LIMIT_MS);
  });
  return Promise.race([ready, limit]).finally(() => clearTimeout(timer));
}

export type Outcome = { ok: boolean; payload?: string; error?: FunctionFailure; crashed?: true };

/** One execution environment: a child process running child.ts (or python/bootstrap.py) for one function. */
export class ExecutionEnvironment {
  readonly child: ChildProcess;
  broken = false;
  /** The init phase has run (pre-warmed, or an invocation finished). */
  warm = false;
  private readonly onLine: (line: string) => void;
  private pending: { id: number; settle: (outcome: Outcome) => void } | null = null;
  private nextId = 1;
  private partial = { stdout: '', stderr: '' };
  private readonly exited: Promise<void>;

  constructor(
    spec: LambdaFunctionSpec,
    env: Record<string, string>,
    onLine: (line: string) => void,
    clockOffsetMs = 0,
  ) {
    this.onLine = onLine;
    const config: ChildConfig = {
      taskRoot: spec.assetDir,
      handler: spec.handler,
      ...(clockOffsetMs ? { clockOffsetMs } : {}),
      runtime: spec.runtime,
      callbacks: allowsCallbackHandlers(spec.runtime),
      searchPath: nodeSearchPath(spec.runtime, spec.layerDirs),
      missingSdkHint: missingSdkHint(),
    };
    this.child =
      runtimeFamily(spec.runtime) === 'python'
        ? spawnPythonChild(spec, env, pythonSearchPath(spec.runtime, spec.layerDirs))
        : fork(javascriptCopy(CHILD, [MODULE_ISOLATION]), [JSON.stringify(config)], {
            cwd: spec.assetDir,
            env,
            execArgv: childExecArgv(),
            stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
            serialization: 'json',
          });
    // anything the child's log patch misses (native code, early Node warnings) still ends in the log
    this.child.stdout?.on('data', (chunk: Buffer) => this.onText('stdout', chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => this.onText('stderr', chunk.toString()));
    this.child.on('message', (message: ChildMessage) => {
      if (message.type === 'log') this.onText(message.stream, message.text);
      else if (message.type === 'result' && this.pending?.id === message.id) {
        this.finish(
          message.ok ? { ok: true, payload: message.payload } : { ok: false, error: message.error },
        );
      }
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.once('exit', (code, signal) => {
      this.broken = true;
      const status = signal ? `signal ${signal}` : `exit status ${code}`;
      this.finish({
        ok: false,
        error: { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${status}` },
      });
    });
    this.child.on('error', (err) => {
      this.broken = true;
      this.finish({ ok: false, error: { errorType: 'Runtime.StartError', errorMessage: err.message } });
    });
  }

  private onText(stream: 'stdout' | 'stderr', text: string): void {
    const lines = (this.partial[stream] + text).split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  private finish(outcome: Outcome): void {
    const pending = this.pending;
    this.pending = null;
    pending?.settle(outcome);
  }

  /** Runs the init phase (loading the module) before the first invocation arrives. */
  prewarm(): Promise<void> {
    if (!this.child.connected) return Promise.resolve();
    const ready = new Promise<void>((resolve) => {
      const onMessage = (message: ChildMessage) => {
        if (message.type !== 'ready') return;
        this.child.off('message', onMessage);
        resolve();
      };
      this.child.on('message', onMessage);
      void this.exited.then(resolve);
    });
    this.child.send({ type: 'init' });
    return ready.then(() => {
      this.warm = true;
    });
  }

  /**
   * Runs one invocation. `crashAfterMs` (fault injection) kills the environment that long into the
   * handler: a fresh environment runs its init phase first, so that the crash hits the handler.
   */
  async run(
    event: unknown,
    context: Omit<InvokeMessage['context'], 'deadlineMs'>,
    timeoutMs: number,
    crashAfterMs?: number,
  ): Promise<Outcome> {
    // Lambda's init phase comes first and has its own limit: the function's timeout counts from the
    // handler's start, not from the process's (a 3 s function may take longer to load on a busy machine)
    if (!this.warm) await initPhase(this.prewarm());
    return new Promise<Outcome>((settle) => {
      const id = this.nextId++;
      const crash =
        crashAfterMs === undefined
          ? undefined
          : setTimeout(() => {
              this.broken = true;
              this.finish({
                ok: false,
                crashed: true,
                error: {
                  errorType: 'Runtime.ExitError',
                  errorMessage: 'Runtime exited with error: signal SIGKILL (injected crash)',
                },
              });
              this.child.kill('SIGKILL');
            }, crashAfterMs);
      const timer = setTimeout(() => {
        this.broken = true;
        this.finish({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
          },
        });
        void this.stop();
      }, timeoutMs);
      this.pending = {
        id,
        settle: (outcome) => {
          clearTimeout(timer);
          clearTimeout(crash);
          if (outcome.ok) this.warm = true;
          settle(outcome);
        },
      };
      const message: InvokeMessage = {
        type: 'invoke',
        id,
        event: JSON.stringify(event ?? null),
        context: { ...context, deadlineMs: Date.now() + timeoutMs },
      };
      if (this.child.connected) this.child.send(message);
      else
        this.finish({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited' } });
    });
  }

  /** Kills the process (a timed-out or unwanted environment is not reused). */
  async stop(): Promise<void> {
    this.broken = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
