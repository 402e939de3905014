import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlertsApiPorts, bucketNameError, handleAlertsRequest } from '../../handlers/alerts/api.ts';
import type { AlertConfig } from '../../handlers/alerts/items.ts';
import type { Thresholds } from '../../handlers/alerts/thresholds.ts';

// The API's core with an in-memory store (the handler's DynamoDB side runs in integration/alerts.test.ts).
function memoryPorts(): AlertsApiPorts & { configs: Map<string, AlertConfig> } {
  const configs = new Map<string, AlertConfig>();
  return {
    configs,
    readConfig: async (bucket) => configs.get(bucket),
    async writeConfig(bucket, thresholds, nowMs) {
      const config: AlertConfig = {
        thresholds,
        version: (configs.get(bucket)?.version ?? 0) + 1,
        updatedAt: new Date(nowMs).toISOString(),
        source: 'api',
      };
      configs.set(bucket, config);
      return config;
    },
    firedState: async () => ({}),
    recentAlerts: async () => [],
    now: () => 0,
  };
}

const defaults: Thresholds = { currentBytes: { threshold: 80, hysteresis: 8 } };
const put = (body: string | null, bucket = 'my-bucket') =>
  handleAlertsRequest({ method: 'PUT', bucket, body }, memoryPorts(), defaults);

describe('alerts API', () => {
  it('shows the defaults until set, then what was set', async () => {
    const ports = memoryPorts();
    const before = await handleAlertsRequest({ method: 'GET', bucket: 'b-1', body: null }, ports, defaults);
    expect(before).toMatchObject({
      statusCode: 200,
      body: { thresholds: defaults, source: 'defaults', version: 0 },
    });
    const body = JSON.stringify({ thresholds: { objectCount: { threshold: 3 } } });
    const set = await handleAlertsRequest({ method: 'PUT', bucket: 'b-1', body }, ports, defaults);
    expect(set).toMatchObject({
      statusCode: 200,
      body: { thresholds: { objectCount: { threshold: 3, hysteresis: 0 } }, source: 'api', version: 1 },
    });
  });

  it.each([
    [null, /^body: required/],
    ['{', /^body: not valid JSON/],
    ['[1]', /^body: must be a JSON object/],
    ['{"thresholds":{},"extra":1}', /^extra: unknown field/],
    ['{"thresholds":{"bytes":{"threshold":1}}}', /^thresholds\.bytes: unknown field/],
    ['{"thresholds":{"storedBytes":{"threshold":-1}}}', /^thresholds\.storedBytes\.threshold: must be >= 0/],
    [
      '{"thresholds":{"storedBytes":{"threshold":"NaN"}}}',
      /^thresholds\.storedBytes\.threshold: must be a finite number/,
    ],
    [
      '{"thresholds":{"storedBytes":{"threshold":1e400}}}',
      /^thresholds\.storedBytes\.threshold: must be a finite number/,
    ],
    ['{}', /^thresholds: must be a JSON object/],
  ])('refuses %s with a 400 naming the field', async (body, message) => {
    const response = await put(body);
    expect(response.statusCode).toBe(400);
    expect((response.body as { error: string }).error).toMatch(message);
  });

  it('refuses bad bucket names and other methods', async () => {
    for (const bucket of ['', 'ab', 'UPPER', 'a..b', '-start', 'x'.repeat(64), 'under_score'])
      expect(bucketNameError(bucket), bucket).toMatch(/bucket/);
    expect(bucketNameError('my.bucket-1')).toBeUndefined();
    expect((await put('{"thresholds":{}}', 'Bad_Name')).statusCode).toBe(400);
    expect(
      (
        await handleAlertsRequest(
          { method: 'DELETE', bucket: 'ok-bucket', body: null },
          memoryPorts(),
          defaults,
        )
      ).statusCode,
    ).toBe(405);
  });

  it('answers any body with 200 or 400, never a throw (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ thresholds: v })),
        ),
        async (body) => {
          const response = await put(body);
          expect([200, 400]).toContain(response.statusCode);
          if (response.statusCode === 400)
            expect((response.body as { error: string }).error).toMatch(/\S: \S/s);
        },
      ),
      { numRuns: 300 },
    );
  });
});
