import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
} from '@aws-sdk/client-api-gateway';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Cors, MockIntegration, Period, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../emulator/local-cloud.ts';

/**
 * API keys, usage plans, throttling, MOCK integrations (CDK's CORS preflight) and API Gateway's own
 * error answers, on a small CDK app synthesized here: only MOCK integrations, so no function runs.
 */
const FIXED_KEY = 'fixture-key-value-0123456789';
const workDir = mkdtempSync(join(tmpdir(), 'apigw-keys-'));
let cloud: LocalCloud;
let control: APIGatewayClient;

function synthFixture(outdir: string): void {
  const app = new App({ outdir });
  const stack = new Stack(app, 'KeysFixture');
  const api = new RestApi(stack, 'Api', {
    cloudWatchRole: false,
    deployOptions: {
      stageName: 'test',
      // stage throttling (MethodSettings) of one method that needs no key
      methodOptions: { '/limited/GET': { throttlingRateLimit: 0.001, throttlingBurstLimit: 2 } },
    },
    defaultMethodOptions: { apiKeyRequired: true },
    defaultCorsPreflightOptions: {
      allowOrigins: ['https://example.com'],
      allowHeaders: [...Cors.DEFAULT_HEADERS, 'X-Api-Key'],
    },
  });
  const pong = new MockIntegration({
    requestTemplates: { 'application/json': '{"statusCode": 200}' },
    integrationResponses: [
      {
        statusCode: '200',
        responseTemplates: { 'application/json': '{"pong":true}' },
        responseParameters: { 'method.response.header.X-Trace': 'method.request.header.X-Trace' },
      },
    ],
  });
  const methodResponses = [
    { statusCode: '200', responseParameters: { 'method.response.header.X-Trace': true } },
  ];
  api.root.addResource('ping').addMethod('GET', pong, { methodResponses });
  api.root.addResource('limited').addMethod('GET', pong, { apiKeyRequired: false, methodResponses });

  const plan = (id: string, props: Parameters<RestApi['addUsagePlan']>[1], value?: string) => {
    const usagePlan = api.addUsagePlan(id, props);
    usagePlan.addApiStage({ stage: api.deploymentStage });
    const key = api.addApiKey(`${id}Key`, value ? { value } : {});
    usagePlan.addApiKey(key);
    new CfnOutput(stack, `${id}KeyId`, { value: key.keyId });
  };
  plan(
    'Generous',
    { throttle: { rateLimit: 1000, burstLimit: 1000 }, quota: { limit: 10_000, period: Period.DAY } },
    FIXED_KEY,
  );
  plan('Tight', { throttle: { rateLimit: 0.001, burstLimit: 2 } });
  plan('Quota', { quota: { limit: 3, offset: 1, period: Period.DAY } });
  new CfnOutput(stack, 'ApiId', { value: api.restApiId });
  new CfnOutput(stack, 'Url', { value: api.url });
  app.synth();
}

beforeAll(async () => {
  synthFixture(join(workDir, 'cdk.out'));
  cloud = await startLocalCloud({
    assemblyDir: join(workDir, 'cdk.out'),
    stateDir: null,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    log: () => {},
  });
  control = new APIGatewayClient({
    endpoint: cloud.endpoints.api,
    region: cloud.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  control?.destroy();
  await cloud?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const out = () => cloud.outputs.KeysFixture as Record<string, string>;
const get = (path: string, key?: string, init: RequestInit = {}) =>
  fetch(`${out().Url}${path}`, {
    ...init,
    headers: { ...(key ? { 'x-api-key': key } : {}), ...init.headers },
  });
async function keyValue(id: string): Promise<string> {
  return (await control.send(new GetApiKeyCommand({ apiKey: id, includeValue: true }))).value as string;
}
async function expectGatewayAnswer(response: Response, status: number, message: string, errorType: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('x-amzn-errortype')).toBe(errorType);
  expect(await response.json()).toEqual({ message });
}

describe('API keys and usage plans on the embedded API Gateway', () => {
  it('refuses a key-required method without a valid x-api-key: 403 Forbidden', async () => {
    await expectGatewayAnswer(await get('ping'), 403, 'Forbidden', 'ForbiddenException');
    await expectGatewayAnswer(
      await get('ping', 'not-a-key-of-this-api-0000'),
      403,
      'Forbidden',
      'ForbiddenException',
    );
    const ok = await get('ping', FIXED_KEY, { headers: { 'x-trace': 'abc' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-trace')).toBe('abc');
    expect(await ok.json()).toEqual({ pong: true });
  });

  it('generates a 40-character key value, readable with GetApiKey --include-value', async () => {
    const value = await keyValue(out().TightKeyId as string);
    expect(value).toMatch(/^[A-Za-z0-9]{40}$/);
    const withoutValue = await control.send(new GetApiKeyCommand({ apiKey: out().TightKeyId }));
    expect(withoutValue.value).toBeUndefined();
    expect(withoutValue.enabled).toBe(true);
  });

  it('throttles past the burst limit with 429 Too Many Requests (per key)', async () => {
    const value = await keyValue(out().TightKeyId as string);
    const answers = await Promise.all([1, 2, 3, 4].map(() => get('ping', value)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 429, 429]);
    const refused = answers.find((r) => r.status === 429) as Response;
    await expectGatewayAnswer(refused, 429, 'Too Many Requests', 'TooManyRequestsException');
    // another key of another plan has its own bucket
    expect((await get('ping', FIXED_KEY)).status).toBe(200);
  });

  it('stops at the quota (offset counted) with 429 Limit Exceeded', async () => {
    const value = await keyValue(out().QuotaKeyId as string);
    expect((await get('ping', value)).status).toBe(200);
    expect((await get('ping', value)).status).toBe(200);
    await expectGatewayAnswer(await get('ping', value), 429, 'Limit Exceeded', 'LimitExceededException');
  });

  it("applies the stage's method throttling to every caller", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get('limited')).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it("answers CDK's CORS preflight from its MOCK integration, with no key", async () => {
    const preflight = await get('ping', undefined, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://example.com');
    expect(preflight.headers.get('vary')).toBe('Origin');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('X-Api-Key');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
  });

  it('answers an unknown path, method or stage with 403 Missing Authentication Token', async () => {
    const missing = ['MissingAuthenticationTokenException'] as const;
    await expectGatewayAnswer(
      await get('nowhere', FIXED_KEY),
      403,
      'Missing Authentication Token',
      missing[0],
    );
    await expectGatewayAnswer(
      await get('ping', FIXED_KEY, { method: 'DELETE' }),
      403,
      'Missing Authentication Token',
      missing[0],
    );
    const otherStage = await fetch(out().Url?.replace('/test/', '/prod/') as string);
    await expectGatewayAnswer(otherStage, 403, 'Missing Authentication Token', missing[0]);
  });

  it('creates keys and plans through the control plane, as the AWS SDK does', async () => {
    const key = await control.send(new CreateApiKeyCommand({ name: 'made-here', enabled: true }));
    expect(key.value).toMatch(/^[A-Za-z0-9]{40}$/);
    expect((await get('ping', key.value)).status).toBe(403); // in no plan yet
    const plan = await control.send(
      new CreateUsagePlanCommand({
        name: 'made-here',
        apiStages: [{ apiId: out().ApiId, stage: 'test' }],
        throttle: { rateLimit: 100, burstLimit: 1 },
      }),
    );
    await control.send(
      new CreateUsagePlanKeyCommand({ usagePlanId: plan.id, keyId: key.id, keyType: 'API_KEY' }),
    );
    expect((await get('ping', key.value)).status).toBe(200);
    const listed = await control.send(new GetApiKeysCommand({ includeValues: true }));
    expect(listed.items?.map((k) => k.id)).toContain(key.id);
    expect(listed.items?.find((k) => k.id === out().GenerousKeyId)?.value).toBe(FIXED_KEY);
    await expect(control.send(new GetApiKeyCommand({ apiKey: 'nosuchkey0' }))).rejects.toThrow(
      /Invalid API Key/,
    );
  });
});
