/**
 * The s3rver process of the embedded S3 service. Started by startS3Server() (./s3-server.ts) with
 * `fork()`, never imported: it runs s3rver on loopback, turns the object changes it makes into
 * S3-faithful event records (../s3-fidelity.ts) and sends them to the parent over the IPC channel.
 *
 * Why a process of its own: s3rver's ListObjectsV2 continuation tokens are DES-encrypted, which
 * OpenSSL 3 refuses unless Node runs with `--openssl-legacy-provider`, a flag that only works at
 * process start. The functions that make the tokens are private to s3rver's bucket controller, so
 * the only in-process alternatives are a global patch of `crypto.createCipheriv` or rewriting
 * s3rver's module source at load time; both would leak into everything else running in the host
 * process (the local cloud runs function code there). Measured on the 2-core machines: the child
 * answers 0.9-1.1 s after startS3Server() is called, s3rver in-process 0.5-0.7 s (most of either is
 * loading s3rver's modules, ~0.4 s); once started, a child keeps s3rver's work off the host's event
 * loop (callers and s3rver run on both cores), and the host can be killed without leaving a server
 * behind: the child exits when the IPC channel disconnects. Half a second per start buys isolation.
 *
 * Runs under plain Node with type stripping: erasable TypeScript syntax only.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  buildEventRecord,
  type ObjectChange,
  OrderedDelivery,
  parseDeleteObjectsBody,
  type RequestInfo,
  type S3ChangeOperation,
  type S3EventRecord,
  SequencerGenerator,
  writeOperationFor,
} from './event-records.ts';

/** Passed as the child's only argument, JSON-encoded. */
export interface S3rverChildConfig {
  /** 0 for any free port. */
  port: number;
  directory: string;
  region: string;
  /** Remove `directory` when the process ends (a temporary store). */
  removeDirectoryOnExit: boolean;
}

/** Messages from the child to the parent. */
export type S3rverChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'startup-error'; message: string; code?: string }
  | { type: 'event'; record: S3EventRecord }
  | { type: 'stopped' };

/** Messages from the parent to the child. */
export type S3rverParentMessage = { type: 'stop' };

// --- the parts of s3rver (Koa app, context, filesystem store) this file touches -----------------

interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: Record<string, string>;
}

interface S3rverStore {
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata: unknown,
  ): Promise<Record<string, string | number>>;
  existsObject(bucket: string, key: string): Promise<boolean>;
  deleteObject(bucket: string, key: string): Promise<void>;
}

interface S3rverContext {
  method: string;
  query: Record<string, unknown>;
  ip: string;
  params: { bucket: string; key: string };
  req: IncomingMessage;
  res: ServerResponse;
  headers: IncomingMessage['headers'];
  status: number;
  body: unknown;
  store: S3rverStore;
  set(field: string, value: string): void;
}

type Middleware = (ctx: S3rverContext, next: () => Promise<void>) => Promise<void>;

interface S3rverApp {
  store: S3rverStore;
  middleware: Middleware[];
  httpServer?: Server;
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

type S3rverConstructor = new (options: Record<string, unknown>) => S3rverApp;
type S3ErrorConstructor = new (code: string, message?: string, detail?: Record<string, unknown>) => Error;

interface AccountModule {
  registry: Map<string, unknown>;
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;
const S3Error = require('s3rver/lib/models/error.js') as S3ErrorConstructor;
const objectControllers = require('s3rver/lib/controllers/object.js') as Record<
  string,
  (ctx: S3rverContext) => Promise<void>
>;
const accounts = require('s3rver/lib/models/account.js') as AccountModule;

// --- per-request context and ordered delivery ---------------------------------------------------

interface RequestState {
  method: string;
  query: Record<string, unknown>;
  info: RequestInfo;
  handle: { done: boolean };
}

const requests = new AsyncLocalStorage<RequestState>();
const sequencers = new SequencerGenerator();
const delivery = new OrderedDelivery<S3EventRecord>((record) => send({ type: 'event', record }));

function send(message: S3rverChildMessage, callback?: () => void): void {
  if (process.connected) process.send?.(message, undefined, {}, () => callback?.());
  else callback?.();
}

function requestInfo(region: string, ctx?: S3rverContext): RequestInfo {
  return {
    region,
    sourceIp: ctx?.ip ?? '127.0.0.1',
    requestId: randomBytes(8).toString('hex').toUpperCase(),
    hostId: randomBytes(48).toString('base64'),
    principalId: 'AWS:AIDAEMBEDDEDS3USER',
  };
}

/** Records one object change at the moment it is made (this is where its sequencer comes from). */
function recordChange(region: string, change: Omit<ObjectChange, 'sequencer' | 'time'>): void {
  const state = requests.getStore();
  const record = buildEventRecord(
    { ...change, sequencer: sequencers.next(), time: new Date() },
    state?.info ?? requestInfo(region),
  );
  delivery.add(record, state?.handle ?? { done: true });
}

/**
 * Outermost Koa middleware: gives the request its ids (also sent as S3's x-amz-request-id and
 * x-amz-id-2 headers, as in the event) and a delivery handle finished once the response is out.
 */
function trackRequests(region: string): Middleware {
  return async (ctx, next) => {
    const state: RequestState = {
      method: ctx.method,
      query: ctx.query,
      info: requestInfo(region, ctx),
      handle: delivery.begin(),
    };
    ctx.set('x-amz-request-id', state.info.requestId);
    ctx.set('x-amz-id-2', state.info.hostId);
    const finish = () => {
      if (!state.handle.done) delivery.finish(state.handle);
    };
    ctx.res.once('finish', finish);
    ctx.res.once('close', finish);
    await requests.run(state, next);
  };
}

/**
 * s3rver reads x-amz-copy-source with decodeURI, which leaves %2B, %3F, %2F, %26... encoded, so a
 * copy from a key holding '+', '?' or an encoded '/' fails with NoSuchKey where S3 succeeds. Decode
 * the header fully and re-encode it so that decodeURI gives back the real bucket/key.
 */
function normalizeCopySource(): Middleware {
  return async (ctx, next) => {
    const raw = ctx.headers['x-amz-copy-source'];
    if (typeof raw === 'string') {
      const source = raw.split('?versionId=')[0] ?? raw;
      try {
        ctx.headers['x-amz-copy-source'] = encodeURI(decodeURIComponent(source));
      } catch {
        // not valid percent-encoding: leave it for s3rver to reject
      }
    }
    await next();
  };
}

/**
 * s3rver's own putObject answers before the object file is written (it resolves on the input side
 * of its stream), so an acknowledged PUT can be lost on a crash, and a DELETE that follows it can be
 * undone when the late write recreates the file; and it truncates the object in place, so a write
 * killed halfway destroys the previous version. This one writes aside, renames over the object, and
 * resolves only then. (The .md5 and metadata sidecars are still s3rver's plain writes.)
 */
/** Renames over the target; retried when a concurrent delete removed the folder in between. */
async function renameIntoPlace(from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(dirname(to), { recursive: true });
      return await rename(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw err;
    }
  }
}

/** Opens a file for writing, making its folder; retried when a concurrent delete removes the folder. */
async function openForWrite(path: string): Promise<FileHandle> {
  for (let attempt = 1; ; attempt++) {
    await mkdir(dirname(path), { recursive: true });
    try {
      return await open(path, 'w');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw err;
    }
  }
}

async function putObjectDurably(
  store: S3rverStore,
  object: S3rverObject,
): Promise<{ size: number; md5: string }> {
  // Write aside, then rename over the object: a write killed halfway leaves the previous version
  // whole, as S3 does (the listing only sees files named *._S3rver_object).
  const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
  const partPath = `${objectPath}.part-${randomBytes(6).toString('hex')}`;
  const file = await openForWrite(partPath);
  const hash = createHash('md5');
  let size = 0;
  const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  try {
    await pipeline(
      source,
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      }),
      file.createWriteStream(),
    );
    await renameIntoPlace(partPath, objectPath);
  } catch (err) {
    await rm(partPath, { force: true });
    throw err;
  }
  const md5 = hash.digest('hex');
  await store.putMetadata(object.bucket, object.key, object.metadata, md5);
  return { size, md5 };
}

/**
 * Every object write and delete goes through s3rver's store (a completed multipart upload too: the
 * store's putObjectMultipart calls this.putObject). Wrapping those methods on the store instance
 * sees each change with its real size and ETag, in the order the changes are made; the request in
 * the async context tells which API made it. s3rver's own 'event' emissions are not used.
 */
function observeStore(store: S3rverStore, region: string): void {
  const putObject = (object: S3rverObject) => putObjectDurably(store, object);
  const copyObject = store.copyObject.bind(store);
  const deleteObject = store.deleteObject.bind(store);

  store.putObject = async (object) => {
    const result = await putObject(object);
    const request = requests.getStore();
    const operation = request ? writeOperationFor(request) : 'PutObject';
    recordChange(region, {
      operation,
      bucket: object.bucket,
      key: object.key,
      size: result.size,
      eTag: result.md5,
    });
    return result;
  };
  store.copyObject = async (srcBucket, srcKey, destBucket, destKey, replacementMetadata) => {
    const metadata = await copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata);
    // s3rver's Copy event has no eTag; the store's answer is the new object's metadata
    recordChange(region, {
      operation: 'CopyObject',
      bucket: destBucket,
      key: destKey,
      size: Number(metadata['content-length']),
      eTag: String(metadata.etag),
    });
    return metadata;
  };
  store.deleteObject = async (bucket, key) => {
    try {
      await deleteObject(bucket, key);
    } catch (err) {
      // s3rver removes emptied key folders after unlinking the object; a concurrent write or delete
      // in the same folder can make that tidy-up fail although the object is gone.
      if (!['ENOENT', 'ENOTEMPTY'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
    recordChange(region, { operation: 'DeleteObject', bucket, key });
  };
}

/** Deletes one key the way an unversioned S3 bucket does: success, and an event, whether or not it existed. */
async function deleteKey(ctx: S3rverContext, region: string, key: string, operation: S3ChangeOperation) {
  const { bucket } = ctx.params;
  if (await ctx.store.existsObject(bucket, key)) await ctx.store.deleteObject(bucket, key);
  else recordChange(region, { operation, bucket, key });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Replaces two of s3rver's object controllers (routes.js looks them up on the module's exports at
 * every request, so authentication, routing and the bucket check still run before them):
 * - DeleteObjects: s3rver emits no event, and its XML parser turns a key such as `2024` into a
 *   number (the store then throws) and `0123` into 123; ours keeps keys exact, deletes them in
 *   request order and records one ObjectRemoved:Delete per key listed as Deleted, as S3 does.
 * - DeleteObject: the same rule for one key (S3 reports an event even when nothing was there).
 */
function replaceDeleteControllers(region: string): void {
  objectControllers.deleteObject = async (ctx) => {
    await deleteKey(ctx, region, ctx.params.key, 'DeleteObject');
    ctx.status = 204;
  };
  objectControllers.deleteMultipleObjects = async (ctx) => {
    const request = parseDeleteObjectsBody(await readBody(ctx.req));
    if (!request) {
      throw new S3Error(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema.',
      );
    }
    for (const key of request.keys) await deleteKey(ctx, region, key, 'DeleteObjects');
    ctx.body = {
      DeleteResult: {
        '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
        Deleted: request.quiet ? [] : request.keys.map((Key) => ({ Key })),
      },
    };
  };
}

/**
 * s3rver knows one access key (S3RVER). Like S3 emulators generally do, accept any: an unknown key
 * id is added to s3rver's dummy account on first sight (SigV4 signatures are not checked by s3rver;
 * SigV2 ones are accepted through allowMismatchedSignatures).
 */
function acceptAnyAccessKey(): void {
  const { registry, DUMMY_ACCOUNT } = accounts;
  const get = registry.get.bind(registry);
  registry.get = (accessKeyId: string) => {
    if (typeof accessKeyId === 'string' && !registry.has(accessKeyId)) {
      DUMMY_ACCOUNT.createKeyPair(accessKeyId, 'S3RVER');
    }
    return get(accessKeyId);
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as S3rverChildConfig;
  let stopping = false;
  const removeDirectory = () => {
    if (config.removeDirectoryOnExit) rmSync(config.directory, { recursive: true, force: true });
  };
  // The parent is gone (ended, crashed or killed): nobody can use this server any more.
  process.on('disconnect', () => {
    if (stopping) return;
    removeDirectory();
    process.exit(0);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      removeDirectory();
      process.exit(0);
    });
  }

  acceptAnyAccessKey();
  replaceDeleteControllers(config.region);
  const server = new S3rver({
    address: '127.0.0.1',
    port: config.port,
    directory: config.directory,
    silent: true,
    allowMismatchedSignatures: true,
    vhostBuckets: false,
  });
  observeStore(server.store, config.region);
  server.middleware.unshift(trackRequests(config.region), normalizeCopySource());

  let port: number;
  try {
    ({ port } = await server.run());
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    send({ type: 'startup-error', message: error.message, code: error.code }, () => process.exit(1));
    return;
  }

  process.on('message', (message: S3rverParentMessage) => {
    if (message.type !== 'stop' || stopping) return;
    stopping = true;
    // Give requests in flight a moment, then cut the connections that remain.
    const force = setTimeout(() => server.httpServer?.closeAllConnections(), 2000);
    server
      .close()
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(force);
        removeDirectory();
        // Every change's event was sent before this (IPC keeps order).
        send({ type: 'stopped' }, () => process.exit(0));
      });
  });
  send({ type: 'ready', port });
}

if (!process.send) {
  throw new Error('s3rver-child.ts is started by startS3Server() (emulator/s3/server.ts), not directly');
}
await main();
