import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../emulator/local-cloud.ts';
import type { OutboxEmail } from '../emulator/sns/outbox.ts';
import { readOutbox as readOutboxRows } from '../test/support/alerts-table.ts';
import { apiKeyValueAt } from './targets/api-key.ts';
import { ensureAssembly } from './targets/assembly.ts';
import { appOutputs } from './targets/embedded.ts';

/**
 * Issue 10's "done": an upload that crosses a threshold gives exactly one email in the embedded
 * outbox within 5 s, with S3 events delivered as AWS does (duplicates, reordering, delays) and the
 * tracker's environments crashed mid-event; dropping below the re-arm line and crossing again gives
 * a second one. The whole path is the synthesized app: tracker transaction -> outbox row -> alerts
 * table stream -> publisher -> SNS -> email subscription.
 */
const SEED = Number(process.env.ALERTS_SEED ?? 20261130);
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let cloud: LocalCloud;
let s3: S3Client;
let db: DynamoDBDocumentClient;
let outputs: ReturnType<typeof appOutputs>;
let flat: Record<string, string>;
/** The plot API's key: every method, /alerts included, needs it. */
let apiKey: string;
const logLines: string[] = [];

beforeAll(async () => {
  cloud = await startLocalCloud({
    assemblyDir: await ensureAssembly(),
    stateDir: null,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    asyncRetryDelaysMs: [100, 200],
    events: { profile: 'aws', seed: SEED, duplicateRate: 0.5, lateDuplicateShare: 0.5, reorderRate: 0.2 },
    faults: { crashRate: 0.5, seed: SEED, functions: ['SizeTrackingFunction'], spareFinalAttempt: true },
    log: (line) => logLines.push(line),
  });
  outputs = appOutputs(cloud.outputs);
  flat = Object.assign({}, ...Object.values(cloud.outputs)) as Record<string, string>;
  apiKey = await apiKeyValueAt(cloud.endpoints.api, cloud.region, outputs.plotApiKeyId);
  s3 = new S3Client({
    endpoint: cloud.endpoints.s3,
    region: cloud.region,
    credentials,
    forcePathStyle: true,
  });
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: cloud.endpoints.dynamodb, region: cloud.region, credentials }),
  );
  // what a user does with `aws sns subscribe` (or `-c alertEmail=` at deploy time)
  const sns = new SNSClient({ endpoint: cloud.endpoints.sns, region: cloud.region, credentials });
  await sns.send(
    new SubscribeCommand({ TopicArn: flat.AlertsTopicArn, Protocol: 'email', Endpoint: 'ops@example.com' }),
  );
  sns.destroy();
});

afterAll(async () => {
  s3?.destroy();
  db?.destroy();
  await cloud?.stop();
});

const alertsUrl = (bucket: string) => outputs.plotApiUrl.replace(/\/plot$/, `/alerts/${bucket}`);
/** fetch with the API key, as every caller of the locked API does. */
const api = (url: string, init: RequestInit = {}) =>
  fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-api-key': apiKey } });
const emails = (): OutboxEmail[] => cloud.outbox().filter((e) => e.to === 'ops@example.com');
const put = (key: string, bytes: number) =>
  s3.send(new PutObjectCommand({ Bucket: outputs.bucketName, Key: key, Body: 'x'.repeat(bytes) }));

async function waitForEmails(count: number, withinMs: number): Promise<number> {
  const started = performance.now();
  while (emails().length < count) {
    if (performance.now() - started > withinMs)
      throw new Error(
        `${emails().length} email(s) after ${withinMs} ms, expected ${count}\n${logLines.slice(-20).join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 25));
  }
  return performance.now() - started;
}

/** Lets late duplicates and retries land, then a poll or two of the stream. */
async function settle() {
  await cloud.whenIdle();
  await new Promise((r) => setTimeout(r, 1500));
}

describe('size alerts end to end (embedded, aws delivery, tracker crashes)', () => {
  it('sets thresholds through the API, refusing bad ones with 4xx naming the field', async () => {
    const keyless = await fetch(alertsUrl(outputs.bucketName));
    expect(keyless.status).toBe(403); // the alerts routes inherit the API's key requirement
    const bad = await api(alertsUrl(outputs.bucketName), {
      method: 'PUT',
      body: JSON.stringify({ thresholds: { currentBytes: { threshold: -5 } } }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^thresholds\.currentBytes\.threshold: /);
    const badName = await api(alertsUrl('Not_A_Bucket'), { method: 'GET' });
    expect(badName.status).toBe(400);
    const ok = await api(alertsUrl(outputs.bucketName), {
      method: 'PUT',
      body: JSON.stringify({ thresholds: { currentBytes: { threshold: 1000, hysteresis: 200 } } }),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      thresholds: { currentBytes: { threshold: 1000, hysteresis: 200 } },
      source: 'api',
      version: 1,
      fired: {},
      recentAlerts: [],
    });
  });

  it('emails exactly once per crossing, within 5 s, and again after re-arming', async () => {
    // 600 B in six objects: below the line, and events for the crashes and duplicates to hit
    await Promise.all(Array.from({ length: 6 }, (_, i) => put(`alerts/a${i}.bin`, 100)));
    await settle();
    expect(emails()).toHaveLength(0);

    await put('alerts/b.bin', 500); // 1,100 B: crosses 1,000
    const firstMs = await waitForEmails(1, 5000);
    await put('alerts/c.bin', 10); // still above: no second alert
    await settle();
    expect(emails()).toHaveLength(1);
    const first = emails()[0];
    expect(first?.subject).toMatch(/^Size alert: current size 1\.\d+ KiB >= 1000 B in sizetracker-/);
    expect(first?.subject.length).toBeLessThanOrEqual(100);
    expect(first?.body).toContain(`Bucket ${outputs.bucketName}: current size reached`);
    expect(first?.body).toMatch(/Chart: +http:\/\/127\.0\.0\.1:\d+\/.+\/plot\?bucket=/);

    await s3.send(new DeleteObjectCommand({ Bucket: outputs.bucketName, Key: 'alerts/b.bin' })); // 610 B < 800: re-armed
    await settle();
    expect(emails()).toHaveLength(1);
    await put('alerts/d.bin', 400); // 1,010 B: crosses again
    const secondMs = await waitForEmails(2, 5000);
    await settle();
    expect(emails()).toHaveLength(2);

    const rows = await readOutboxRows(db, flat.AlertsTableName ?? '', outputs.bucketName);
    expect(rows.map((r) => [r.metric, r.state])).toEqual([
      ['currentBytes', 'published'],
      ['currentBytes', 'published'],
    ]);
    const ids = emails().map((e) => /Alert id: (\S+)/.exec(e.body)?.[1]);
    expect(ids).toEqual(rows.map((r) => r.alertId));
    const view = (await (await api(alertsUrl(outputs.bucketName))).json()) as { recentAlerts: unknown[] };
    expect(view.recentAlerts).toHaveLength(2);

    const delivery = cloud.eventDelivery();
    const faults = cloud.faultStats();
    console.log(
      `alerts e2e: first email ${Math.round(firstMs)} ms, second ${Math.round(secondMs)} ms after the upload; ` +
        `${delivery.duplicates} duplicated S3 events, ${faults.crashes} tracker crashes in ${faults.invocations} invocations`,
    );
    expect(faults.crashes).toBeGreaterThan(0);
  });
});
