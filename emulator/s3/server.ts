import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPILE_CACHE_EXEC_ARGV } from '../services/compile-cache.ts';
import { assertPortFree } from '../services/free-port.ts';
import type { S3ChangeFacts, S3ChildConfig, S3ChildMessage, S3ParentMessage } from './child.ts';
import type { S3EventRecord } from './event-records.ts';

export type { S3ChangeFacts } from './child.ts';
export type { S3EventRecord } from './event-records.ts';

/**
 * The embedded S3 service: our own S3 (HTTP layer in http/, metadata in node:sqlite, bodies as
 * content-addressed files) in a child Node process (see child.ts), sending the event records S3
 * sends (event-records.ts).
 */
export interface EmbeddedS3 {
  /** http://127.0.0.1:<port>; use path-style addressing (`forcePathStyle: true`). Any credentials. */
  readonly endpoint: string;
  readonly port: number;
  /** The S3 process (for diagnostics and crash tests). */
  readonly pid: number | undefined;
  /**
   * Subscribe to S3-faithful event records (one record per object change, in the order the changes
   * happened, each delivered after the response of the request that made it). Returns an
   * unsubscribe function. A listener that throws is reported on stderr and does not stop the others.
   */
  onEvent(listener: (record: S3EventRecord, facts: S3ChangeFacts) => void): () => void;
  /**
   * Moves the server's clock (LastModified, eventTime, lifecycle) forward by `ms` and runs the
   * lifecycle rules at the new time; resolves with the new time once their events were delivered.
   */
  advanceClock(ms: number): Promise<number>;
  /** Stops the server; removes its data directory when it was a temporary one. Idempotent. */
  stop(): Promise<void>;
}

export interface S3ServerOptions {
  /** Persistent directory for buckets and objects; a fresh temporary one, removed on stop, when omitted. */
  readonly dataDir?: string;
  /** Loopback port; a free one when omitted. A taken port fails with a clear error. */
  readonly port?: number;
  /** `awsRegion` of the event records; us-east-1 when omitted. */
  readonly region?: string;
  /** Give up waiting for the server to answer after this long (default 30 s). */
  readonly startTimeoutMs?: number;
  /** How often lifecycle rules run as real time passes (default 60 s). */
  readonly lifecycleIntervalMs?: number;
  /** false: lifecycle rules are stored and never run, as on LocalStack 4.14 (default true). */
  readonly runLifecycle?: boolean;
  /**
   * fsync every body and metadata commit before answering (default true: an acknowledged write
   * survives power loss). false is faster and still loses nothing when the process is killed.
   */
  readonly syncWrites?: boolean;
  /**
   * Called when the S3 process dies without being stopped (after a loud message on stderr): the
   * owner must stop too rather than run on without S3.
   */
  readonly onUnexpectedExit?: (error: Error) => void;
}

const CHILD_ENTRY = fileURLToPath(new URL('./child.ts', import.meta.url));
const WHAT = 'the embedded S3';

function childExecArgv(): string[] {
  return [
    // the child is a .ts file: Node >= 22.18 strips types by default, 22.12-22.17 need the flag
    ...(process.features.typescript ? [] : ['--experimental-strip-types']),
    '--disable-warning=ExperimentalWarning',
    ...COMPILE_CACHE_EXEC_ARGV,
  ];
}

/** Starts the embedded S3 in a child process and waits until it listens. */
export async function startS3Server(options: S3ServerOptions = {}): Promise<EmbeddedS3> {
  const region = options.region ?? 'us-east-1';
  if (options.port !== undefined) await assertPortFree(options.port, WHAT);
  const temporary = options.dataDir === undefined;
  const directory =
    options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'embedded-s3-')) : resolve(options.dataDir);
  mkdirSync(directory, { recursive: true });

  const config: S3ChildConfig = {
    port: options.port ?? 0,
    directory,
    region,
    removeDirectoryOnExit: temporary,
    ...(options.lifecycleIntervalMs ? { lifecycleIntervalMs: options.lifecycleIntervalMs } : {}),
    ...(options.syncWrites === false ? { syncWrites: false } : {}),
    ...(options.runLifecycle === false ? { runLifecycle: false } : {}),
  };
  const child = fork(CHILD_ENTRY, [JSON.stringify(config)], {
    execArgv: childExecArgv(),
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'json',
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });

  let port: number;
  try {
    port = await waitUntilReady(child, options, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    if (temporary) rmSync(directory, { recursive: true, force: true });
    throw err;
  }

  const listeners = new Set<(record: S3EventRecord, facts: S3ChangeFacts) => void>();
  let stopping: Promise<void> | undefined;
  let stoppedMessage = false;
  let clockRequests = 0;
  const clockWaiters = new Map<number, { resolve: (now: number) => void; reject: (err: Error) => void }>();
  child.on('message', (message: S3ChildMessage) => {
    if (message.type === 'stopped') stoppedMessage = true;
    if (message.type === 'clock') {
      clockWaiters.get(message.id)?.resolve(message.now);
      clockWaiters.delete(message.id);
    }
    if (message.type !== 'event') return;
    for (const listener of [...listeners]) {
      try {
        listener(message.record, message.facts);
      } catch (err) {
        console.error(`${WHAT}: an event listener threw on ${message.record.eventName}:`, err);
      }
    }
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  // The IPC channel closes after the last message was read: every event sent has been delivered.
  const drained = new Promise<void>((done) => (child.connected ? child.once('disconnect', done) : done()));
  child.once('exit', (code, signal) => {
    const error = new Error(
      `${WHAT} on port ${port} exited unexpectedly (code ${code}, signal ${signal})${stderr ? `: ${stderr.trim()}` : ''}`,
    );
    for (const waiter of clockWaiters.values()) waiter.reject(error);
    clockWaiters.clear();
    if (stopping) return;
    console.error(`\n!!! ${error.message}\n!!! S3 is gone: whatever runs on it must stop.\n`);
    if (temporary) rmSync(directory, { recursive: true, force: true });
    options.onUnexpectedExit?.(error);
  });

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    onEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    advanceClock(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        return Promise.reject(new Error(`advanceClock: ms must be a number >= 0 (got ${ms})`));
      }
      if (stopping || !child.connected) return Promise.reject(new Error(`${WHAT} is stopped`));
      const id = ++clockRequests;
      return new Promise<number>((resolve, reject) => {
        clockWaiters.set(id, { resolve, reject });
        child.send({ type: 'advance-clock', id, ms } satisfies S3ParentMessage);
      });
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null && child.connected) {
          child.send({ type: 'stop' } satisfies S3ParentMessage);
          const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await Promise.all([exited, drained]);
          clearTimeout(kill);
        }
        if (!stoppedMessage && child.exitCode !== 0) {
          // killed or crashed while stopping: events still in the child are lost, say so
          console.error(`${WHAT} on port ${port} did not stop cleanly${stderr ? `: ${stderr.trim()}` : ''}`);
        }
        if (temporary) rmSync(directory, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

function waitUntilReady(
  child: ChildProcess,
  options: S3ServerOptions,
  stderr: () => string,
): Promise<number> {
  const requested = options.port ?? 0;
  return new Promise<number>((resolvePort, reject) => {
    const tail = () => (stderr().trim() ? `: ${stderr().trim()}` : '');
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const timer = setTimeout(
      () => fail(new Error(`${WHAT} did not start within ${timeoutMs} ms${tail()}`)),
      timeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onMessage = (message: S3ChildMessage) => {
      if (message.type === 'ready') {
        cleanup();
        resolvePort(message.port);
      } else if (message.type === 'startup-error') {
        fail(
          new Error(
            message.code === 'EADDRINUSE'
              ? `port ${requested} for ${WHAT} is already in use: stop what holds it or choose another port`
              : `${WHAT} failed to start: ${message.message}`,
          ),
        );
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(new Error(`${WHAT} exited while starting (code ${code}, signal ${signal})${tail()}`));
    const onError = (err: Error) => fail(new Error(`${WHAT} could not be started: ${err.message}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
