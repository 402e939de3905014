import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../emulator/local-cloud.ts';

/** The local cloud on a small hand-written assembly (test/emulator/fixtures/assembly). */
const ASSEMBLY = join(import.meta.dirname, 'fixtures', 'assembly');
const stateDir = mkdtempSync(join(tmpdir(), 'local-cloud-fixture-'));
const lines: string[] = [];
let cloud: LocalCloud;
let s3: S3Client;

const start = () =>
  startLocalCloud({
    assemblyDir: ASSEMBLY,
    stateDir,
    region: 'eu-west-1',
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    asyncRetryDelaysMs: [50, 50],
    log: (line) => lines.push(line),
  });

beforeAll(async () => {
  cloud = await start();
  s3 = new S3Client({
    endpoint: cloud.endpoints.s3,
    region: 'eu-west-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  s3?.destroy();
  await cloud?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const app = () => cloud.outputs['Fixture-App'] as Record<string, string>;
const base = () => cloud.outputs['Fixture-Base'] as Record<string, string>;

function echoedEvents(logicalId: string): { Records?: { s3: { object: { key: string } } }[] }[] {
  return cloud
    .logs(logicalId)
    .filter((line) => line.startsWith('{"received"'))
    .map((line) => JSON.parse(line).received);
}

describe('local cloud on the fixture assembly', () => {
  it('deploys the stacks in order, saying once which types it ignores', () => {
    const deploying = lines.filter((line) => line.startsWith('deploying'));
    expect(deploying).toEqual([
      'deploying Fixture-Base (2 resources)...',
      'deploying Fixture-App (21 resources)...',
    ]);
    expect(lines.filter((line) => line.includes('ignoring AWS::IAM::Role'))).toHaveLength(1);
    expect(lines.some((line) => line.includes('ignoring AWS::Lambda::Permission'))).toBe(true);
  });

  it('creates the table with its key schema and GSI, and resolves outputs and exports', async () => {
    const tableName = base().TableName as string;
    expect(tableName).toMatch(/^Fixture-Base-Items-[A-Z0-9]{12}$/);
    expect(base().TableArn).toBe(`arn:aws:dynamodb:eu-west-1:000000000000:table/${tableName}`);
    const dynamodb = new DynamoDBClient({
      endpoint: cloud.endpoints.dynamodb,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    dynamodb.destroy();
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('bySize');
    expect(app().BucketName).toMatch(/^fixture-app-uploads-[a-z0-9]{12}$/);
  });

  it('gives a function the environment its template declares, intrinsics resolved', async () => {
    const result = (await cloud.invoke('EchoFunction', { hello: 'world' })) as {
      event: unknown;
      env: Record<string, string>;
    };
    expect(result.event).toEqual({ hello: 'world' });
    expect(result.env).toMatchObject({
      TABLE: base().TableName,
      TABLE_ARN: base().TableArn,
      GREETING: 'hello',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub syntax
      STACK_INFO: 'Fixture-App in eu-west-1 (aws) #${Literal}',
      SECOND_PART: 'b',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_S3: cloud.endpoints.s3,
      AWS_ENDPOINT_URL_DYNAMODB: cloud.endpoints.dynamodb,
    });
    expect(result.env.OTHER_ONLY).toBeUndefined();
    expect(cloud.functions.EchoFunction?.name).toBe(app().EchoFunctionName);
  });

  it('turns the execute-api URL into a working local URL, in outputs and in environments', async () => {
    expect(app().ApiUrl).toMatch(
      new RegExp(`^${cloud.endpoints.api}/_aws/execute-api/[a-z0-9]{10}/test/$`.replaceAll('/', '\\/')),
    );
    const other = (await cloud.invoke('OtherFunction', {})) as { env: Record<string, string> };
    expect(other.env.API_URL).toBe(app().ApiUrl);
  });

  it('throws a function error with its type', async () => {
    await expect(cloud.invoke('FailFunction', {})).rejects.toMatchObject({
      errorType: 'TypeError',
      message: expect.stringContaining('always fails'),
    });
    await expect(cloud.invoke('NoSuchFunction', {})).rejects.toThrow(/no function NoSuchFunction/);
  });

  it('delivers S3 events to the subscribed function, honouring event names and key filters', async () => {
    const Bucket = app().BucketName;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'in/my file+1.txt', Body: 'abc' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'in/skipped.bin', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'out/skipped.txt', Body: 'x' }));
    await cloud.whenIdle();
    const keys = echoedEvents('EchoFunction').flatMap(
      (event) => event.Records?.map((r) => r.s3.object.key) ?? [],
    );
    expect(keys).toEqual(['in/my+file%2B1.txt']);
  });

  it('retries a failing async invocation twice and records the failure', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: app().BucketName, Key: 'out/skipped.txt' }));
    await cloud.whenIdle();
    const failures = cloud.failures();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ error: 'TypeError: always fails', attempts: 3 });
    expect(failures[0]?.functionName).toBe(cloud.functions.FailFunction?.name);
    const event = failures[0]?.event as { Records: { eventName: string }[] };
    expect(event.Records[0]?.eventName).toBe('ObjectRemoved:Delete');
  });

  it('runs EventBridge schedules on demand with a scheduled event', async () => {
    await cloud.runSchedule('Every5Minutes');
    const scheduled = echoedEvents('EchoFunction').find(
      (event) => (event as Record<string, unknown>)['detail-type'] === 'Scheduled Event',
    );
    expect(scheduled).toMatchObject({ source: 'aws.events', region: 'eu-west-1', detail: {} });
    await expect(cloud.runSchedule('Nope')).rejects.toThrow(/no EventBridge rule Nope/);
  });
});

describe('local API Gateway on the fixture assembly', () => {
  it('serves a proxy integration with an API Gateway v1 event', async () => {
    const response = await fetch(`${app().EchoUrl}?q=1&q=2&optional=x`, { headers: { 'X-Custom': 'v' } });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(response.headers.get('x-multi')).toBe('a, b');
    const { event, env } = (await response.json()) as {
      event: Record<string, unknown>;
      env: Record<string, string>;
    };
    expect(env.TABLE).toBe(base().TableName);
    expect(event).toMatchObject({
      resource: '/echo',
      path: '/echo',
      httpMethod: 'GET',
      queryStringParameters: { q: '2', optional: 'x' },
      multiValueQueryStringParameters: { q: ['1', '2'], optional: ['x'] },
      pathParameters: null,
      body: null,
      isBase64Encoded: false,
      requestContext: { stage: 'test', resourcePath: '/echo', httpMethod: 'GET', path: '/test/echo' },
    });
    expect((event.headers as Record<string, string>)['X-Custom']).toBe('v');
    expect((event.multiValueHeaders as Record<string, string[]>)['X-Custom']).toEqual(['v']);
  });

  it('passes query parameters and headers named like Object.prototype members as plain keys', async () => {
    const response = await fetch(
      `${app().EchoUrl}?q=1&toString=%25&constructor=c&__proto__=p&hasOwnProperty=h&hasOwnProperty=i`,
      { headers: { constructor: 'x', toString: 'y' } },
    );
    expect(response.status).toBe(201);
    const { event } = (await response.json()) as { event: Record<string, unknown> };
    const query = event.queryStringParameters as Record<string, string>;
    expect(Object.entries(query).sort()).toEqual(
      [
        ['q', '1'],
        ['toString', '%'],
        ['constructor', 'c'],
        ['__proto__', 'p'],
        ['hasOwnProperty', 'i'],
      ].sort(),
    );
    expect(
      Object.getOwnPropertyDescriptor(event.multiValueQueryStringParameters, 'hasOwnProperty')?.value,
    ).toEqual(['h', 'i']);
    expect(
      Object.getOwnPropertyDescriptor(event.multiValueQueryStringParameters, '__proto__')?.value,
    ).toEqual(['p']);
    expect((event.headers as Record<string, string>).constructor).toBe('x');
    expect((event.multiValueHeaders as Record<string, string[]>).toString).toEqual(['y']);
  });

  it('fills pathParameters for {param} and {proxy+} and passes bodies', async () => {
    const item = await fetch(`${app().ApiUrl}items/42`, { method: 'PUT', body: '{"a":1}' });
    const itemEvent = ((await item.json()) as { event: Record<string, unknown> }).event;
    expect(itemEvent).toMatchObject({
      resource: '/items/{id}',
      pathParameters: { id: '42' },
      body: '{"a":1}',
    });

    const deep = await fetch(`${app().ApiUrl}some/where/deep`, { method: 'POST' });
    const deepEvent = ((await deep.json()) as { event: Record<string, unknown> }).event;
    expect(deepEvent).toMatchObject({ resource: '/{proxy+}', pathParameters: { proxy: 'some/where/deep' } });
  });

  it('answers API Gateway errors: 400 for a missing required parameter, 403 for no route, 404, 502', async () => {
    const missing = await fetch(app().EchoUrl as string);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ message: 'Missing required request parameters: [q]' });

    const unknownStage = await fetch((app().ApiUrl as string).replace('/test/', '/prod/'));
    // a REST API answers an unknown stage, path or method with 403, not 404
    expect(unknownStage.status).toBe(403);
    expect(await unknownStage.json()).toEqual({ message: 'Missing Authentication Token' });
    expect((await fetch(`${cloud.endpoints.api}/elsewhere`)).status).toBe(404);

    const failed = await fetch(`${app().EchoUrl}?q=1&fail=1`);
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ message: 'Internal server error' });
    const malformed = await fetch(`${app().EchoUrl}?q=1&malformed=1`);
    expect(malformed.status).toBe(502);
  });

  it('returns binary bodies as bytes only when Accept matches a binary media type', async () => {
    const bytes = await fetch(`${app().EchoUrl}?q=1&binary=1`, { headers: { accept: 'image/png' } });
    expect(bytes.headers.get('content-type')).toBe('image/png');
    expect([...Buffer.from(await bytes.arrayBuffer()).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);

    const text = await fetch(`${app().EchoUrl}?q=1&binary=1`, { headers: { accept: 'application/json' } });
    expect(await text.text()).toBe(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64'),
    );
  });
});

describe('restarting on the same state directory', () => {
  it('finds the same bucket, objects and table again', async () => {
    const before = { ...cloud.outputs };
    s3.destroy();
    await cloud.stop();
    cloud = await start();
    s3 = new S3Client({
      endpoint: cloud.endpoints.s3,
      region: 'eu-west-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    expect(base()).toEqual(before['Fixture-Base']);
    expect(app().BucketName).toBe(before['Fixture-App']?.BucketName);
    const object = await s3.send(new GetObjectCommand({ Bucket: app().BucketName, Key: 'in/my file+1.txt' }));
    expect(await object.Body?.transformToString()).toBe('abc');
  });
});
