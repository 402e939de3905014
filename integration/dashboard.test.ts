// The live dashboard in a real browser (Playwright driving Debian's Chromium) on the embedded cloud,
// and the chart cache over HTTP with the real tracker: one cloud for the file.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../infra/paths.ts';
import { findChromium, launchChromium, noChromiumReason } from './support/chromium.ts';
import { type EmbeddedTarget, startEmbeddedTarget } from './targets/embedded.ts';

let target: EmbeddedTarget;
let dashboardUrl: string;
let bucket: string;

/** The key the page is given: the value of the stack's API key (GetApiKey, as a user would read it). */
let apiKey: string;

async function upload(key: string, bytes: number): Promise<void> {
  await target.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(bytes, 97) }));
}

async function plot(query: string): Promise<Response> {
  const response = await fetch(`${target.outputs.plotApiUrl}?${query}`, {
    headers: { accept: 'image/png', 'x-api-key': apiKey },
  });
  await response.arrayBuffer();
  return response;
}

beforeAll(async () => {
  target = await startEmbeddedTarget({ dynamodbEndpoint: inject('dynamodbEndpoint') });
  bucket = target.outputs.bucketName;
  apiKey = target.outputs.plotApiKey;
  dashboardUrl = target.outputs.plotApiUrl.replace(/plot$/, '');
  await upload('first.txt', 1000);
  await target.settle();
});

afterAll(async () => {
  await target?.stop();
});

describe('chart cache over HTTP, with the real tracker', () => {
  it('hits on a repeated view, misses after an upload (a new revision)', async () => {
    // an explicit end: the key must not move on with "now" while a loaded machine answers
    const query = `window=3600&end=${Date.now() + 600_000}&bucket=${bucket}&series=both`;
    expect((await plot(query)).headers.get('x-chart-cache')).toBe('miss');
    // the API runs the function in several environments, each with its own cache: repeat until
    // every environment has it (each renders it at most once)
    const states = [];
    for (let i = 0; i < 8; i++) states.push((await plot(query)).headers.get('x-chart-cache'));
    expect(states.at(-1)).toBe('hit');
    await upload('second.txt', 500);
    await target.settle();
    expect((await plot(query)).headers.get('x-chart-cache')).toBe('miss');
  });
});

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)(
  `the dashboard page in Chromium${chromiumPath ? '' : ` (skipped: ${noChromiumReason})`}`,
  () => {
    it('asks for the key, shows the totals, and an upload appears in the totals and the chart within 5 s', async () => {
      const browser = await launchChromium(chromiumPath as string);
      try {
        const page: Page = browser.context.pages()[0] ?? (await browser.context.newPage());
        const problems: string[] = [];
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        page.on('console', (message: ConsoleMessage) => {
          if (message.type() !== 'error') return;
          // any error, a failed request included (the alerts API answers here), fails the test
          const url = message.location().url;
          problems.push(`console error: ${message.text()} (${url})`);
        });
        const keyRequests: (string | null)[] = [];
        page.on('request', (request) => {
          if (/\/(buckets|plot)\b/.test(request.url()))
            keyRequests.push(request.headers()['x-api-key'] ?? null);
        });

        await page.goto(dashboardUrl);
        await page.locator('#key-input').fill(apiKey);
        await page.locator('#key-form button[type=submit]').click();
        const card = page.locator(`section.card[data-bucket="${bucket}"]`);
        await expect
          .poll(() => card.locator('.current-bytes').textContent(), { timeout: 10_000 })
          .toBe('1.46 KiB');
        const chart = card.locator('.chart-img');
        await expect.poll(() => chart.getAttribute('src'), { timeout: 10_000 }).toMatch(/^blob:/);
        await expect.poll(() => card.locator('.alerts-body').textContent()).not.toContain('Loading');
        // the default threshold (seed 003's 80 GB on current bytes) from GET /alerts/{bucket}, armed
        await expect
          .poll(() => card.locator('.alerts-body table').textContent(), { timeout: 10_000 })
          .toMatch(/currentBytes.*armed/);
        const chartBefore = await chart.screenshot();
        const revisionBefore = await chart.getAttribute('data-revision');

        const uploaded = performance.now();
        await upload('third.bin', 3 * 1024 * 1024);
        await expect
          .poll(() => card.locator('.current-bytes').textContent(), { timeout: 5_000, interval: 100 })
          .toBe('3.00 MiB');
        await expect
          .poll(() => chart.getAttribute('data-revision'), { timeout: 5_000, interval: 100 })
          .not.toBe(revisionBefore);
        const seenAfterMs = performance.now() - uploaded;
        expect(seenAfterMs).toBeLessThan(5_000);
        expect((await chart.screenshot()).equals(chartBefore)).toBe(false);
        await expect(card.locator('.object-count').textContent()).resolves.toBe('3');

        // the key was asked for once, kept, and sent with every data request
        expect(await page.evaluate(() => localStorage.getItem('sizeTracker.apiKey'))).toBe(apiKey);
        expect(keyRequests.length).toBeGreaterThan(0);
        expect(keyRequests.every((k) => k === apiKey)).toBe(true);
        await page.reload();
        await expect.poll(() => page.locator('#key-form').isHidden()).toBe(true);
        await expect
          .poll(() => card.locator('.current-bytes').textContent(), { timeout: 5_000 })
          .toBe('3.00 MiB');

        mkdirSync(join(repoRoot, 'out'), { recursive: true });
        await page.screenshot({ path: join(repoRoot, 'out', 'dashboard.png'), fullPage: true });
        console.log(
          `dashboard: upload visible after ${Math.round(seenAfterMs)} ms; screenshot out/dashboard.png`,
        );
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  },
);
