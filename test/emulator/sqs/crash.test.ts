import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, expect, it } from 'vitest';

/**
 * The embedded SQS killed with SIGKILL while senders, receivers and deleters run, then restarted on
 * the same state folder: no acknowledged message is lost, no acknowledged delete comes back, and
 * messages in flight at the kill stay invisible until their visibility timeout ends, then come back
 * with their receive count.
 */
const ENTRY = join(import.meta.dirname, 'sqs-process.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'sqs-crash-'));
const VISIBILITY_S = 3;
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function startSqsProcess(): Promise<{ child: ChildProcess; client: SQSClient; exited: Promise<void> }> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ENTRY], {
    env: { ...process.env, SQS_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`the SQS process did not start: ${stderr}`)), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => reject(new Error(`the SQS process exited (${code}): ${stderr}`)));
  });
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1, // a request cut by the kill is not acknowledged: never retried onto the new process
  });
  return { child, client, exited };
}

it('loses nothing acknowledged across a SIGKILL; in-flight messages return after their timeout', async () => {
  const first = await startSqsProcess();
  const { QueueUrl } = await first.client.send(
    new CreateQueueCommand({ QueueName: 'crash', Attributes: { VisibilityTimeout: String(VISIBILITY_S) } }),
  );
  const sent = new Set<string>();
  const deleted = new Set<string>();
  const deleting = new Set<string>();
  /** Received (acknowledged) and not being deleted: in flight at the kill, with when they come back. */
  const inFlight = new Map<string, number>();
  let killed = false;
  const sender = async (n: number) => {
    for (let i = 0; !killed; i++) {
      const body = `s${n}-${i}`;
      try {
        await first.client.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
        if (!killed) sent.add(body);
      } catch {
        return;
      }
    }
  };
  const receiver = async () => {
    while (!killed) {
      try {
        const { Messages = [] } = await first.client.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const at = Date.now();
        for (const [index, message] of Messages.entries()) {
          const body = message.Body as string;
          if (index % 2 === 0) {
            inFlight.set(body, at + VISIBILITY_S * 1000);
            continue;
          }
          deleting.add(body);
          await first.client.send(
            new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }),
          );
          deleted.add(body);
        }
      } catch {
        return;
      }
    }
  };
  const work = Promise.all([sender(1), sender(2), sender(3), receiver(), receiver()]);
  await sleep(1000);
  killed = true;
  first.child.kill('SIGKILL');
  await first.exited;
  await work;
  first.client.destroy();
  expect(sent.size).toBeGreaterThan(20);
  expect(deleted.size).toBeGreaterThan(0);
  expect(inFlight.size).toBeGreaterThan(0);

  const second = await startSqsProcess();
  try {
    const receiveAll = async (): Promise<Message[]> => {
      const all: Message[] = [];
      for (;;) {
        const { Messages = [] } = await second.client.send(
          new ReceiveMessageCommand({
            QueueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 60,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        );
        if (Messages.length === 0) return all;
        all.push(...Messages);
      }
    };
    const now = await receiveAll();
    const nowAt = Date.now();
    const bodiesNow = new Set(now.map((m) => m.Body as string));
    // in flight at the kill: hidden until their visibility timeout ends
    for (const [body, visibleAt] of inFlight)
      if (visibleAt > nowAt + 200) expect(bodiesNow.has(body)).toBe(false);
    await sleep(Math.max(0, Math.max(...inFlight.values()) - Date.now() + 300));
    const later = await receiveAll();
    const all = [...now, ...later];
    const bodies = new Set(all.map((m) => m.Body as string));
    for (const body of sent) if (!deleting.has(body)) expect(bodies.has(body), `${body} was lost`).toBe(true);
    for (const body of deleted) expect(bodies.has(body), `${body} came back after its delete`).toBe(false);
    for (const message of later)
      if (inFlight.has(message.Body as string))
        expect(Number(message.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(2);
    expect(later.some((m) => inFlight.has(m.Body as string))).toBe(true);
  } finally {
    second.client.destroy();
    second.child.kill('SIGKILL');
    await second.exited;
  }
}, 30_000);
