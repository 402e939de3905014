import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FunctionError, type LocalCloud, startLocalCloud } from '../../emulator/local-cloud.ts';
import { apiKeyValueAt } from '../../integration/targets/api-key.ts';
import { ensureAssembly } from '../../integration/targets/assembly.ts';

/**
 * Property-based tests (issue 9 §3): whatever a client sends, the plot API answers 200 or a 4xx whose
 * JSON `error` names the parameter, through the real API Gateway path of the embedded cloud; the
 * driver answers any JSON payload with a summary or a refusal naming the field, never a crash.
 * One cloud for the file; runs are bounded (see `runs`). FUZZ_SEED=<n> replays a run.
 */

let cloud: LocalCloud;
let plotUrl: string;
/** Every method of the plot API needs the app's API key (read with GetApiKey, as a user would). */
let apiKey: Record<string, string>;
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const runs = { query: 120, headers: 30, driver: 40 };
/** Answers by status, printed after the run: a fuzz that only ever gets 400 proves little. */
const statuses = new Map<number, number>();

beforeAll(async () => {
  cloud = await startLocalCloud({
    assemblyDir: await ensureAssembly(),
    stateDir: null,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    asyncRetryDelaysMs: [50, 100],
    log: () => {},
  });
  const outputs = Object.assign({}, ...Object.values(cloud.outputs)) as Record<string, string>;
  plotUrl = outputs.PlotApiUrl as string;
  apiKey = {
    'x-api-key': await apiKeyValueAt(cloud.endpoints.api, cloud.region, outputs.PlotApiKeyId as string),
  };
  // one change, so that the tracked bucket has a history and well-formed requests draw a chart
  const s3 = new S3Client({
    endpoint: cloud.endpoints.s3,
    region: cloud.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await s3.send(new PutObjectCommand({ Bucket: outputs.BucketName, Key: 'seed.txt', Body: 'seed' }));
  s3.destroy();
  await cloud.whenIdle();
  console.log(`api-fuzz seed ${seed} (FUZZ_SEED=${seed} replays it)`);
}, 240_000);

afterAll(async () => {
  console.log(`plot API answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
  await cloud?.stop();
});

const parameters = ['window', 'end', 'bucket', 'format', 'series', 'size'] as const;
const namesAParameter = new RegExp(`query parameter "(${parameters.join('|')})"`);

// Values near and beyond each parameter's edges, and the wrong kind of thing.
const edgeValue = fc.constantFrom(
  '60',
  '0',
  '-1',
  '1.5',
  '1e9',
  '31622400',
  '31622401',
  '99999999999999999',
  '8640000000000001',
  '253402300799999',
  '253402300800000',
  '1',
  '2026-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
  'NaN',
  'Infinity',
  '0x10',
  ' 60 ',
  'png',
  'json',
  'PNG',
  'svg',
  'current',
  'stored',
  'both',
  'all',
  'tracked-bucket',
  'ab',
  'a'.repeat(64),
  'Bad_Bucket',
  '800x450',
  '300x200',
  '299x200',
  '2000x1501',
  '800X450',
  '',
);
// Odd encodings, written into the query string as they are (the URL parser keeps % escapes).
const rawOdd = fc.constantFrom(
  '%',
  '%zz',
  '%00',
  '%C0%AF',
  '%FF',
  '%E2%82',
  '+',
  '%2B',
  '%20',
  ';',
  '&&',
  '==',
  '%26',
  '%3D',
  '..',
  '\\',
  '"',
);
const encoded = (arb: fc.Arbitrary<string>) => arb.map((value) => encodeURIComponent(value));
const anyText = fc.string({ unit: 'grapheme', maxLength: 40 });
const value = fc.oneof(
  encoded(edgeValue),
  encoded(anyText),
  rawOdd,
  fc.tuple(encoded(edgeValue), rawOdd).map(([a, b]) => a + b),
);
const name = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...parameters) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'WINDOW',
      'window[]',
      'x',
      '_',
      '%77indow',
      'window%00',
      '',
      // names of Object.prototype members: a 500 from the API Gateway emulator once (482d568)
      'toString',
      '__proto__',
      'constructor',
      'hasOwnProperty',
    ),
  },
  { weight: 1, arbitrary: encoded(anyText) },
);
/** A raw query string: known, repeated and unknown parameters, pairs without `=`, empty pairs. */
const queryString = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: fc.tuple(name, value).map(([n, v]) => `${n}=${v}`) },
      { weight: 1, arbitrary: name },
      { weight: 1, arbitrary: fc.constant('') },
    ),
    { maxLength: 7 },
  )
  .chain((pairs) =>
    // usually a valid window first, so that the other parameters are reached too
    fc.boolean().map((withWindow) => (withWindow ? ['window=60', ...pairs] : pairs).join('&')),
  );

const tokenHeaderName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter(
  (h) =>
    ![
      'host',
      'connection',
      'content-length',
      'transfer-encoding',
      'expect',
      'upgrade',
      'te',
      'keep-alive',
      'trailer',
      'x-api-key', // the key is the test's own, sent with every request
    ].includes(h),
);
const headerValue = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,60}$/);
const accept = fc.oneof(
  fc.constantFrom('image/png', 'application/json', '*/*', 'text/html', 'application/json;q=0', 'image/*', ''),
  headerValue,
);

async function expectAnswer(url: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(url, { headers: { ...headers, ...apiKey } });
  const body = Buffer.from(await response.arrayBuffer());
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  const where = `GET ${url} ${JSON.stringify(headers)} -> ${response.status} ${body.toString('utf8', 0, 300)}`;
  if (response.status === 200) {
    expect(['image/png', 'application/json'], where).toContain(response.headers.get('content-type'));
    if (response.headers.get('content-type') === 'application/json') {
      const json = JSON.parse(body.toString('utf8')) as { points: Record<string, unknown>[] };
      for (const point of json.points) {
        expect(Object.keys(point).sort(), where).toEqual([
          'objectCount',
          'sizeBytes',
          'storedBytes',
          'storedVersions',
          'time',
        ]);
      }
    }
    return;
  }
  expect(response.status, where).toBeGreaterThanOrEqual(400);
  expect(response.status, where).toBeLessThan(500);
  expect(response.headers.get('content-type'), where).toBe('application/json');
  const error = (JSON.parse(body.toString('utf8')) as { error?: unknown }).error;
  expect(typeof error, where).toBe('string');
  expect(error, where).toMatch(namesAParameter);
}

describe('plot API under arbitrary requests (through API Gateway)', () => {
  it('answers 200 or a 4xx naming the parameter for any query string', async () => {
    await fc.assert(
      fc.asyncProperty(queryString, accept, async (query, acceptValue) => {
        const url = `${plotUrl}?${query}`;
        await expectAnswer(url, acceptValue ? { accept: acceptValue } : {});
      }),
      { numRuns: runs.query, seed, endOnFailure: true },
    );
  });

  it('answers 200 or a 4xx naming the parameter for any headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(tokenHeaderName, headerValue, { maxKeys: 6 }),
        accept,
        fc.constantFrom('window=60', 'window=60&format=json', 'window=60&series=both', 'end=1', ''),
        async (headers, acceptValue, query) => {
          await expectAnswer(`${plotUrl}?${query}`, { ...headers, accept: acceptValue });
        },
      ),
      { numRuns: runs.headers, seed, endOnFailure: true },
    );
  });

  it('answers the request from issue 9 with a 400 naming "end"', async () => {
    const response = await fetch(`${plotUrl}?window=60&end=99999999999999999`, { headers: apiKey });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('query parameter "end"');
  });
});

const driverFields = ['scenario', 'pauseMs', 'windowSeconds'];
const step = fc.record(
  {
    action: fc.oneof(fc.constantFrom('put', 'delete', 'copy', 'PUT'), fc.jsonValue()),
    key: fc.oneof(
      fc.constantFrom('fuzz/a.txt', 'fuzz/a b+c%20.txt', 'fuzz/ü/ß.txt', '', 'x'.repeat(1025), 'fuzz/\u0000'),
      fc.string({ maxLength: 30 }).map((k) => `fuzz/${k}`),
      fc.jsonValue(),
    ),
    body: fc.oneof(fc.string({ maxLength: 30 }), fc.jsonValue()),
  },
  { requiredKeys: [] },
);
const validStep = fc.oneof(
  fc.record({
    action: fc.constant('put' as const),
    key: fc.string({ minLength: 1, maxLength: 20 }).map((k) => `fuzz/${k}`),
    body: fc.string({ maxLength: 20 }),
  }),
  fc.record({
    action: fc.constant('delete' as const),
    key: fc.string({ minLength: 1, maxLength: 20 }).map((k) => `fuzz/${k}`),
  }),
);
/** Payloads that play at most a few steps with no pause when they are valid. */
const driverPayload = fc.oneof(
  // valid-shaped: keys with odd characters reach S3 and the tracker
  fc.record({
    scenario: fc.array(validStep, { minLength: 1, maxLength: 2 }),
    pauseMs: fc.constant(0),
    windowSeconds: fc.integer({ min: 1, max: 3600 }),
  }),
  // anything but the two that mean "the default scenario at the default pause" (null and {})
  fc
    .jsonValue()
    .filter(
      (v) =>
        v !== null &&
        !(
          typeof v === 'object' &&
          !Array.isArray(v) &&
          Object.keys(v).every((k) => driverFields.includes(k))
        ),
    ),
  fc.record(
    {
      scenario: fc.oneof(fc.array(step, { maxLength: 3 }), fc.jsonValue()),
      pauseMs: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.jsonValue()),
      windowSeconds: fc.oneof(fc.integer({ min: -5, max: 40_000_000 }), fc.jsonValue()),
      unknown: fc.jsonValue(),
    },
    { requiredKeys: ['pauseMs', 'scenario'] },
  ),
);

describe('driver under arbitrary JSON payloads', () => {
  it('answers a summary or a refusal naming the field, never a crash', async () => {
    let played = 0;
    await fc.assert(
      fc.asyncProperty(driverPayload, async (payload) => {
        let result: unknown;
        try {
          result = await cloud.invoke('DriverFunction', payload);
        } catch (err) {
          const detail = err instanceof FunctionError ? `${err.errorType}: ${err.errorMessage}` : String(err);
          expect.fail(`driver crashed on ${JSON.stringify(payload)}: ${detail}`);
        }
        const where = `driver(${JSON.stringify(payload)}) -> ${JSON.stringify(result)}`;
        const answer = result as { statusCode?: number; error?: string; steps?: unknown[] };
        if (answer.statusCode !== undefined) {
          expect(answer.statusCode, where).toBe(400);
          expect(answer.error, where).toMatch(/driver request (field "[^"]*"|must be a JSON object)/);
          expect(answer.error, where).not.toMatch(/\n\s+at /);
        } else {
          expect(Array.isArray(answer.steps), where).toBe(true);
          played++;
        }
      }),
      { numRuns: runs.driver, seed, endOnFailure: true },
    );
    console.log(`driver fuzz: ${played} of ${runs.driver} payloads were valid and played`);
  });
});
