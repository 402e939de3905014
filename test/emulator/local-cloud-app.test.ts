import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../emulator/local-cloud.ts';
import { newerSourceThan } from '../../emulator/services/stale-check.ts';
import { apiKeyValueAt } from '../../integration/targets/api-key.ts';

/** The local cloud on the real synthesized app (cdk.out): the same assembly AWS and LocalStack receive. */
const ROOT = join(import.meta.dirname, '..', '..');
const MANIFEST = join(ROOT, 'cdk.out', 'manifest.json');
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let cloud: LocalCloud;
let s3: S3Client;
/** The plot API's key header: every method of the API needs it. */
let apiKey: Record<string, string>;

beforeAll(async () => {
  const stale =
    !existsSync(MANIFEST) ||
    newerSourceThan(statSync(MANIFEST).mtimeMs, [join(ROOT, 'infra'), join(ROOT, 'handlers')]) !== undefined;
  if (stale)
    execFileSync('npx', ['cdk', 'synth', '--quiet'], { cwd: ROOT, stdio: 'ignore', timeout: 170_000 });
  cloud = await startLocalCloud({
    assemblyDir: join(ROOT, 'cdk.out'),
    stateDir: null,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    asyncRetryDelaysMs: [50, 100],
    log: () => {},
  });
  s3 = new S3Client({
    endpoint: cloud.endpoints.s3,
    region: cloud.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  apiKey = {
    'x-api-key': await apiKeyValueAt(cloud.endpoints.api, cloud.region, output('Plotting', 'PlotApiKeyId')),
  };
}, 240_000);

afterAll(async () => {
  s3?.destroy();
  await cloud?.stop();
});

const output = (stack: string, key: string): string => {
  const entry = Object.entries(cloud.outputs).find(([name]) => name.endsWith(`-${stack}`));
  const value = entry?.[1][key];
  if (!value) throw new Error(`no output ${key} in stack *-${stack}`);
  return value;
};

describe('local cloud on the synthesized app', () => {
  it('tracks an uploaded object with the size-tracking function', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: output('SizeTracking', 'BucketName'),
        Key: 'dir/a b.txt',
        Body: 'hello',
      }),
    );
    await cloud.whenIdle();
    const logs = cloud.logs('SizeTrackingFunction');
    const applied = logs.filter((line) => line.includes('"event applied"')).map((line) => JSON.parse(line));
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({
      key: 'dir/a b.txt',
      eventName: 'ObjectCreated:Put',
      delta: { bytes: 5, objects: 1 },
    });
    expect(cloud.failures()).toEqual([]);
  });

  it('serves the chart as PNG bytes from the plot API URL output', async () => {
    const url = output('Plotting', 'PlotApiUrl');
    expect(url.startsWith(`${cloud.endpoints.api}/`)).toBe(true);
    const response = await fetch(`${url}?window=60`, { headers: { accept: 'image/png', ...apiKey } });
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect([...body.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  });

  it('answers a bad window with a 400 JSON error', async () => {
    const url = output('Plotting', 'PlotApiUrl');
    const bad = await fetch(`${url}?window=abc`, { headers: apiKey });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/json');
    expect(await bad.json()).toHaveProperty('error');
    const missing = await fetch(url, { headers: apiKey });
    expect(missing.status).toBe(400);
    // window is checked by the function (not required at API Gateway), which names it in {"error"}
    expect(((await missing.json()) as { error: string }).error).toContain(
      'query parameter "window" is required',
    );
  });

  it('runs the driver, whose plot request reaches the local API through its environment', async () => {
    const summary = (await cloud.invoke('DriverFunction', { pauseMs: 200, windowSeconds: 120 })) as {
      plot: { url: string; status: number; contentType: string };
    };
    expect(summary.plot.url.startsWith(`${cloud.endpoints.api}/_aws/execute-api/`)).toBe(true);
    expect(summary.plot).toMatchObject({ status: 200, contentType: 'image/png' });
    await cloud.whenIdle();
    expect(cloud.failures()).toEqual([]);
  });

  it('runs the reconcile schedule on demand', async () => {
    await cloud.runSchedule();
    expect(cloud.logs('ReconcileFunction').some((line) => line.includes('"reconciled"'))).toBe(true);
  });
});
