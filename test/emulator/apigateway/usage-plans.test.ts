import { describe, expect, it } from 'vitest';
import { runMockIntegration, templateStatus } from '../../../emulator/apigateway/mock-integration.ts';
import { generateApiKeyValue, stageThrottles } from '../../../emulator/apigateway/usage-plan-resources.ts';
import { periodStart, TokenBucket, UsagePlans } from '../../../emulator/apigateway/usage-plans.ts';
import type { MockIntegrationResponse } from '../../../emulator/cloudformation/cloud-model.ts';

/** The pure rules behind API keys, usage plans and MOCK integrations (no server, no clock). */
describe('usage plans, pure', () => {
  it('refills a token bucket at the rate, up to the burst', () => {
    const bucket = new TokenBucket({ rateLimit: 2, burstLimit: 3 }, 0);
    expect([0, 0, 0, 0].map(() => bucket.take(0))).toEqual([true, true, true, false]);
    expect(bucket.take(499)).toBe(false); // 0.998 tokens
    expect(bucket.take(500)).toBe(true);
    expect([10_000, 10_000, 10_000, 10_000].map((t) => bucket.take(t))).toEqual([true, true, true, false]);
  });

  it('starts quota periods at 00:00 UTC, on Mondays and on the 1st', () => {
    const wednesday = Date.parse('2026-11-25T15:00:00Z');
    expect(new Date(periodStart('DAY', wednesday)).toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(new Date(periodStart('WEEK', wednesday)).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(new Date(periodStart('WEEK', Date.parse('2026-11-29T23:59:59Z'))).toISOString()).toBe(
      '2026-11-23T00:00:00.000Z',
    );
    expect(new Date(periodStart('MONTH', wednesday)).toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });

  it('counts the quota per key, from the offset, and starts again in the next period', () => {
    const plans = new UsagePlans();
    plans.keys.set('k1', {
      id: 'k1',
      name: 'k1',
      value: 'v'.repeat(20),
      enabled: true,
      createdDate: new Date(),
    });
    plans.plans.set('p1', {
      id: 'p1',
      name: 'p1',
      apiStages: [{ apiId: 'a', stage: 's', throttle: {} }],
      quota: { limit: 3, period: 'DAY', offset: 1 },
      keyIds: new Set(['k1']),
    });
    const day1 = Date.parse('2026-11-30T10:00:00Z');
    const admit = (nowMs: number, apiKey = 'v'.repeat(20)) =>
      plans.admit({
        apiId: 'a',
        stage: 's',
        resourcePath: '/x',
        httpMethod: 'GET',
        apiKeyRequired: true,
        apiKey,
        nowMs,
      });
    expect([admit(day1), admit(day1), admit(day1)]).toEqual([
      { ok: true, apiKeyId: 'k1' },
      { ok: true, apiKeyId: 'k1' },
      { ok: false, refusal: 'quota' },
    ]);
    expect(admit(day1 + 86_400_000)).toEqual({ ok: true, apiKeyId: 'k1' });
    expect(admit(day1, 'w'.repeat(20))).toEqual({ ok: false, refusal: 'forbidden' });
    // a key of a plan of another stage opens nothing here
    expect(
      plans.admit({
        apiId: 'a',
        stage: 'other',
        resourcePath: '/x',
        httpMethod: 'GET',
        apiKeyRequired: true,
        apiKey: 'v'.repeat(20),
        nowMs: day1,
      }),
    ).toEqual({ ok: false, refusal: 'forbidden' });
  });

  it("reads a stage's MethodSettings paths as CloudFormation writes them", () => {
    expect(
      stageThrottles([
        { ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
        { ResourcePath: '/~1items~1{id}', HttpMethod: 'GET', ThrottlingBurstLimit: 1 },
        { ResourcePath: '/*', HttpMethod: '*', LoggingLevel: 'OFF' },
      ]),
    ).toEqual([
      { resourcePath: '/*', httpMethod: '*', throttle: { rateLimit: 10, burstLimit: 20 } },
      {
        resourcePath: '/items/{id}',
        httpMethod: 'GET',
        throttle: { rateLimit: Number.POSITIVE_INFINITY, burstLimit: 1 },
      },
    ]);
    expect(() => stageThrottles([{ ThrottlingRateLimit: 'fast' }])).toThrow(/ThrottlingRateLimit/);
  });

  it('generates 40 letters and digits, the same for the same seed parts', () => {
    expect(generateApiKeyValue(['seed', 'Stack', 'Key'])).toBe(generateApiKeyValue(['seed', 'Stack', 'Key']));
    expect(generateApiKeyValue(['seed', 'Stack', 'Key'])).not.toBe(
      generateApiKeyValue(['seed', 'Stack', 'Other']),
    );
    expect(generateApiKeyValue()).toMatch(/^[A-Za-z0-9]{40}$/);
  });
});

describe('MOCK integrations, pure', () => {
  const request = {
    headers: {},
    query: new URLSearchParams(),
    pathParameters: {},
    context: { requestId: 'r1' },
  };
  const mock = (integrationResponses: Parameters<typeof runMockIntegration>[0]['integrationResponses']) => ({
    type: 'MOCK' as const,
    requestTemplates: { 'application/json': '{ statusCode: 404 }' },
    integrationResponses,
  });

  it('reads the status from the request template, JSON or the form CDK writes', () => {
    expect(templateStatus('{"statusCode": 201}')).toBe(201);
    expect(templateStatus('{ statusCode: 200 }')).toBe(200);
    expect(templateStatus(undefined)).toBe(200);
  });

  it('picks the response whose SelectionPattern matches, else the default one, else 500', () => {
    const responses: MockIntegrationResponse[] = [
      { statusCode: 200, responseParameters: {}, responseTemplates: {} },
      {
        statusCode: 404,
        selectionPattern: '4\\d\\d',
        responseParameters: {
          'method.response.header.X-Id': 'context.requestId',
          'method.response.header.X-Fixed': "'yes'",
        },
        responseTemplates: { 'application/json': '{"missing":true}' },
      },
    ];
    expect(runMockIntegration(mock(responses), request)).toEqual({
      statusCode: 404,
      headers: { 'content-type': 'application/json', 'x-id': 'r1', 'x-fixed': 'yes' },
      body: '{"missing":true}',
    });
    expect(runMockIntegration(mock(responses.slice(0, 1)), request).statusCode).toBe(200);
    expect(runMockIntegration(mock([]), request)).toMatchObject({
      statusCode: 500,
      body: '{"message":"Internal server error"}',
    });
  });
});
