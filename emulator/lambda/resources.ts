import { existsSync } from 'node:fs';
import type { LambdaFunctionSpec } from '../cloudformation/cloud-model.ts';
import { physicalName } from '../cloudformation/naming.ts';
import {
  optionalString,
  type PhysicalResource,
  type ResourceHandler,
} from '../cloudformation/resource-types.ts';

/** AWS::Lambda::Function: recorded for the Lambda runner, its code being a synthesized asset folder. */
export const lambdaFunction: ResourceHandler = {
  types: ['AWS::Lambda::Function'],
  async create(ctx, logicalId, properties): Promise<PhysicalResource> {
    const where = { stack: ctx.stack, logicalId };
    const fail = (message: string): never => {
      throw new Error(`stack ${ctx.stack}, resource ${logicalId} (AWS::Lambda::Function): ${message}`);
    };
    const name =
      optionalString(properties, 'FunctionName', where) ??
      physicalName({ seed: ctx.seed, stack: ctx.stack, logicalId, maxLength: 64 });
    const runtime =
      optionalString(properties, 'Runtime', where) ??
      fail('has no Runtime (container images are not supported)');
    if (!runtime.startsWith('nodejs'))
      fail(`runtime ${runtime} is not supported: the embedded cloud runs Node.js functions only`);
    const handler = optionalString(properties, 'Handler', where) ?? fail('has no Handler');

    const code = (properties.Code ?? {}) as Record<string, unknown>;
    if (code.ZipFile !== undefined) fail('inline code (Code.ZipFile) is not supported: use an asset');
    const key =
      typeof code.S3Key === 'string'
        ? code.S3Key
        : fail('Code.S3Key is missing: only CDK file assets are supported');
    const hash = key.replace(/\.zip$/, '');
    const assetDir =
      ctx.assets.get(key) ?? ctx.assets.get(hash) ?? fail(`no asset in cdk.out for Code.S3Key ${key}`);
    if (!existsSync(assetDir)) fail(`asset folder ${assetDir} does not exist: run \`npx cdk synth\``);

    const variables = ((properties.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {}) as Record<string, unknown>;
    const environment: Record<string, string> = {};
    for (const [variable, value] of Object.entries(variables)) {
      if (value !== null && typeof value === 'object')
        fail(`environment variable ${variable} is not a string after resolution`);
      environment[variable] = String(value);
    }

    const arn = `arn:${ctx.partition}:lambda:${ctx.region}:${ctx.accountId}:function:${name}`;
    const spec: LambdaFunctionSpec = {
      name,
      logicalId,
      stack: ctx.stack,
      arn,
      assetDir,
      handler,
      runtime,
      timeoutSeconds: Number(properties.Timeout ?? 3),
      memoryMb: Number(properties.MemorySize ?? 128),
      environment,
    };
    ctx.model.functions.set(arn, spec);
    return { ref: name, attributes: { Arn: arn } };
  },
};
