import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../emulator/services/seeded-random.ts';
import {
  checkBucket,
  historyPoints,
  listBucket,
  type RawHistoryPoint,
  type Stores,
} from './support/exactness.ts';
import { ensureAssembly } from './targets/assembly.ts';
import { appOutputs } from './targets/embedded.ts';

/**
 * The embedded cloud killed with SIGKILL (its whole process group: the cloud, DynamoDB Local, the embedded S3,
 * the function environments) in the middle of a run of writes, then restarted on the same state:
 * no acknowledged object and no history point read before the kill may be lost, and a
 * reconciliation brings the totals back to a recount (events in flight at the kill are lost).
 */
const ENTRY = fileURLToPath(new URL('./support/cloud-process.ts', import.meta.url));
const WRITERS = 8;
const WRITE_MS = 4000;
const KEYS = Array.from(
  { length: 120 },
  (_, i) => [`crash/key-${i}.txt`, `with space ${i}.txt`, `plus+${i}`, `unicode/été 📦 ${i}`][i % 4],
) as string[];

interface Running {
  readonly child: ChildProcess;
  readonly endpoints: { s3: string; dynamodb: string; api: string };
  readonly outputs: Record<string, Record<string, string>>;
  readonly exited: Promise<void>;
  request(message: object): Promise<{ ok: boolean; result?: unknown; error?: string }>;
}

async function startCloudProcess(assemblyDir: string, stateDir: string): Promise<Running> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ENTRY], {
    detached: true, // its own process group, so the test can kill all of it at once
    env: { ...process.env, ASSEMBLY_DIR: assemblyDir, STATE_DIR: stateDir },
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const ready = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`the cloud did not start in 120 s: ${stderr}`)), 120_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('READY '));
      if (line) {
        clearTimeout(timer);
        resolve(line.slice('READY '.length));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the cloud exited (${code}) while starting: ${stderr}`));
    });
  });
  const { endpoints, outputs } = JSON.parse(ready) as Pick<Running, 'endpoints' | 'outputs'>;
  let nextId = 1;
  const waiting = new Map<number, (reply: { ok: boolean; result?: unknown; error?: string }) => void>();
  child.on('message', (reply: { id: number; ok: boolean; result?: unknown; error?: string }) =>
    waiting.get(reply.id)?.(reply),
  );
  return {
    child,
    endpoints,
    outputs,
    exited,
    request(message) {
      const id = nextId++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        child.send({ id, ...message });
      });
    },
  };
}

/** Whether something accepts connections on the endpoint's port. */
function answers(endpoint: string): Promise<boolean> {
  const port = Number(new URL(endpoint).port);
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Live (not zombie) processes of a process group. */
function groupMembers(pgid: number): string[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' }).split('\n');
  return rows.filter((row) => {
    const [, group, stat] = row.trim().split(/\s+/);
    return Number(group) === pgid && !stat?.startsWith('Z');
  });
}

// One retry: the run races a real SIGKILL against 8 writers on 2 busy cores; a failure of both runs is a
// finding (the first failures found real durability bugs in the emulated S3, since fixed).
describe('the embedded cloud killed with SIGKILL mid-run and restarted', { retry: 1 }, () => {
  const stateDirs: string[] = [];
  const started: Running[] = [];
  const clients: { destroy(): void }[] = [];

  afterAll(async () => {
    for (const client of clients) client.destroy();
    for (const running of started) {
      if (running.child.exitCode === null && running.child.signalCode === null) {
        running.child.kill('SIGTERM');
        await Promise.race([running.exited, sleep(15_000)]);
        try {
          process.kill(-(running.child.pid as number), 'SIGKILL');
        } catch {}
      }
    }
    for (const stateDir of stateDirs) rmSync(stateDir, { recursive: true, force: true });
  });

  it('loses no acknowledged object or history point, and reconciles to a recount', async () => {
    const assemblyDir = await ensureAssembly();
    const stateDir = mkdtempSync(join(tmpdir(), 'crash-restart-')); // a fresh one for a retry too
    stateDirs.push(stateDir);
    const first = await startCloudProcess(assemblyDir, stateDir);
    started.push(first);
    const outputs = appOutputs(first.outputs);
    const bucket = outputs.bucketName;
    const storesFor = (running: Running): Stores => {
      const config = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
      const s3 = new S3Client({
        ...config,
        endpoint: running.endpoints.s3,
        forcePathStyle: true,
        maxAttempts: 1,
      });
      const dynamodb = new DynamoDBClient({ ...config, endpoint: running.endpoints.dynamodb });
      clients.push(s3, dynamodb);
      return {
        s3,
        documents: DynamoDBDocumentClient.from(dynamodb),
        tables: { history: outputs.historyTable, ledger: outputs.ledgerTable },
      };
    };
    const before = storesFor(first);

    // --- writes at concurrency 8, one at a time per key; record what S3 acknowledged
    const random = seededRandom(5);
    const acknowledged = new Map<string, number | null>(); // size, or null: deleted
    const unacknowledged = new Map<string, number | null>(); // in flight when the cloud died
    const busy = new Set<string>();
    let killed = false;
    let writes = 0;
    let failedWrites = 0;
    let lastWriteError = '';
    const writer = async () => {
      while (!killed) {
        const key = KEYS[Math.floor(random() * KEYS.length)] as string;
        if (busy.has(key)) {
          await sleep(0);
          continue;
        }
        busy.add(key);
        const size = random() < 0.15 ? null : Math.floor(random() * 5000);
        unacknowledged.set(key, size);
        try {
          if (size === null) await before.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
          else
            await before.s3.send(
              new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(size, 120) }),
            );
          if (!killed) {
            acknowledged.set(key, size);
            unacknowledged.delete(key);
            writes++;
          }
        } catch (err) {
          // An error answer is no acknowledgement: the write may or may not have happened, exactly
          // like one in flight at the kill (it stays in `unacknowledged`). Counted, and bounded below.
          if (!killed) {
            failedWrites++;
            lastWriteError = (err as Error).message;
          }
        } finally {
          busy.delete(key);
        }
      }
    };
    const writing = Promise.all(Array.from({ length: WRITERS }, writer));
    await sleep(WRITE_MS);
    // Kill only once the tracker has written a few points (on a loaded machine it lags the writers),
    // so that "no history point lost" checks something.
    let pointsBeforeKill = await historyPoints(before, bucket);
    const pointsDeadline = Date.now() + 60_000;
    while (pointsBeforeKill.length < 5 && Date.now() < pointsDeadline) {
      await sleep(500);
      pointsBeforeKill = await historyPoints(before, bucket);
    }

    // --- SIGKILL the whole process group, mid-run
    const pgid = first.child.pid as number;
    killed = true; // set first: a response that races the kill is not counted as acknowledged
    process.kill(-pgid, 'SIGKILL');
    await first.exited;
    await writing;
    expect(
      failedWrites,
      `S3 answered errors to writes before the kill: ${lastWriteError}`,
    ).toBeLessThanOrEqual(Math.max(2, Math.floor(writes / 20)));
    const deadline = Date.now() + 15_000;
    let still: string[] = [];
    for (;;) {
      const open = await Promise.all(Object.values(first.endpoints).map(answers));
      still = groupMembers(pgid);
      if (!open.some(Boolean) && still.length === 0) break;
      if (Date.now() > deadline) break;
      await sleep(200);
    }
    expect(still, 'processes of the killed cloud still alive').toEqual([]);
    for (const endpoint of Object.values(first.endpoints))
      expect(await answers(endpoint), endpoint).toBe(false);

    // --- restart on the same state
    const second = await startCloudProcess(assemblyDir, stateDir);
    started.push(second);
    expect(appOutputs(second.outputs).bucketName).toBe(bucket);
    const after = storesFor(second);

    const listed = await listBucket(after.s3, bucket);
    const lost: string[] = [];
    for (const [key, size] of acknowledged) {
      const now = listed.get(key) ?? null;
      // a write in flight at the kill may or may not have happened
      const allowed = unacknowledged.has(key) ? [size, unacknowledged.get(key)] : [size];
      if (!allowed.includes(now)) lost.push(`${key}: acknowledged ${size}, found ${now}`);
    }
    for (const key of listed.keys()) {
      if (!acknowledged.has(key) && !unacknowledged.has(key)) lost.push(`${key}: never written, found`);
    }
    expect(lost).toEqual([]);

    const pointsAfter = new Map((await historyPoints(after, bucket)).map((point) => [point.ts, point]));
    const changed = pointsBeforeKill.filter((point: RawHistoryPoint) => {
      const now = pointsAfter.get(point.ts);
      return !now || JSON.stringify(now.item) !== JSON.stringify(point.item);
    });
    expect(changed).toEqual([]);

    // events in flight at the kill are gone: the reconciler recounts
    const reconciled = await second.request({ invoke: 'ReconcileFunction', payload: {} });
    expect(reconciled).toMatchObject({ ok: true });
    await second.request({ idle: true });
    const check = await checkBucket(after, bucket);
    console.log(
      `SIGKILL after ${WRITE_MS} ms: ${writes} acknowledged writes (${acknowledged.size} keys, ${unacknowledged.size} in flight), ` +
        `${pointsBeforeKill.length} history points before the kill, all kept; after reconciliation ` +
        `${check.listing.objectCount} objects / ${check.listing.sizeBytes} B, totals ${check.totals?.objectCount} / ${check.totals?.sizeBytes} B; reconciler: ${JSON.stringify(reconciled.result)}`,
    );
    expect(check.problems).toEqual([]);
    expect(writes).toBeGreaterThan(50);
    expect(pointsBeforeKill.length).toBeGreaterThan(0);

    second.child.kill('SIGTERM');
    await second.exited;
  }, 300_000);
});
