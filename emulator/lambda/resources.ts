import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LambdaFunctionSpec } from '../cloudformation/cloud-model.ts';
import { physicalName } from '../cloudformation/naming.ts';
import {
  optionalString,
  type PhysicalResource,
  type ResourceHandler,
} from '../cloudformation/resource-types.ts';
import { runtimeFamily, runtimeProblem } from './runtimes.ts';

/**
 * Inline code (Code.ZipFile) as CloudFormation deploys it: one file named `index` (`index.js` for
 * Node.js, `index.py` for Python) in a folder of its own, here a content-addressed one under the OS
 * temporary folder (outside any project, so no package.json or node_modules above it).
 */
export function inlineCodeDir(code: string, runtime: string): string {
  const file = runtimeFamily(runtime) === 'python' ? 'index.py' : 'index.js';
  const hash = createHash('sha256').update(file).update('\0').update(code).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'embedded-lambda-inline', hash);
  if (!existsSync(join(dir, file))) {
    const staging = `${dir}.${process.pid}.tmp`;
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, file), code);
    try {
      renameSync(staging, dir);
    } catch {
      // another cloud wrote the same code first
    }
  }
  return dir;
}

/** AWS::Lambda::Function: recorded for the Lambda runner, its code a synthesized asset folder or inline code. */
export const lambdaFunction: ResourceHandler = {
  types: ['AWS::Lambda::Function'],
  unsupported(properties) {
    const problems: string[] = [];
    if (properties.PackageType === 'Image') problems.push('container images are not supported');
    else if (properties.Runtime === undefined || typeof properties.Runtime === 'string') {
      const problem = runtimeProblem(properties.Runtime);
      if (problem) problems.push(problem);
    }
    // a layer from outside the assembly (a literal ARN, e.g. a vendor's) cannot be fetched locally
    for (const layer of Array.isArray(properties.Layers) ? properties.Layers : [])
      if (typeof layer === 'string')
        problems.push(
          `layer ${layer} is not in this assembly (only LayerVersions the app defines can run here)`,
        );
    return problems;
  },
  async create(ctx, logicalId, properties): Promise<PhysicalResource> {
    const where = { stack: ctx.stack, logicalId };
    const fail = (message: string): never => {
      throw new Error(`stack ${ctx.stack}, resource ${logicalId} (AWS::Lambda::Function): ${message}`);
    };
    const name =
      optionalString(properties, 'FunctionName', where) ??
      physicalName({ seed: ctx.seed, stack: ctx.stack, logicalId, maxLength: 64 });
    // Layers resolve to ARN strings by now: they are checked against the assembly's layers below
    const problem = lambdaFunction.unsupported?.(
      { ...properties, Layers: undefined },
      'AWS::Lambda::Function',
    )[0];
    if (problem) fail(problem);
    const runtime = optionalString(properties, 'Runtime', where) ?? fail('has no Runtime');
    const handler = optionalString(properties, 'Handler', where) ?? fail('has no Handler');

    const code = (properties.Code ?? {}) as Record<string, unknown>;
    let assetDir: string;
    if (code.ZipFile !== undefined) {
      if (typeof code.ZipFile !== 'string') fail('Code.ZipFile is not a string after resolution');
      assetDir = inlineCodeDir(code.ZipFile as string, runtime);
    } else {
      const key =
        typeof code.S3Key === 'string'
          ? code.S3Key
          : fail('Code.S3Key is missing: only CDK file assets and inline code (Code.ZipFile) are supported');
      const hash = key.replace(/\.zip$/, '');
      assetDir =
        ctx.assets.get(key) ?? ctx.assets.get(hash) ?? fail(`no asset in cdk.out for Code.S3Key ${key}`);
      if (!existsSync(assetDir)) fail(`asset folder ${assetDir} does not exist: run \`npx cdk synth\``);
    }

    const variables = ((properties.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {}) as Record<string, unknown>;
    const environment: Record<string, string> = {};
    for (const [variable, value] of Object.entries(variables)) {
      if (value !== null && typeof value === 'object')
        fail(`environment variable ${variable} is not a string after resolution`);
      environment[variable] = String(value);
    }

    // layers as AWS extracts them into /opt, in the template's order (a later one wins on a clash)
    const layerDirs = (Array.isArray(properties.Layers) ? properties.Layers : []).map((layer) =>
      typeof layer === 'string'
        ? (ctx.model.layers.get(layer) ?? fail(`layer ${layer} is not a LayerVersion of this assembly`))
        : fail('a Layers entry is not a string after resolution'),
    );

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
      ...(layerDirs.length > 0 ? { layerDirs } : {}),
    };
    ctx.model.functions.set(arn, spec);
    return { ref: name, attributes: { Arn: arn } };
  },
};

/**
 * AWS::Lambda::LayerVersion: its content, a synthesized asset folder, is what AWS would extract into
 * /opt (`nodejs/node_modules`, `nodejs/node<major>/node_modules`, `python`...). Ref is the version ARN;
 * each deployment is version 1 (versions are not kept across changes).
 */
export const lambdaLayerVersion: ResourceHandler = {
  types: ['AWS::Lambda::LayerVersion'],
  async create(ctx, logicalId, properties): Promise<PhysicalResource> {
    const where = { stack: ctx.stack, logicalId };
    const fail = (message: string): never => {
      throw new Error(`stack ${ctx.stack}, resource ${logicalId} (AWS::Lambda::LayerVersion): ${message}`);
    };
    const name =
      optionalString(properties, 'LayerName', where) ??
      physicalName({ seed: ctx.seed, stack: ctx.stack, logicalId, maxLength: 64 });
    const content = (properties.Content ?? {}) as Record<string, unknown>;
    const key =
      typeof content.S3Key === 'string'
        ? content.S3Key
        : fail('Content.S3Key is missing: only CDK file assets are supported for layers');
    const dir =
      ctx.assets.get(key) ??
      ctx.assets.get(key.replace(/\.zip$/, '')) ??
      fail(`no asset in cdk.out for Content.S3Key ${key}`);
    if (!existsSync(dir)) fail(`asset folder ${dir} does not exist: run \`npx cdk synth\``);
    const layerArn = `arn:${ctx.partition}:lambda:${ctx.region}:${ctx.accountId}:layer:${name}`;
    const versionArn = `${layerArn}:1`;
    ctx.model.layers.set(versionArn, dir);
    return { ref: versionArn, attributes: { LayerVersionArn: versionArn } };
  },
};
