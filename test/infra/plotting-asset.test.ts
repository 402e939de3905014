import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedS3, startS3Server } from '../../emulator/s3/server.ts';
import { historySortKey } from '../../handlers/tracking/ledger-store.ts';
import { createBucket, createTables, documentClient, dynamodbEndpoint, s3Client } from '../support/aws.ts';
import { buildTestApp } from './app-fixture.ts';

const run = promisify(execFile);

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(dir, entry.name);
    return sum + (entry.isDirectory() ? folderBytes(path) : statSync(path).size);
  }, 0);
}

let assetDir: string;

beforeAll(() => {
  const { app, stacks } = buildTestApp({
    bundle: true,
    context: { 'aws:cdk:bundling-stacks': ['SizeTracker-dev-Plotting'] },
  });
  const assembly = app.synth({ force: true, skipValidation: true });
  const template = assembly.getStackByName(stacks.plotting.stackName).template as {
    Resources: Record<
      string,
      { Type: string; Properties: { Code?: { S3Key?: string }; MemorySize?: number } }
    >;
  };
  const plotFn = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('PlotFunction'),
  );
  const hash = plotFn?.[1].Properties.Code?.S3Key?.replace(/\.zip$/, '');
  assetDir = join(assembly.directory, `asset.${hash}`);
}, 120_000);

describe('plotting function package', () => {
  it('carries the bundle, canvas with its x86-64 Linux binary, and the font', () => {
    expect(existsSync(join(assetDir, 'index.mjs'))).toBe(true);
    expect(existsSync(join(assetDir, 'node_modules/canvas/index.js'))).toBe(true);
    const binary = readFileSync(join(assetDir, 'node_modules/canvas-linux-x64-gnu/canvas.node'));
    // ELF, 64-bit, machine type x86-64 (0x3e).
    expect(binary.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(binary[4]).toBe(2);
    expect(binary.readUInt16LE(18)).toBe(0x3e);
    expect(readFileSync(join(assetDir, 'fonts/DejaVuSans.ttf')).subarray(0, 4)).toEqual(
      Buffer.from([0, 1, 0, 0]),
    );
    // Lambda allows 250 MB unzipped; the package must stay far below.
    // the dashboard's page, served by the same function from beside its bundle
    for (const file of ['index.html', 'app.js', 'app.css'])
      expect(existsSync(join(assetDir, 'dashboard/public', file)), `dashboard/public/${file}`).toBe(true);
    expect(folderBytes(assetDir)).toBeLessThan(25 * 1024 * 1024);
  });

  it('runs as deployed: the bundled handler renders a PNG from DynamoDB Local in a fresh process', async () => {
    let s3: EmbeddedS3 | undefined;
    try {
      s3 = await startS3Server();
      const client = s3Client(s3.endpoint);
      const tables = await createTables();
      const chartBucket = await createBucket(client, 'charts');
      const now = Date.now();
      await documentClient().send(
        new PutCommand({
          TableName: tables.history,
          Item: {
            bucket: 'plotted-bucket',
            ts: historySortKey(now - 5000, 1),
            time_ms: now - 5000,
            size_bytes: 27,
            object_count: 1,
            revision: 1,
          },
        }),
      );
      const script = `
        const { handler } = await import(${JSON.stringify(join(assetDir, 'index.mjs'))});
        const call = (query) => handler({ httpMethod: 'GET', headers: {}, queryStringParameters: query }, { awsRequestId: 'r1' });
        const results = [await call({ window: '60' }), await call({ window: '60', bucket: 'unknown-bucket' })];
        process.stdout.write('RESULT' + JSON.stringify(results));
      `;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: tmpdir(),
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint(),
          AWS_ENDPOINT_URL_S3: s3.endpoint,
          HISTORY_TABLE: tables.history,
          TRACKED_BUCKET: 'plotted-bucket',
          CHART_BUCKET: chartBucket,
          POWERTOOLS_LOG_LEVEL: 'ERROR',
          POWERTOOLS_METRICS_DISABLED: 'true',
        },
      });
      const [chart, unknown] = JSON.parse(stdout.slice(stdout.indexOf('RESULT') + 6));
      expect(chart).toMatchObject({
        statusCode: 200,
        isBase64Encoded: true,
        headers: { 'content-type': 'image/png' },
      });
      expect(Buffer.from(chart.body, 'base64').subarray(1, 4).toString()).toBe('PNG');
      expect(unknown).toMatchObject({ statusCode: 400 });
      expect(JSON.parse(unknown.body).error).toContain('not tracked');

      // And the native part: canvas from the package draws with the packaged font.
      const draw = `
        const { createRequire } = await import('node:module');
        const require = createRequire(${JSON.stringify(join(assetDir, 'index.mjs'))});
        const { createCanvas, FontFace, fonts } = require('canvas');
        fonts.add(new FontFace('Packaged', ${JSON.stringify(join(assetDir, 'fonts/DejaVuSans.ttf'))}));
        const canvas = createCanvas(120, 40);
        const ctx = canvas.getContext('2d');
        ctx.font = '20px Packaged';
        ctx.fillText('27 B', 10, 28);
        process.stdout.write(canvas.toBuffer('image/png').subarray(1, 4).toString());
      `;
      const drawn = await run(process.execPath, ['--input-type=module', '-e', draw], { cwd: tmpdir() });
      expect(drawn.stdout).toBe('PNG');
    } finally {
      await s3?.stop();
    }
  });
});
