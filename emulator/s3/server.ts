import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertPortFree } from '../services/free-port.ts';
import type { S3EventRecord } from './event-records.ts';
import type { S3rverChildConfig, S3rverChildMessage, S3rverParentMessage } from './s3rver-child.ts';

export type { S3EventRecord } from './event-records.ts';

/**
 * The embedded S3 service: s3rver 3.7.1 in a child Node process (see s3rver-child.ts for why a
 * child), corrected so that its event records are what S3 sends (see ../s3-fidelity.ts).
 */
export interface EmbeddedS3 {
  /** http://127.0.0.1:<port>; use path-style addressing (`forcePathStyle: true`). Any credentials. */
  readonly endpoint: string;
  readonly port: number;
  /**
   * Subscribe to S3-faithful event records (one record per object change, in the order the changes
   * happened, each delivered after the response of the request that made it). Returns an
   * unsubscribe function. A listener that throws is reported on stderr and does not stop the others.
   */
  onEvent(listener: (record: S3EventRecord) => void): () => void;
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
}

const CHILD_ENTRY = fileURLToPath(new URL('./s3rver-child.ts', import.meta.url));
const WHAT = 'the embedded S3 (s3rver)';

function childExecArgv(): string[] {
  return [
    // s3rver's ListObjectsV2 continuation tokens use DES (more than 1,000 keys), see s3rver-child.ts
    '--openssl-legacy-provider',
    // the child is a .ts file: Node >= 22.18 strips types by default, 22.12-22.17 need the flag
    ...(process.features.typescript ? [] : ['--experimental-strip-types']),
    '--disable-warning=ExperimentalWarning',
  ];
}

/** Starts s3rver in a child process and waits until it listens. */
export async function startS3Server(options: S3ServerOptions = {}): Promise<EmbeddedS3> {
  const region = options.region ?? 'us-east-1';
  if (options.port !== undefined) await assertPortFree(options.port, WHAT);
  const temporary = options.dataDir === undefined;
  const directory =
    options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'embedded-s3-')) : resolve(options.dataDir);
  mkdirSync(directory, { recursive: true });

  const config: S3rverChildConfig = {
    port: options.port ?? 0,
    directory,
    region,
    removeDirectoryOnExit: temporary,
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

  const listeners = new Set<(record: S3EventRecord) => void>();
  let stopping: Promise<void> | undefined;
  let stoppedMessage = false;
  child.on('message', (message: S3rverChildMessage) => {
    if (message.type === 'stopped') stoppedMessage = true;
    if (message.type !== 'event') return;
    for (const listener of [...listeners]) {
      try {
        listener(message.record);
      } catch (err) {
        console.error(`${WHAT}: an event listener threw on ${message.record.eventName}:`, err);
      }
    }
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  // The IPC channel closes after the last message was read: every event sent has been delivered.
  const drained = new Promise<void>((done) => (child.connected ? child.once('disconnect', done) : done()));
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(
      `${WHAT} on port ${port} exited unexpectedly (code ${code}, signal ${signal})${stderr ? `: ${stderr.trim()}` : ''}`,
    );
    if (temporary) rmSync(directory, { recursive: true, force: true });
  });

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    onEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null && child.connected) {
          child.send({ type: 'stop' } satisfies S3rverParentMessage);
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
    const onMessage = (message: S3rverChildMessage) => {
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
