/**
 * The embedded S3's process (started by startS3Server() in server.ts with `fork()`, never
 * imported): an HTTP server on loopback speaking path-style S3, over the store in store.ts. It
 * sends each change's event record to the parent over IPC, in commit order, once the answer of the
 * request that made it is out. A process of its own so that S3's work stays off the cloud's event
 * loop, and so that a crash here is seen (the parent stops the cloud) rather than silently absorbed.
 *
 * Runs under plain Node with type stripping: erasable TypeScript syntax only.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { flushCompileCache } from 'node:module';
import { createLoopbackServer } from '../services/loopback-host.ts';
import type { S3Error } from './errors.ts';
import {
  buildEventRecord,
  OrderedDelivery,
  type RequestInfo,
  type S3EventRecord,
  SequencerGenerator,
} from './event-records.ts';
import type { RequestContext } from './http/context.ts';
import { sendError } from './http/context.ts';
import { handle, parsePath } from './http/router.ts';
import { runLifecycle } from './lifecycle-run.ts';
import { type Change, Store } from './store.ts';

/** Passed as the child's only argument, JSON-encoded. */
export interface S3ChildConfig {
  /** 0 for any free port. */
  port: number;
  directory: string;
  region: string;
  /** Remove `directory` when the process ends (a temporary store). */
  removeDirectoryOnExit: boolean;
  /** How often lifecycle rules run in real time (default one minute). */
  lifecycleIntervalMs?: number;
  /** false: lifecycle rules are stored and never run (LocalStack 4.14's behaviour). */
  runLifecycle?: boolean;
  /** fsync bodies and metadata commits (default true). */
  syncWrites?: boolean;
}

/** What the parent learns about a change beyond its record. */
export interface S3ChangeFacts {
  /** A DeleteObject / DeleteObjects entry that removed no object and created no delete marker. */
  readonly removedNothing: boolean;
  /** The delete API a removal came from (DeleteObject or DeleteObjects), when it is one. */
  readonly operation?: string;
}

/** Messages from the child to the parent. */
export type S3ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'startup-error'; message: string; code?: string }
  | { type: 'event'; record: S3EventRecord; facts: S3ChangeFacts }
  | { type: 'clock'; id: number; now: number }
  | { type: 'stopped' };

/** Messages from the parent to the child. */
export type S3ParentMessage = { type: 'stop' } | { type: 'advance-clock'; id: number; ms: number };

function send(message: S3ChildMessage, callback?: () => void): void {
  if (process.connected) process.send?.(message, undefined, {}, () => callback?.());
  else callback?.();
}

function requestInfo(region: string, sourceIp: string): RequestInfo {
  return {
    region,
    sourceIp,
    requestId: randomBytes(8).toString('hex').toUpperCase(),
    hostId: randomBytes(48).toString('base64'),
    principalId: 'AWS:AIDAEMBEDDEDS3USER',
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as S3ChildConfig;
  let stopping = false;
  const removeDirectory = () => {
    if (config.removeDirectoryOnExit) rmSync(config.directory, { recursive: true, force: true });
  };
  process.on('disconnect', () => {
    if (stopping) return;
    removeDirectory();
    process.exit(0);
  });
  process.once('SIGTERM', () => {
    removeDirectory();
    process.exit(0);
  });
  // Ctrl-C in a terminal reaches the whole process group: the parent then stops this process in
  // order (events in flight delivered first), or 'disconnect' above ends it if the parent is gone
  process.on('SIGINT', () => {
    if (process.connected) return;
    removeDirectory();
    process.exit(0);
  });

  // The clock: real time plus an offset that advanceClock moves (kept across restarts).
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;
  let sequencers = new SequencerGenerator();
  let store: Store | undefined;
  const nextSequencer = () => {
    const value = sequencers.next();
    store?.setMeta('sequencer', value);
    return value;
  };
  store = new Store({
    directory: config.directory,
    now,
    nextSequencer,
    syncWrites: config.syncWrites !== false,
  });
  const opened = store;
  offsetMs = Number(opened.getMeta('clock-offset-ms') ?? 0);
  sequencers = new SequencerGenerator(Date.now, opened.getMeta('sequencer') ?? '');

  const delivery = new OrderedDelivery<{ record: S3EventRecord; facts: S3ChangeFacts }>((item) =>
    send({ type: 'event', ...item }),
  );
  const emitWith = (info: RequestInfo, handle: { done: boolean }) => (change: Change) => {
    const record = buildEventRecord(
      {
        eventName: change.eventName,
        bucket: change.bucket,
        key: change.key,
        ...(change.size !== undefined ? { size: change.size } : {}),
        ...(change.eTag !== undefined ? { eTag: change.eTag } : {}),
        ...(change.versionId !== undefined ? { versionId: change.versionId } : {}),
        sequencer: change.sequencer,
        time: new Date(change.time),
      },
      info,
    );
    const facts: S3ChangeFacts = {
      removedNothing: change.removedNothing,
      ...(change.operation ? { operation: change.operation } : {}),
    };
    delivery.add({ record, facts }, handle);
  };

  const lifecycle = () => {
    if (config.runLifecycle === false) return;
    try {
      runLifecycle(opened, now(), emitWith(requestInfo(config.region, 's3.amazonaws.com'), { done: true }));
    } catch (err) {
      console.error('embedded S3: lifecycle run failed:', err);
    }
  };

  const server = createLoopbackServer((req, res) => {
    const info = requestInfo(config.region, req.socket.remoteAddress ?? '127.0.0.1');
    const handle = delivery.begin();
    const finish = () => {
      if (!handle.done) delivery.finish(handle);
    };
    res.once('finish', finish);
    res.once('close', finish);
    res.setHeader('x-amz-request-id', info.requestId);
    res.setHeader('x-amz-id-2', info.hostId);
    res.setHeader('server', 'AmazonS3');
    const method = (req.method ?? 'GET').toUpperCase();
    let parsed: ReturnType<typeof parsePath>;
    const base = {
      req,
      res,
      store: opened,
      method,
      requestId: info.requestId,
      region: config.region,
      now,
      emit: emitWith(info, handle),
    };
    try {
      parsed = parsePath(req.url ?? '/');
    } catch (err) {
      sendError(
        { ...base, bucket: '', key: '', query: new URLSearchParams() } as RequestContext,
        err as S3Error,
      );
      return;
    }
    const ctx: RequestContext = { ...base, ...parsed };
    void handle_(ctx);
  });
  const handle_ = (ctx: RequestContext) => handle(ctx, { lifecycleChanged: lifecycle });
  server.keepAliveTimeout = 30_000;

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : config.port);
      });
    });
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    send({ type: 'startup-error', message: error.message, code: error.code }, () => process.exit(1));
    return;
  }
  const timer = setInterval(lifecycle, config.lifecycleIntervalMs ?? 60_000);
  timer.unref();

  process.on('message', (message: S3ParentMessage) => {
    if (message.type === 'advance-clock') {
      offsetMs += Math.max(0, message.ms);
      opened.setMeta('clock-offset-ms', String(offsetMs));
      lifecycle();
      send({ type: 'clock', id: message.id, now: now() });
      return;
    }
    if (message.type !== 'stop' || stopping) return;
    stopping = true;
    clearInterval(timer);
    const force = setTimeout(() => server.closeAllConnections(), 2000);
    server.closeIdleConnections();
    server.close(() => {
      clearTimeout(force);
      opened.close();
      removeDirectory();
      send({ type: 'stopped' }, () => process.exit(0));
    });
  });
  send({ type: 'ready', port });
  flushCompileCache?.(); // see services/compile-cache.ts
}

if (!process.send) {
  throw new Error('child.ts is started by startS3Server() (emulator/s3/server.ts), not directly');
}
await main();
