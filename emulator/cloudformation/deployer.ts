import type { AssemblyStack } from './assembly.ts';
import { creationOrder } from './deploy-plan.ts';
import { evaluateConditions, type ResolveScope, resolveValue } from './intrinsics.ts';
import type { DeployContext, ResourceHandler } from './resource-types.ts';
import type { PhysicalResource } from './template.ts';

/** Everything a stack deployment needs besides the stack: the context minus its stack name. */
export interface DeployEnvironment extends Omit<DeployContext, 'stack'> {
  readonly urlSuffix: string;
  /** Export name -> value; filled by each deployed stack, read by Fn::ImportValue of later ones. */
  readonly exports: Map<string, string>;
  readonly localizeUrl?: (value: string) => string;
  /** The resource handler for a type, or undefined when the cloud has none (handed in: the engine imports no service). */
  readonly handlerFor: (type: string) => ResourceHandler | undefined;
}

export interface StackDeployment {
  readonly name: string;
  readonly resources: ReadonlyMap<string, PhysicalResource>;
  /** Resolved outputs, by output key. */
  readonly outputs: Readonly<Record<string, string>>;
}

/** Fails before anything is created when the stack holds a type the embedded cloud cannot create. */
export function assertSupported(
  stack: AssemblyStack,
  handlerFor: (type: string) => ResourceHandler | undefined,
): void {
  const unsupported = Object.entries(stack.template.Resources)
    .filter(([, resource]) => !handlerFor(resource.Type))
    .map(([logicalId, resource]) => `${resource.Type} (resource ${logicalId})`);
  if (unsupported.length > 0) {
    throw new Error(
      `stack ${stack.name} uses resource types the embedded cloud does not support: ${unsupported.join(', ')}`,
    );
  }
}

/** Creates a stack's resources in dependency order, then resolves its outputs and exports. */
export async function deployStack(stack: AssemblyStack, env: DeployEnvironment): Promise<StackDeployment> {
  assertSupported(stack, env.handlerFor);
  const { template } = stack;
  const resources = new Map<string, PhysicalResource>();
  const parameters: Record<string, unknown> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    // SSM-backed parameters (CDK's BootstrapVersion) cannot be looked up here: unknown, an error if used
    parameters[name] = parameter.Type.startsWith('AWS::SSM::') ? undefined : parameter.Default;
  }
  const base = {
    stackName: stack.name,
    region: env.region,
    accountId: env.accountId,
    partition: env.partition,
    urlSuffix: env.urlSuffix,
    parameters,
    resources,
    exports: env.exports,
    ...(env.localizeUrl ? { localizeUrl: env.localizeUrl } : {}),
  };
  const scope: ResolveScope = { ...base, conditions: evaluateConditions(template.Conditions, base) };
  const { handlerFor: _handlers, ...context } = env;
  const ctx: DeployContext = { ...context, stack: stack.name };

  for (const logicalId of creationOrder(stack.name, template)) {
    const resource = template.Resources[logicalId];
    if (!resource) continue;
    if (resource.Condition !== undefined && !scope.conditions[resource.Condition]) continue;
    const handler = env.handlerFor(resource.Type);
    if (!handler)
      throw new Error(`stack ${stack.name}: resource ${logicalId} has unsupported type ${resource.Type}`);
    const properties =
      handler.resolvesProperties === false
        ? (resource.Properties ?? {})
        : (resolveValue(resource.Properties ?? {}, scope, `resource ${logicalId}`) as Record<
            string,
            unknown
          >);
    resources.set(logicalId, await handler.create(ctx, logicalId, properties, resource.Type));
  }

  const outputs: Record<string, string> = {};
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined && !scope.conditions[output.Condition]) continue;
    const value = resolveValue(output.Value, scope, `output ${key}`);
    outputs[key] = Array.isArray(value) ? value.join(',') : String(value);
    if (output.Export) {
      const name = String(resolveValue(output.Export.Name, scope, `output ${key} export name`));
      const existing = env.exports.get(name);
      if (existing !== undefined && existing !== outputs[key]) {
        throw new Error(
          `stack ${stack.name}, output ${key}: export ${name} is already exported by another stack`,
        );
      }
      env.exports.set(name, outputs[key]);
    }
  }
  return { name: stack.name, resources, outputs };
}
