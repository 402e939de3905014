import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssemblyStack } from '../../../emulator/cloudformation/assembly.ts';
import { CloudModel, type LambdaFunctionSpec } from '../../../emulator/cloudformation/cloud-model.ts';
import {
  parseResponse,
  serviceTimeoutMs,
  serviceTokenKind,
  stringifyProperties,
} from '../../../emulator/cloudformation/custom-resources/protocol.ts';
import {
  CustomResourceProvisioner,
  type ProviderOutcome,
} from '../../../emulator/cloudformation/custom-resources/provisioner.ts';
import { ResponseEndpoint } from '../../../emulator/cloudformation/custom-resources/response-endpoint.ts';
import { unsupportedFeatures } from '../../../emulator/cloudformation/deploy-plan.ts';
import { handlerFor } from '../../../emulator/resource-handlers.ts';

/**
 * The protocol's rules and the provisioner's request/response flow against the real loopback
 * ResponseURL endpoint, with providers written in the test (they PUT over HTTP as a function would).
 */
type Request = Record<string, unknown> & { ResponseURL: string; RequestType: string; RequestId: string };
type Provider = (event: Request) => Promise<ProviderOutcome>;

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:provider';
const spec: LambdaFunctionSpec = {
  name: 'provider',
  logicalId: 'Provider',
  stack: 'S',
  arn: ARN,
  assetDir: '/nonexistent',
  handler: 'index.handler',
  runtime: 'nodejs22.x',
  timeoutSeconds: 3,
  memoryMb: 128,
  environment: {},
};
const state = mkdtempSync(join(tmpdir(), 'provisioner-'));
let endpoint: ResponseEndpoint;
let provider: Provider;
const received: Request[] = [];

function put(url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(url, { method: 'PUT', headers: { 'content-type': '' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(text);
  });
}

const answer = (event: Request, fields: Record<string, unknown>) =>
  put(event.ResponseURL, {
    Status: 'SUCCESS',
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    ...fields,
  });

function provisioner(): CustomResourceProvisioner {
  const model = new CloudModel();
  model.functions.set(ARN, spec);
  return new CustomResourceProvisioner({
    endpoint,
    model,
    invoke: (_spec, event) => {
      received.push(event as Request);
      return provider(event as Request);
    },
    stateDir: state,
    region: 'us-east-1',
    accountId: '000000000000',
    partition: 'aws',
    log: () => {},
  });
}

beforeAll(async () => {
  endpoint = await ResponseEndpoint.start();
});
afterAll(async () => {
  await endpoint.stop();
  rmSync(state, { recursive: true, force: true });
});

describe('custom resource protocol (pure)', () => {
  it('stringifies properties as CloudFormation does, in nested values too', () => {
    expect(stringifyProperties({ a: 1, b: [true, { c: 2.5 }], d: 'x', e: null })).toEqual({
      a: '1',
      b: ['true', { c: '2.5' }],
      d: 'x',
      e: null,
    });
  });

  it('takes Lambda service tokens, refuses SNS ones with the reason, checks ServiceTimeout', () => {
    expect(serviceTokenKind(ARN)).toBe('lambda');
    expect(serviceTokenKind('arn:aws:sns:us-east-1:1:topic')).toEqual({
      problem: expect.stringContaining('SNS-backed custom resources are not supported'),
    });
    expect(serviceTokenKind(undefined)).toEqual({ problem: 'ServiceToken is missing' });
    expect(serviceTimeoutMs(undefined)).toBe(3_600_000);
    expect(serviceTimeoutMs('5')).toBe(5000);
    expect(() => serviceTimeoutMs('0')).toThrow(/ServiceTimeout must be an integer from 1 to 3600/);
    expect(() => serviceTimeoutMs(3601)).toThrow(/ServiceTimeout/);
  });

  it('names up front what cannot run: SNS tokens, bad ServiceTimeout, a Provider with isComplete', () => {
    const stack = {
      name: 'S',
      template: {
        Resources: {
          ViaTopic: { Type: 'Custom::Mail', Properties: { ServiceToken: 'arn:aws:sns:us-east-1:1:t' } },
          TooLong: {
            Type: 'AWS::CloudFormation::CustomResource',
            Properties: { ServiceToken: ARN, ServiceTimeout: 7200 },
          },
          Fine: { Type: 'Custom::Fine', Properties: { ServiceToken: { 'Fn::GetAtt': ['Fn', 'Arn'] } } },
          Waiter: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              DefinitionString: { 'Fn::Join': ['', ['{"StartAt":"framework-isComplete-task"}']] },
            },
          },
        },
      },
    } as unknown as AssemblyStack;
    expect(unsupportedFeatures([stack], handlerFor)).toEqual([
      `stack S, resource ViaTopic (Custom::Mail): ServiceToken arn:aws:sns:us-east-1:1:t is an SNS topic: SNS-backed custom resources are not supported (only Lambda-backed ones)`,
      'stack S, resource TooLong (AWS::CloudFormation::CustomResource): ServiceTimeout must be an integer from 1 to 3600 seconds, got 7200',
      "stack S, resource Waiter (AWS::StepFunctions::StateMachine): it is the waiter of CDK's custom-resources Provider with an isComplete handler: the embedded custom resource provisioner does not poll isComplete (Providers with onEvent only are supported)",
    ]);
  });

  it('checks the response as CloudFormation does', () => {
    const req = {
      RequestType: 'Create' as const,
      ResponseURL: 'x',
      StackId: 's',
      RequestId: 'r',
      ResourceType: 'Custom::X',
      LogicalResourceId: 'L',
      ResourceProperties: {},
      ServiceToken: ARN,
    };
    const ok = {
      Status: 'SUCCESS',
      StackId: 's',
      RequestId: 'r',
      LogicalResourceId: 'L',
      PhysicalResourceId: 'p',
    };
    expect(parseResponse(JSON.stringify({ ...ok, Data: { A: '1' }, NoEcho: true }), req)).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'p',
      NoEcho: true,
      Data: { A: '1' },
    });
    expect(() => parseResponse(JSON.stringify({ ...ok, RequestId: 'other' }), req)).toThrow(
      /RequestId "other" does not match the request's "r"/,
    );
    expect(() => parseResponse(JSON.stringify({ ...ok, PhysicalResourceId: undefined }), req)).toThrow(
      /no PhysicalResourceId/,
    );
    expect(() => parseResponse(JSON.stringify({ ...ok, Status: 'OK' }), req)).toThrow(/SUCCESS or FAILED/);
    expect(() => parseResponse(JSON.stringify({ ...ok, Data: { big: 'x'.repeat(5000) } }), req)).toThrow(
      /Response object is too long/,
    );
    expect(() => parseResponse('not json', req)).toThrow(/not JSON/);
  });
});

describe('custom resource provisioner', () => {
  it('creates, then on changed properties sends Update with the old ones, and Deletes a replaced id', async () => {
    provider = async (event) => {
      const props = event.ResourceProperties as Record<string, string>;
      await answer(event, { PhysicalResourceId: `id-${props.Size}`, Data: { Size: props.Size } });
      return { ok: true };
    };
    const first = await provisioner().deploy('S', 'Thing', 'Custom::Thing', { ServiceToken: ARN, Size: 1 });
    expect(first).toEqual({ ref: 'id-1', attributes: { Size: '1' } });
    // a restart: a new provisioner reads the state; unchanged properties send nothing
    received.length = 0;
    const again = await provisioner().deploy('S', 'Thing', 'Custom::Thing', { ServiceToken: ARN, Size: 1 });
    expect(again).toEqual(first);
    expect(received).toEqual([]);

    const updated = await provisioner().deploy('S', 'Thing', 'Custom::Thing', { ServiceToken: ARN, Size: 2 });
    expect(updated).toEqual({ ref: 'id-2', attributes: { Size: '2' } });
    expect(received.map((event) => event.RequestType)).toEqual(['Update', 'Delete']);
    expect(received[0]).toMatchObject({
      PhysicalResourceId: 'id-1',
      ResourceProperties: { ServiceToken: ARN, Size: '2' },
      OldResourceProperties: { ServiceToken: ARN, Size: '1' },
    });
    expect(received[1]).toMatchObject({ PhysicalResourceId: 'id-1', ResourceProperties: { Size: '1' } });
  });

  it('fails fast, naming the function error, when the provider fails without responding', async () => {
    provider = async () => ({ ok: false, error: { errorType: 'TypeError', errorMessage: 'boom' } });
    const started = performance.now();
    await expect(provisioner().deploy('S', 'Broken', 'Custom::B', { ServiceToken: ARN })).rejects.toThrow(
      'stack S, resource Broken (Custom::B): CREATE_FAILED: the provider function provider failed without sending a response: TypeError: boom',
    );
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('fails when the provider returns without responding, and after ServiceTimeout when it hangs', async () => {
    provider = async () => ({ ok: true });
    await expect(provisioner().deploy('S', 'Silent', 'Custom::B', { ServiceToken: ARN })).rejects.toThrow(
      /returned without sending a response to the ResponseURL/,
    );
    provider = () => new Promise(() => {});
    const started = performance.now();
    await expect(
      provisioner().deploy('S', 'Slow', 'Custom::B', { ServiceToken: ARN, ServiceTimeout: 1 }),
    ).rejects.toThrow(/did not receive a response from your Custom Resource within ServiceTimeout \(1 s/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('rolls back: Deletes what this run created, newest first, including a failed Create by its id', async () => {
    const p = provisioner();
    provider = async (event) => {
      if (event.LogicalResourceId === 'Bad' && event.RequestType === 'Create')
        await put(event.ResponseURL, {
          Status: 'FAILED',
          Reason: 'nope',
          PhysicalResourceId: 'bad-marker',
          StackId: event.StackId,
          RequestId: event.RequestId,
          LogicalResourceId: event.LogicalResourceId,
        });
      else
        await answer(event, {
          PhysicalResourceId: event.PhysicalResourceId ?? `${event.LogicalResourceId}-id`,
        });
      return { ok: true };
    };
    await p.deploy('R', 'Good', 'Custom::G', { ServiceToken: ARN });
    await expect(p.deploy('R', 'Bad', 'Custom::G', { ServiceToken: ARN })).rejects.toThrow(
      /resource Bad \(Custom::G\): CREATE_FAILED: Received response status \[FAILED\] from custom resource\. Message returned: nope/,
    );
    received.length = 0;
    await p.rollback();
    expect(
      received.map((event) => `${event.RequestType} ${event.LogicalResourceId} ${event.PhysicalResourceId}`),
    ).toEqual(['Delete Bad bad-marker', 'Delete Good Good-id']);
    // a failed Update is rolled back with an Update to the old properties
    const q = provisioner();
    provider = async (event) => {
      const props = event.ResourceProperties as Record<string, string>;
      if (props.Size === 'bad')
        await put(event.ResponseURL, {
          Status: 'FAILED',
          Reason: 'too big',
          PhysicalResourceId: event.PhysicalResourceId,
          StackId: event.StackId,
          RequestId: event.RequestId,
          LogicalResourceId: event.LogicalResourceId,
        });
      else await answer(event, { PhysicalResourceId: event.PhysicalResourceId ?? 'created-id' });
      return { ok: true };
    };
    await expect(q.deploy('S', 'Thing', 'Custom::Thing', { ServiceToken: ARN, Size: 'bad' })).rejects.toThrow(
      /UPDATE_FAILED: Received response status \[FAILED\] from custom resource\. Message returned: too big/,
    );
    received.length = 0;
    await q.rollback();
    expect(received).toMatchObject([
      {
        RequestType: 'Update',
        PhysicalResourceId: 'id-2',
        ResourceProperties: { Size: '2' },
        OldResourceProperties: { Size: 'bad' },
      },
    ]);

    // Good is forgotten: the next deployment creates it again
    received.length = 0;
    await provisioner().deploy('R', 'Good', 'Custom::G', { ServiceToken: ARN });
    expect(received.map((event) => event.RequestType)).toEqual(['Create']);
  });
});
