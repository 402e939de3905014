import { join } from 'node:path';
import type { LambdaFunctionSpec } from '../../../emulator/cloudformation/cloud-model.ts';

/** The echo fixture asset (test/emulator/fixtures/assembly/asset.echo): its handlers echo, sleep, fail... */
export const echoAsset = join(import.meta.dirname, '..', 'fixtures', 'assembly', 'asset.echo');

/** A function spec on the echo fixture asset, as the deployer would record it. */
export function fixtureFunction(
  name: string,
  handler: string,
  extra: Partial<LambdaFunctionSpec> = {},
): LambdaFunctionSpec {
  return {
    name,
    logicalId: `${name}Logical`,
    stack: 'Test',
    arn: `arn:aws:lambda:eu-west-1:000000000000:function:${name}`,
    assetDir: echoAsset,
    handler,
    runtime: 'nodejs24.x',
    timeoutSeconds: 10,
    memoryMb: 256,
    environment: {},
    ...extra,
  };
}
