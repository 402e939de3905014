import { fileURLToPath } from 'node:url';
import {
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  type CreateUsagePlanRequest,
  DeleteApiKeyCommand,
  DeleteUsagePlanCommand,
  DeleteUsagePlanKeyCommand,
} from '@aws-sdk/client-api-gateway';
import {
  type BucketVersioningStatus,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderChart } from '../handlers/chart/render.ts';
import type { DriverSummary } from '../handlers/driver.ts';
import { decodePng, expectMatchesGolden, expectSimilarPngs } from '../test/support/png-golden.ts';
import {
  getPlot,
  history,
  plotApiStage,
  recount,
  trackedStoredTotals,
  trackedTotals,
  writeHistory,
} from './support/app.ts';
import { listVersions } from './support/exactness.ts';
import { isRestartable, type Target } from './targets/target.ts';

const goldens = fileURLToPath(new URL('./goldens/', import.meta.url));
const output = fileURLToPath(new URL('./__output__/', import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The points of a JSON plot answer, as the renderer takes them. */
interface PlotJson {
  start: string;
  end: string;
  windowSeconds: number;
  maxSizeBytes: number;
  bucket: string;
  points: { time: string; sizeBytes: number; objectCount: number }[];
}

/** Every scenario ends here: the tracker's totals equal a fresh ListObjectsV2 recount. */
async function expectTotalsEqualRecount(target: Target, bucket: string): Promise<void> {
  const truth = await recount(target, bucket);
  expect(await trackedTotals(target, bucket)).toEqual({
    sizeBytes: truth.sizeBytes,
    objectCount: truth.objectCount,
  });
}

/** Versioned buckets: the stored totals equal a fresh ListObjectVersions recount too. */
async function expectStoredTotalsEqualRecount(target: Target, bucket: string): Promise<void> {
  await expectTotalsEqualRecount(target, bucket);
  const versions = await listVersions(target.s3, bucket);
  expect(await trackedStoredTotals(target, bucket)).toEqual({
    sizeBytes: versions.sizeBytes,
    versions: versions.versions,
  });
}

/** Targets whose S3 clock the tests can move (the embedded one): lifecycle rules run at the new time. */
interface ClockTarget extends Target {
  advanceClock(by: { days?: number }): Promise<void>;
}
const hasClock = (target: Target): target is ClockTarget =>
  typeof (target as Partial<ClockTarget>).advanceClock === 'function';

/**
 * The integration tests, written once against the Target interface: every target (embedded,
 * LocalStack) runs exactly these. Tests in a file run in order; the first one needs the tracked
 * bucket empty, as a fresh deployment leaves it.
 */
export function integrationSuite(targetName: string, start: () => Promise<Target>): void {
  describe(`integration on the ${targetName} target`, () => {
    let target: Target;

    beforeAll(async () => {
      target = await start();
    });

    afterAll(async () => {
      await target?.stop();
    });

    it('plays the driver scenario into exactly the history 18, 27, 0, 2 bytes, with a chart maximum of 27', async () => {
      const bucket = target.outputs.bucketName;
      // The function's default pause (2 s): S3 does not order events, so each must be handled before the next.
      const summary = await target.invoke<DriverSummary>('driver', { windowSeconds: 600 });
      await target.settle();
      expect(summary.steps.map((s) => s.bytes)).toEqual([18, 27, 0, 2]);
      expect(summary.plot).toMatchObject({ status: 200, contentType: 'image/png' });

      const points = await history(target, bucket);
      expect(points.map((p) => p.sizeBytes)).toEqual([18, 27, 0, 2]);
      expect(points.map((p) => p.objectCount)).toEqual([1, 1, 0, 1]);

      const json = (await (
        await getPlot(target, { window: '600', format: 'json' }, 'application/json')
      ).json()) as PlotJson;
      expect(json.maxSizeBytes).toBe(27);
      expect(json.points.map((p) => p.sizeBytes)).toEqual([18, 27, 0, 2]);
      await expectTotalsEqualRecount(target, bucket);
    });

    it('keeps totals equal to a fresh listing through every kind of object change', async () => {
      const bucket = target.outputs.bucketName;
      const put = (Key: string, Body: string | Buffer) =>
        target.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
      const awkwardKeys = [
        'nested/deep/path/file.txt',
        'with space.txt',
        'plus+sign.txt',
        '100% done.txt',
        'unicode/été 📦.bin',
        'a&b=c?.txt',
      ];
      await Promise.all(awkwardKeys.map((key, i) => put(key, 'x'.repeat(10 * (i + 1)))));

      // A multipart upload (parts of 5 MiB but the last).
      const multipartKey = 'multipart/big file.bin';
      const upload = await target.s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: multipartKey }),
      );
      const parts = [];
      for (const [i, body] of [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.alloc(1234, 2)].entries()) {
        const part = await target.s3.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: multipartKey,
            UploadId: upload.UploadId,
            PartNumber: i + 1,
            Body: body,
          }),
        );
        parts.push({ ETag: part.ETag, PartNumber: i + 1 });
      }
      await target.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: multipartKey,
          UploadId: upload.UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );

      await target.s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: 'copies/with space copy.txt',
          CopySource: `${bucket}/${encodeURIComponent('with space.txt')}`,
        }),
      );
      await put('plus+sign.txt', 'y'.repeat(500)); // overwrite, larger
      await put('nested/deep/path/file.txt', 'z'); // overwrite, smaller
      await target.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: '100% done.txt' }));
      await target.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'never-existed.txt' }));
      await target.s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: {
            Objects: [{ Key: 'unicode/été 📦.bin' }, { Key: 'a&b=c?.txt' }, { Key: 'not-there-either.txt' }],
          },
        }),
      );
      await target.settle();

      const truth = await recount(target, bucket);
      expect(truth.keys.has('multipart/big file.bin')).toBe(true);
      expect(truth.keys.get('copies/with space copy.txt')).toBe(20);
      expect(await trackedTotals(target, bucket)).toEqual({
        sizeBytes: truth.sizeBytes,
        objectCount: truth.objectCount,
      });
      const points = await history(target, bucket);
      expect(new Set(points.map((p) => p.ts)).size).toBe(points.length);
      expect(points.at(-1)).toMatchObject({ sizeBytes: truth.sizeBytes, objectCount: truth.objectCount });
    });

    it('keeps current and stored totals exact through versions, delete markers and noncurrent expiry', async () => {
      const bucket = target.outputs.bucketName;
      const key = 'versioned/report 1+1.txt';
      const status = (await target.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
      if (status !== 'Enabled') {
        // the tracked bucket is versioned by default (issue 8); an older deployment is switched here
        const enabled: BucketVersioningStatus = 'Enabled';
        await target.s3.send(
          new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: enabled } }),
        );
      }
      const put = async (body: string) =>
        (await target.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).VersionId;
      const step = async () => {
        await target.settle();
        await expectStoredTotalsEqualRecount(target, bucket);
      };
      const v1 = await put('one');
      expect(v1).toBeTruthy();
      await step();
      await put('version two');
      await step();
      // delete v1 (noncurrent) by version id: the current object stays
      await target.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: v1 }));
      await step();
      // delete the key: a delete marker hides v2, which S3 keeps (and bills)
      const marker = await target.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      expect(marker.DeleteMarker).toBe(true);
      await step();
      // delete the marker: v2 is current again
      await target.s3.send(
        new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: marker.VersionId }),
      );
      await step();
      expect((await recount(target, bucket)).keys.get(key)).toBe('version two'.length);

      // noncurrent versions expire after 30 days (the tracked bucket's lifecycle rule): make one, move the clock
      await put('version three');
      await step();
      // a real cloud's clock cannot be moved by a test; LocalStack (and its profile) never runs lifecycle
      if (!hasClock(target)) return;
      await target.advanceClock({ days: 31 });
      await step();
      const versions = await listVersions(target.s3, bucket);
      const current = await recount(target, bucket);
      expect(versions.versions).toBe(current.objectCount);
    });

    it('serves over HTTP the same PNG the renderer draws for the same history', async () => {
      const end = new Date().toISOString();
      const query = { window: '900', end };
      const png = Buffer.from(await (await getPlot(target, query)).arrayBuffer());
      expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
      const json = (await (await getPlot(target, { ...query, format: 'json' })).json()) as PlotJson;
      const expected = renderChart(
        json.points.map((p) => ({
          timeMs: Date.parse(p.time),
          sizeBytes: p.sizeBytes,
          objectCount: p.objectCount,
        })),
        {
          bucket: json.bucket,
          windowSeconds: json.windowSeconds,
          startMs: Date.parse(json.start),
          endMs: Date.parse(json.end),
          maxSizeBytes: json.maxSizeBytes,
        },
      );
      expectSimilarPngs(`${targetName}-api-vs-renderer`, expected, png, output);
    });

    it('draws a fixed history exactly like the golden chart', async () => {
      const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
      const sizes = [18, 27, 0, 2];
      await writeHistory(
        target,
        'golden-scenario-bucket',
        sizes.map((sizeBytes, i) => ({
          timeMs: t0 + 10_000 + i * 5_000,
          sizeBytes,
          objectCount: sizeBytes > 0 ? 1 : 0,
        })),
      );
      const response = await getPlot(target, {
        window: '60',
        bucket: 'golden-scenario-bucket',
        end: new Date(t0 + 60_000).toISOString(),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      const png = Buffer.from(await response.arrayBuffer());
      expect([decodePng(png).width, decodePng(png).height]).toEqual([800, 450]);
      expectMatchesGolden(`${goldens}seed-scenario-60s.png`, png);
    });

    it.each<[Record<string, string>, string]>([
      [{}, 'missing window'],
      [{ window: '-5' }, 'negative window'],
      [{ window: 'soon' }, 'non-numeric window'],
      [{ window: '1e12' }, 'absurd window'],
      [{ window: '60', bucket: 'no-such-tracked-bucket' }, 'unknown bucket'],
      [{ window: '60', bucket: 'Invalid_Name' }, 'invalid bucket name'],
    ])('answers a bad request (%j: %s) with 4xx and a JSON error', async (query) => {
      const response = await getPlot(target, query);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      const body = (await response.json()) as Record<string, unknown>;
      expect(typeof (body.error ?? body.message)).toBe('string');
    });

    it('refuses the plot API without a valid key (403) and answers unknown routes as a REST API does', async () => {
      const gatewayAnswer = async (response: Response) => ({
        status: response.status,
        errorType: response.headers.get('x-amzn-errortype'),
        body: await response.json(),
      });
      expect(await gatewayAnswer(await getPlot(target, { window: '60' }, 'image/png', null))).toEqual({
        status: 403,
        errorType: 'ForbiddenException',
        body: { message: 'Forbidden' },
      });
      const wrongKey = await getPlot(target, { window: '60' }, 'image/png', 'not-the-key-of-this-api-000');
      expect(wrongKey.status).toBe(403);
      const nowhere = await fetch(target.outputs.plotApiUrl.replace(/\/plot$/, '/no-such-route'), {
        headers: { 'x-api-key': target.outputs.plotApiKey },
      });
      expect(await gatewayAnswer(nowhere)).toEqual({
        status: 403,
        errorType: 'MissingAuthenticationTokenException',
        body: { message: 'Missing Authentication Token' },
      });
      expect((await getPlot(target, { window: '60', format: 'json' })).status).toBe(200);
    });

    it("answers 429 past a usage plan's burst limit and past its quota", async (context) => {
      if (targetName === 'localstack') {
        // api_key_validation.py at v4.14.0: "We currently do not support rate limiting or quota limit"
        context.skip('LocalStack 4.14 checks API keys but does not enforce usage plan throttles or quotas');
        return;
      }
      // plans of their own, so the app's generous plan (and the other tests) are never throttled
      const { apiId, stage } = plotApiStage(target);
      const keyOnPlan = async (name: string, limits: Pick<CreateUsagePlanRequest, 'throttle' | 'quota'>) => {
        const key = await target.apiGateway.send(new CreateApiKeyCommand({ name, enabled: true }));
        const plan = await target.apiGateway.send(
          new CreateUsagePlanCommand({ name, apiStages: [{ apiId, stage }], ...limits }),
        );
        await target.apiGateway.send(
          new CreateUsagePlanKeyCommand({ usagePlanId: plan.id, keyId: key.id, keyType: 'API_KEY' }),
        );
        return { value: key.value as string, keyId: key.id as string, planId: plan.id as string };
      };
      const cleanUp = async (made: { keyId: string; planId: string }) => {
        await target.apiGateway.send(
          new DeleteUsagePlanKeyCommand({ usagePlanId: made.planId, keyId: made.keyId }),
        );
        await target.apiGateway.send(new DeleteApiKeyCommand({ apiKey: made.keyId }));
        await target.apiGateway.send(new DeleteUsagePlanCommand({ usagePlanId: made.planId }));
      };
      const json = { window: '60', format: 'json' };

      // burst 2, refilled once in 1,000 s: of 6 requests at once, 2 pass whatever the machine's load
      const tight = await keyOnPlan('suite-tight-burst', { throttle: { burstLimit: 2, rateLimit: 0.001 } });
      const burst = await Promise.all(
        [1, 2, 3, 4, 5, 6].map(() => getPlot(target, json, 'application/json', tight.value)),
      );
      expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 429, 429, 429, 429]);
      const throttled = burst.find((r) => r.status === 429) as Response;
      expect(throttled.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
      expect(await throttled.json()).toEqual({ message: 'Too Many Requests' });

      // a quota of 2 a day: the third request is over it
      const quota = await keyOnPlan('suite-tight-quota', { quota: { limit: 2, period: 'DAY' } });
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await getPlot(target, json, 'application/json', quota.value)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const over = await getPlot(target, json, 'application/json', quota.value);
      expect(over.headers.get('x-amzn-errortype')).toBe('LimitExceededException');
      expect(await over.json()).toEqual({ message: 'Limit Exceeded' });

      // the app's own key is on its own plan: untouched
      expect((await getPlot(target, json, 'application/json')).status).toBe(200);
      await cleanUp(tight);
      await cleanUp(quota);
      expect((await getPlot(target, json, 'application/json', tight.value)).status).toBe(403);
    });

    it('keeps buckets, objects and history across a restart', async (context) => {
      if (!isRestartable(target)) {
        context.skip(`the ${targetName} target cannot be restarted by the tests`);
        return;
      }
      const bucket = target.outputs.bucketName;
      const before = {
        totals: await trackedTotals(target, bucket),
        listing: await recount(target, bucket),
        points: await history(target, bucket),
      };
      target = await target.restart();
      expect(target.outputs.bucketName).toBe(bucket);
      expect(await recount(target, bucket)).toEqual(before.listing);
      expect(await trackedTotals(target, bucket)).toEqual(before.totals);
      expect(await history(target, bucket)).toEqual(before.points);
      // And it still tracks.
      await target.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'after-restart.txt', Body: '12345' }));
      await target.settle();
      expect(await trackedTotals(target, bucket)).toEqual({
        sizeBytes: (before.totals?.sizeBytes ?? 0) + 5,
        objectCount: (before.totals?.objectCount ?? 0) + 1,
      });
      await expectTotalsEqualRecount(target, bucket);
    });
  });
}
