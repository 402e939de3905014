import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaFunction } from '../../../emulator/lambda/resources.ts';
import type { FunctionError, LocalCloud } from '../../../emulator/local-cloud.ts';
import { startFixtureCloud } from '../../support/fixture-cloud.ts';

/** AWS::Lambda::LayerVersion: a function finds its layers' packages (and only its own layers'). */
let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startFixtureCloud('layers');
});
afterAll(() => cloud?.stop());

describe('Lambda layers', () => {
  it('gives a function the packages of its layer (nodejs/node_modules), Ref being the version ARN', async () => {
    const outputs = cloud.outputs['Layers-App'] ?? {};
    expect(outputs.LayerOneArn).toMatch(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:layer:[\w-]+:1$/);
    expect(outputs.LayerTwoArn).toMatch(/:layer:greeting-two:1$/);
    const answer = (await cloud.invoke('WithLayer', { name: 'ada' })) as { message: string; from: string };
    expect(answer.message).toBe('hello ada from layer one');
    expect(answer.from).toContain(join('asset.layer1', 'nodejs', 'node_modules', 'greeting'));
  });

  it('lets a later layer win over an earlier one, as extraction into /opt in order does', async () => {
    expect(await cloud.invoke('WithBothLayers', { name: 'bo' })).toEqual({
      message: 'hello bo from layer two',
    });
  });

  it("keeps a layer's packages from functions that do not list it", async () => {
    const failed = await cloud.invoke('WithoutLayer', { name: 'cy' }).catch((err: FunctionError) => err);
    expect(failed).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
    expect((failed as FunctionError).errorMessage).toContain("Cannot find module 'greeting'");
  });

  it('refuses, up front, a layer from outside the assembly (a literal ARN cannot be fetched locally)', () => {
    const external = 'arn:aws:lambda:us-east-1:123456789012:layer:vendor:3';
    expect(
      lambdaFunction.unsupported?.(
        { Runtime: 'nodejs24.x', Handler: 'index.handler', Layers: [external] },
        'AWS::Lambda::Function',
      ),
    ).toEqual([
      `layer ${external} is not in this assembly (only LayerVersions the app defines can run here)`,
    ]);
  });
});
