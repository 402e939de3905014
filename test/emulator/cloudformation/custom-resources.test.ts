import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../emulator/local-cloud.ts';
import type { S3EventRecord } from '../../../emulator/s3/server.ts';
import { synthesizeCustomApp, synthesizeFailingApp } from '../fixtures/custom-resources/apps.ts';

/** Custom resources by CloudFormation's protocol, on CDK apps synthesized here (fixtures/custom-resources). */
const work = mkdtempSync(join(tmpdir(), 'custom-resources-'));
const okAssembly = join(work, 'ok.out');
const failingAssembly = join(work, 'failing.out');
const lines: string[] = [];
let cloud: LocalCloud | undefined;

beforeAll(async () => {
  synthesizeCustomApp(okAssembly);
  synthesizeFailingApp(failingAssembly);
  cloud = await startLocalCloud({
    assemblyDir: okAssembly,
    stateDir: join(work, 'state'),
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    log: (line) => lines.push(line),
  });
});

afterAll(async () => {
  await cloud?.stop();
  rmSync(work, { recursive: true, force: true });
});

const outputs = () => cloud?.outputs['Custom-App'] as Record<string, string>;

describe('custom resources', () => {
  it('sends a Lambda-backed provider the real Create request and reads its Data with Fn::GetAtt', () => {
    expect(outputs().GreetingMessage).toBe('hello x3');
    // CloudFormation hands every property to the provider as a string
    expect(outputs().GreetingCountType).toBe('string');
    expect(outputs().GreetingId).toBe('greeting-hello');
    const request = JSON.parse(
      (cloud?.logs('Greeter').find((line) => line.includes('REQUEST ')) ?? '').replace(/^.*?REQUEST /, ''),
    );
    expect(request).toMatchObject({
      RequestType: 'Create',
      ServiceToken: expect.stringMatching(/^arn:aws:lambda:us-east-1:000000000000:function:/),
      StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/Custom-App/local',
      RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ResourceType: 'Custom::Greeting',
      LogicalResourceId: 'Greeting',
      ResourceProperties: { ServiceToken: request.ServiceToken, Greeting: 'hello', Count: '3' },
    });
    expect(request.PhysicalResourceId).toBeUndefined();
    expect(request.OldResourceProperties).toBeUndefined();
  });

  it("runs CDK's provider framework (onEvent only): the framework function invokes the user's through the Lambda API", () => {
    expect(outputs().UpperValue).toBe('WIDGET');
    expect(outputs().UpperId).toBe('upper-widget');
    expect(cloud?.logs('UpperOnEvent').some((line) => line.includes('ONEVENT Create'))).toBe(true);
  });

  it('applies Custom::S3BucketNotifications natively (addEventNotification with its prefix) and accepts Custom::LogRetention', async () => {
    const s3 = new S3Client({
      endpoint: cloud?.endpoints.s3,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const Bucket = outputs().ScratchBucket;
    for (const Key of ['a.txt', 'b/c.txt']) await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
    s3.destroy();
    await cloud?.whenIdle();
    expect(cloud?.logs('Notified').filter((line) => line.includes('NOTIFIED '))).toEqual([
      expect.stringContaining('NOTIFIED ObjectCreated:Put b/c.txt'),
    ]);
    expect(lines.filter((line) => line.includes('Custom::LogRetention'))).toHaveLength(1);
  });

  it('answers the Lambda Invoke API as client-lambda speaks it: results, function errors, Event, unknown functions', async () => {
    const lambda = new LambdaClient({
      endpoint: cloud?.endpoints.lambda,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const decoded = (bytes?: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));
    const upper = cloud?.functions.UpperOnEvent69FE0E7B?.name as string;
    const ok = await lambda.send(
      new InvokeCommand({
        FunctionName: upper,
        Payload: payload({ RequestType: 'Create', ResourceProperties: { Name: 'ab' } }),
      }),
    );
    expect(ok.StatusCode).toBe(200);
    expect(ok.FunctionError).toBeUndefined();
    expect(decoded(ok.Payload)).toEqual({ PhysicalResourceId: 'upper-ab', Data: { Upper: 'AB' } });
    const failed = await lambda.send(new InvokeCommand({ FunctionName: upper, Payload: payload({}) }));
    expect(failed.FunctionError).toBe('Unhandled');
    expect(decoded(failed.Payload)).toMatchObject({ errorType: 'TypeError' });
    const queued = await lambda.send(
      new InvokeCommand({
        FunctionName: upper,
        InvocationType: 'Event',
        Payload: payload({ ResourceProperties: { Name: 'q' } }),
      }),
    );
    expect(queued.StatusCode).toBe(202);
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'no-such-function' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Function not found: no-such-function',
    });
    lambda.destroy();
    await cloud?.whenIdle();
  });

  it("fails the deployment with the provider's FAILED reason, naming the resource, and rolls back with Deletes", async () => {
    const failLines: string[] = [];
    const error = await startLocalCloud({
      assemblyDir: failingAssembly,
      stateDir: null,
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      log: (line) => failLines.push(line),
    }).then(
      (started) => started.stop().then(() => undefined),
      (err: Error) => err,
    );
    expect(error?.message).toMatch(
      /^stack Custom-Failing, resource Refused \(Custom::Widget\): CREATE_FAILED: Received response status \[FAILED\] from custom resource\. Message returned: no such widget: 42 \(RequestId: /,
    );
    // rollback: the failed resource first, then the one created before it
    const requests = failLines
      .filter((line) => / request to /.test(line))
      .map((line) => line.replace(/ to .*/, ''));
    // First (Python, urllib) and Second (https.request of the whole URL) were created: they answered
    const resource = (id: string, type = 'AWS::CloudFormation::CustomResource') =>
      `stack Custom-Failing, resource ${id} (${type})`;
    expect(requests).toEqual([
      `${resource('First')}: Create request`,
      `${resource('Second')}: Create request`,
      `${resource('Refused', 'Custom::Widget')}: Create request`,
      `${resource('Refused', 'Custom::Widget')}: Delete request`,
      `${resource('Second')}: Delete request`,
      `${resource('First')}: Delete request`,
    ]);
    expect(failLines.filter((line) => line.startsWith('rollback:'))).toEqual([]);
  });

  // a restart on the same state sends nothing for unchanged resources: custom-resource-provisioner.test.ts
  it('empties an autoDeleteObjects bucket when the stack is destroyed, deleting custom resources newest first', async () => {
    if (!cloud) throw new Error('no cloud');
    // the objects put by the notification test are still in the bucket
    const removed: S3EventRecord[] = [];
    cloud.onS3Event((record) => removed.push(record));
    const destroyed = cloud;
    cloud = undefined;
    await destroyed.destroy();
    expect(removed.map((record) => `${record.eventName} ${record.s3.object.key}`).sort()).toEqual([
      'ObjectRemoved:Delete a.txt',
      'ObjectRemoved:Delete b/c.txt',
    ]);
    // a stack deletion: every custom resource gets its Delete, the newest first
    const deletes = lines
      .filter((line) => / Delete request to /.test(line))
      .map((line) => /resource (\S+)/.exec(line)?.[1]);
    expect(deletes).toEqual(['Upper', 'ScratchAutoDeleteObjectsCustomResourceDA7C4F2C', 'Greeting']);
  });
});
