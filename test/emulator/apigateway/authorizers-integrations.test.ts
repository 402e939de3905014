import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { startFixtureCloud } from '../../support/fixture-cloud.ts';
import { KEYED_API_KEY } from './authz-fixture-app.ts';

/**
 * Lambda authorizers and non-proxy integrations on the embedded cloud, through HTTP as a client
 * sees them (fixture app: authz-fixture-app.ts, committed assembly in fixtures/authz).
 */
let cloud: LocalCloud;
let base: string;
let keyedBase: string;
beforeAll(async () => {
  cloud = await startFixtureCloud('authz');
  const outputs = cloud.outputs['Authz-App'] ?? {};
  base = String(outputs.ApiUrl).replace(/\/$/, '');
  keyedBase = String(outputs.KeyedApiUrl).replace(/\/$/, '');
});
afterAll(() => cloud?.stop());

const call = async (path: string, init: RequestInit & { token?: string; url?: string } = {}) => {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set('Authorization', init.token);
  const response = await fetch(`${init.url ?? base}${path}`, { ...init, headers });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as Record<string, unknown> };
};
/** How many times a function was invoked (its AUTHORIZE lines), optionally for one token. */
const authorizations = (fn: string, token = '') =>
  cloud.logs(fn).filter((line) => line.includes('AUTHORIZE') && line.includes(token)).length;

describe('TOKEN authorizers', () => {
  it('passes principalId and context (as strings) to a proxy integration', async () => {
    const answer = await call('/fresh', { token: 'allow:ada' });
    expect(answer.status).toBe(200);
    expect(answer.json.authorizer).toEqual({
      principalId: 'ada',
      user: 'ada',
      count: '42',
      admin: 'true',
      integrationLatency: expect.any(Number),
    });
  });

  it('answers 401 without invoking when the token is missing or fails the validation expression', async () => {
    const before = authorizations('TokenAuthorizerFn');
    for (const token of [undefined, '', 'letmein:ada']) {
      const answer = await call('/fresh', token === undefined ? {} : { token });
      expect(answer.status).toBe(401);
      expect(answer.json.error).toBe('Unauthorized'); // the API's UNAUTHORIZED gateway response
      expect(answer.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
    }
    expect(authorizations('TokenAuthorizerFn')).toBe(before);
  });

  it('honours the policy: explicit deny, no matching Allow, thrown Unauthorized, errors', async () => {
    expect(await call('/fresh', { token: 'deny:bo' })).toMatchObject({
      status: 403,
      json: { message: 'User is not authorized to access this resource with an explicit deny' },
    });
    expect(await call('/fresh', { token: 'elsewhere:bo' })).toMatchObject({
      status: 403,
      json: { message: 'User is not authorized to access this resource' },
    });
    expect(await call('/fresh', { token: 'unauthorized:bo' })).toMatchObject({
      status: 401,
      json: { error: 'Unauthorized' },
    });
    for (const token of ['boom:bo', 'bad:bo', 'nested:bo']) {
      const answer = await call('/fresh', { token });
      expect(answer.status).toBe(500);
      expect(answer.json).toEqual({ message: null });
      expect(answer.headers.get('x-amzn-errortype')).toBe('AuthorizerConfigurationException');
    }
  });

  it('invokes with the TOKEN event and the method ARN of the request', async () => {
    await call('/fresh', { token: 'allow:arn-check' });
    const line = cloud.logs('TokenAuthorizerFn').find((l) => l.includes('allow:arn-check'));
    const apiId = new URL(base).pathname.split('/')[3];
    expect(line).toMatch(
      new RegExp(
        `AUTHORIZE TOKEN allow:arn-check arn:aws:execute-api:us-east-1:\\d{12}:${apiId}/test/GET/fresh`,
      ),
    );
  });

  it('caches results by token for the TTL (0: never), and evaluates a cached policy per method ARN', async () => {
    const fresh = authorizations('TokenAuthorizerFn', 'allow:fresh-user');
    await call('/fresh', { token: 'allow:fresh-user' });
    await call('/fresh', { token: 'allow:fresh-user' });
    expect(authorizations('TokenAuthorizerFn', 'allow:fresh-user') - fresh).toBe(2);

    for (let i = 0; i < 3; i++) expect((await call('/cached', { token: 'allow:cy' })).status).toBe(200);
    expect(authorizations('TokenAuthorizerFn', 'allow:cy')).toBe(1);

    // the policy allowed only the first method ARN: the cached one denies the other path (as on AWS)
    expect((await call('/cached', { token: 'allow-one:dee' })).status).toBe(200);
    expect(await call('/cached/other', { token: 'allow-one:dee' })).toMatchObject({ status: 403 });
    expect(authorizations('TokenAuthorizerFn', 'allow-one:dee')).toBe(1);

    // TTL 1 s: invoked again once the entry expired
    await call('/short', { token: 'allow:eve' });
    await call('/short', { token: 'allow:eve' });
    expect(authorizations('TokenAuthorizerFn', 'allow:eve')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await call('/short', { token: 'allow:eve' });
    expect(authorizations('TokenAuthorizerFn', 'allow:eve')).toBe(2);
  });

  it("takes the API key from the authorizer's usageIdentifierKey when ApiKeySourceType is AUTHORIZER", async () => {
    expect((await call('/keyed', { url: keyedBase, token: `allow-key:kim:${KEYED_API_KEY}` })).status).toBe(
      200,
    );
    const withoutKey = await call('/keyed', {
      url: keyedBase,
      token: 'allow:kim',
      headers: { 'x-api-key': KEYED_API_KEY }, // the header is not the source on this API
    });
    expect(withoutKey).toMatchObject({ status: 403, json: { message: 'Forbidden' } });
  });
});

describe('REQUEST authorizers', () => {
  it('needs every identity source (401 otherwise), gets the request, passes its context', async () => {
    const before = authorizations('RequestAuthorizerFn');
    expect((await call('/request?tenant=acme')).status).toBe(401);
    expect((await call('/request', { headers: { 'X-User': 'fay' } })).status).toBe(401);
    expect(authorizations('RequestAuthorizerFn')).toBe(before);

    const answer = await call('/request?tenant=acme', { headers: { 'X-User': 'fay' } });
    expect(answer.status).toBe(200);
    expect(answer.json.authorizer).toMatchObject({ principalId: 'fay', tenant: 'acme', user: 'fay' });
    expect(
      cloud
        .logs('RequestAuthorizerFn')
        .some((l) => /AUTHORIZE REQUEST fay acme arn:.*\/test\/GET\/request \/request GET/.test(l)),
    ).toBe(true);
    expect((await call('/request?tenant=other', { headers: { 'X-User': 'fay' } })).status).toBe(403);
  });

  it('caches by all identity source values together', async () => {
    const count = () => authorizations('RequestAuthorizerFn', 'gus');
    await call('/request?tenant=acme', { headers: { 'X-User': 'gus' } });
    await call('/request?tenant=acme', { headers: { 'X-User': 'gus' } });
    expect(count()).toBe(1);
    await call('/request?tenant=acme&x=1', { headers: { 'X-User': 'gus' } }); // not a source: cached
    expect(count()).toBe(1);
    await call('/request?tenant=other', { headers: { 'X-User': 'gus' } });
    expect(count()).toBe(2);
  });
});

describe('non-proxy Lambda integration (VTL)', () => {
  const greet = (body: unknown, token = 'allow:hal') =>
    call('/greet', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('maps the request and the response with the templates, the authorizer context and stage variables', async () => {
    // (not a single quote: $util.escapeJavaScript makes it \', which is not JSON, on AWS too)
    const answer = await greet({ name: 'Bob "jr"', extra: [1, 2] });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ greeting: 'hello Bob "jr"', who: 'hal', stage: 'fixture' });
    expect(answer.headers.get('x-greeting')).toBe('hello Bob "jr"');
    expect(answer.headers.get('content-type')).toBe('application/json');
  });

  it("selects integration responses by the function's error message", async () => {
    expect(await greet({ name: 'ghost' })).toMatchObject({
      status: 404,
      json: { error: 'NotFound: no user ghost' },
    });
    const invalid = await greet({ name: '' });
    expect(invalid.status).toBe(400);
    // no template: the Lambda error document passes through
    expect(invalid.json).toMatchObject({ errorMessage: 'Invalid: a name is needed', errorType: 'Error' });
    // no pattern matches: the default response (200) with its template, as API Gateway does
    expect((await greet({ name: 'crash' })).status).toBe(200);
  });

  it('refuses a Content-Type without a template under PassthroughBehavior NEVER (415)', async () => {
    const answer = await call('/greet', {
      method: 'POST',
      token: 'allow:hal',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(answer).toMatchObject({ status: 415, json: { message: 'Unsupported Media Type' } });
  });

  it('invokes asynchronously with X-Amz-Invocation-Type Event and answers at once', async () => {
    const answer = await call('/record', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'async one' }),
    });
    expect(answer).toMatchObject({ status: 202, json: { accepted: true } });
    // answered before the function ran: it sleeps 400 ms before logging
    expect(cloud.logs('RecordFn').some((l) => l.includes('RECORDED'))).toBe(false);
    await cloud.whenIdle();
    const recorded = cloud.logs('RecordFn').find((l) => l.includes('RECORDED'));
    expect(recorded).toContain('"note":"async one"');
  });
});

describe('DynamoDB service integrations (VTL)', () => {
  it('puts, gets and scans items through PutItem, GetItem and Scan', async () => {
    const put = (id: string, name: string) =>
      call(`/items/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
    expect(await put('i1', 'first "one"')).toMatchObject({ status: 200, json: { stored: 'i1' } });
    expect((await put('i2', 'second')).status).toBe(200);
    expect(await call('/items/i1')).toMatchObject({ status: 200, json: { id: 'i1', name: 'first "one"' } });
    expect(await call('/items/nope')).toMatchObject({ status: 404, json: { found: false } });
    const all = await call('/items');
    expect(all.status).toBe(200);
    expect((all.json as unknown as { id: string }[]).map((i) => i.id).sort()).toEqual(['i1', 'i2']);
  });

  it("maps DynamoDB's error status through the selection pattern", async () => {
    const answer = await call('/items/broken');
    expect(answer.status).toBe(400);
    expect(String(answer.json.error)).toMatch(/non-existent table|not found/i);
    expect(answer.json.type).toMatch(/ResourceNotFoundException$/);
  });
});

describe('SNS service integration (VTL)', () => {
  it('publishes through the form body the template writes, delivered to the subscribed function', async () => {
    const answer = await call('/publish', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'via API & SNS' }),
    });
    expect(answer).toMatchObject({ status: 200, json: { published: true } });
    await cloud.whenIdle();
    const delivered = cloud.logs('SnsReceiverFn').find((line) => line.includes('RECORDED'));
    expect(delivered).toContain('"Message":"{\\"note\\":\\"via API & SNS\\"}"');
  });
});

describe('SNS service integration by path (the form samples use)', () => {
  it("publishes with the Action in the body and reads SNS's JSON answer back", async () => {
    const answer = await call('/publish-path', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'by path' }),
    });
    expect(answer.status).toBe(200);
    expect(answer.json.messageId).toMatch(/^[0-9a-f-]{36}$/);
    await cloud.whenIdle();
    const delivered = cloud.logs('SnsReceiverFn').find((line) => line.includes('by path'));
    expect(delivered).toContain(String(answer.json.messageId));
    expect(delivered).toContain('"kind":{"Type":"String","Value":"path-form"}');
  });
});

describe("the API's gateway responses", () => {
  it('replace the default answer of their type (VTL with $context.error), DEFAULT_4XX the others', async () => {
    const refused = await call('/fresh');
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual({ error: 'Unauthorized', type: 'UNAUTHORIZED', env: 'fixture' });
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    const denied = await call('/fresh', { token: 'deny:ivy' });
    expect(denied).toMatchObject({
      status: 403,
      json: { message: 'User is not authorized to access this resource with an explicit deny' },
    });
    expect(denied.headers.get('x-fixture')).toBe('4xx');
    const noRoute = await call('/nowhere');
    expect(noRoute).toMatchObject({ status: 403, json: { message: 'Missing Authentication Token' } });
    expect(noRoute.headers.get('x-fixture')).toBe('4xx');
    // 5XX answers keep their defaults
    expect((await call('/fresh', { token: 'boom:ivy' })).headers.get('x-fixture')).toBe(null);
  });
});

describe('request body validation', () => {
  it("checks the body against the method's model (JSON Schema draft 4): 400 Invalid request body", async () => {
    const post = (body: string) =>
      call('/albums', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(await post(JSON.stringify({ artist: 'Low', tracks: [{ title: 'Words' }] }))).toMatchObject({
      status: 201,
      json: { created: true },
    });
    for (const bad of [
      JSON.stringify({ tracks: [] }),
      JSON.stringify({ artist: '', tracks: [] }),
      JSON.stringify({ artist: 'Low', tracks: [{ length: 3 }] }),
      'not json',
    ]) {
      expect(await post(bad)).toMatchObject({ status: 400, json: { message: 'Invalid request body' } });
    }
  });
});

describe('MOCK integrations with VTL', () => {
  it('renders request and response templates with parameters, $context and $stageVariables', async () => {
    expect(await call('/mock?x=hello')).toMatchObject({
      status: 200,
      json: { x: 'hello', env: 'fixture', stage: 'test' },
    });
    expect(await call('/mock?x=missing')).toMatchObject({ status: 404, json: { missing: true } });
  });
});
