import type { Template } from './template.ts';

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
