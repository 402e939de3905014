import type { AssemblyStack } from './assembly.ts';
import type { ResourceHandler } from './resource-types.ts';
import type { Template } from './template.ts';

/**
 * Everything in the assembly the embedded cloud cannot run, one line per problem: resource types it
 * has no handler for, and what the handlers refuse (runtimes, integration types). Empty when the
 * whole assembly can run. Pure: reads only the templates.
 */
export function unsupportedFeatures(
  stacks: readonly AssemblyStack[],
  handlerFor: (type: string) => ResourceHandler | undefined,
): string[] {
  const problems: string[] = [];
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      const where = `stack ${stack.name}, resource ${logicalId}`;
      const handler = handlerFor(resource.Type);
      if (!handler) problems.push(`${where}: resource type ${resource.Type} is not supported`);
      for (const problem of handler?.unsupported?.(resource.Properties ?? {}, resource.Type) ?? [])
        problems.push(`${where} (${resource.Type}): ${problem}`);
    }
  }
  return problems;
}

/** Fails, naming every problem at once, when the assembly holds anything the embedded cloud cannot run. */
export function assertAssemblySupported(
  stacks: readonly AssemblyStack[],
  handlerFor: (type: string) => ResourceHandler | undefined,
): void {
  const problems = unsupportedFeatures(stacks, handlerFor);
  if (problems.length === 0) return;
  throw new Error(
    `the embedded cloud cannot run this app (${problems.length} problem${problems.length === 1 ? '' : 's'}, nothing was started):\n- ${problems.join('\n- ')}`,
  );
}

/**
 * The order in which a stack's resources are created: every resource after the resources it
 * references (Ref, Fn::GetAtt, Fn::Sub placeholders) or names in DependsOn, as CloudFormation does.
 * Pure: reads only the template.
 */
export function creationOrder(stackName: string, template: Template): string[] {
  const resources = template.Resources;
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const dependencies = new Map<string, Set<string>>();

  for (const [logicalId, resource] of Object.entries(resources)) {
    const deps = new Set<string>();
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const name of dependsOn) deps.add(name);
    for (const name of referencedNames(resource.Properties)) {
      if (!name.startsWith('AWS::') && !parameters.has(name)) deps.add(name);
    }
    for (const dep of deps) {
      if (!(dep in resources)) {
        throw new Error(
          `stack ${stackName}, resource ${logicalId}: refers to ${dep}, which the template does not declare`,
        );
      }
    }
    deps.delete(logicalId);
    dependencies.set(logicalId, deps);
  }

  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (logicalId: string, path: string[]) => {
    if (state.get(logicalId) === 'done') return;
    if (state.get(logicalId) === 'visiting') {
      throw new Error(`stack ${stackName}: circular dependency ${[...path, logicalId].join(' -> ')}`);
    }
    state.set(logicalId, 'visiting');
    for (const dep of dependencies.get(logicalId) ?? []) visit(dep, [...path, logicalId]);
    state.set(logicalId, 'done');
    order.push(logicalId);
  };
  for (const logicalId of Object.keys(resources)) visit(logicalId, []);
  return order;
}

/** Every name a value refers to through Ref, Fn::GetAtt or a Fn::Sub placeholder. */
export function referencedNames(value: unknown): Set<string> {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      if (key === 'Ref' && typeof child === 'string') names.add(child);
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(child)
          ? child[0]
          : typeof child === 'string'
            ? child.split('.')[0]
            : undefined;
        if (typeof target === 'string') names.add(target);
        else walk(child);
      } else if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(child) ? child : [child, {}];
        const local = new Set(Object.keys((variables ?? {}) as object));
        if (typeof text === 'string') {
          for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
            const name = (match[1] as string).trim().split('.')[0] as string;
            if (!local.has(name)) names.add(name);
          }
        }
        walk(variables);
      } else walk(child);
    }
  };
  walk(value);
  return names;
}
