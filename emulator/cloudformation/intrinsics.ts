import type { PhysicalResource } from './template.ts';

/**
 * CloudFormation intrinsic functions, resolved against known values. Pure: no I/O, so a template's
 * wiring (environment variables, ARNs, URLs) can be tested without any emulator running.
 */
export interface ResolveScope {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly urlSuffix: string;
  /** Parameter values; `undefined` means declared but unknown here (e.g. an SSM parameter). */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Resources created so far in this stack, by logical id. */
  readonly resources: ReadonlyMap<string, PhysicalResource>;
  /** Export name -> value, from the stacks deployed before this one. */
  readonly exports: ReadonlyMap<string, string>;
  readonly conditions: Readonly<Record<string, boolean>>;
  readonly mappings?: Readonly<Record<string, Record<string, Record<string, unknown>>>>;
  /** Applied to every string Fn::Join and Fn::Sub produce (how execute-api URLs become local). */
  readonly localizeUrl?: (value: string) => string;
}

/** What AWS::NoValue resolves to: the property (or list element) holding it is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export class ResolveError extends Error {}

/** Resolves every intrinsic in `value`. `where` names the place for errors, e.g. "resource Foo". */
export function resolveValue(value: unknown, scope: ResolveScope, where: string): unknown {
  const fail = (message: string): never => {
    throw new ResolveError(`stack ${scope.stackName}, ${where}: ${message}`);
  };
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk).filter((item) => item !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return intrinsic(first[0], first[1]);
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of entries) {
      const resolved = walk(child);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  };
  const asString = (node: unknown, fn: string): string => {
    const resolved = walk(node);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    return fail(`${fn} expects a string, got ${JSON.stringify(resolved)}`);
  };
  const asList = (node: unknown, fn: string): unknown[] => {
    const resolved = walk(node);
    return Array.isArray(resolved) ? resolved : fail(`${fn} expects a list, got ${JSON.stringify(resolved)}`);
  };
  const localize = (text: string) => (scope.localizeUrl ? scope.localizeUrl(text) : text);

  const ref = (name: string): unknown => {
    const pseudo = pseudoParameter(name, scope);
    if (pseudo !== undefined) return pseudo;
    if (name in scope.parameters) {
      const value = scope.parameters[name];
      return value === undefined ? fail(`parameter ${name} has no value the embedded cloud can use`) : value;
    }
    const resource = scope.resources.get(name);
    return resource
      ? resource.ref
      : fail(`Ref ${name}: no such resource or parameter (or it was not created)`);
  };
  const getAtt = (logicalId: string, attribute: string): unknown => {
    const resource = scope.resources.get(logicalId);
    if (!resource)
      return fail(`Fn::GetAtt ${logicalId}.${attribute}: no such resource (or it was not created)`);
    if (!(attribute in resource.attributes)) {
      const known = Object.keys(resource.attributes).join(', ') || 'none';
      return fail(`Fn::GetAtt ${logicalId}.${attribute}: unknown attribute (known: ${known})`);
    }
    return resource.attributes[attribute];
  };
  const sub = (text: string, variables: Record<string, unknown>): string =>
    text.replace(/\$\{([^}]*)\}/g, (_match, body: string) => {
      if (body.startsWith('!')) return `\${${body.slice(1)}}`;
      const name = body.trim();
      if (name in variables) return asString(variables[name], 'Fn::Sub');
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) {
        return asString(getAtt(name.slice(0, dot), name.slice(dot + 1)), 'Fn::Sub');
      }
      return asString(ref(name), 'Fn::Sub');
    });

  const intrinsic = (fn: string, arg: unknown): unknown => {
    switch (fn) {
      case 'Ref':
        return typeof arg === 'string' ? ref(arg) : fail(`Ref expects a name, got ${JSON.stringify(arg)}`);
      case 'Fn::GetAtt': {
        const parts = typeof arg === 'string' ? splitOnce(arg) : arg;
        if (!Array.isArray(parts) || parts.length !== 2)
          return fail(`malformed Fn::GetAtt ${JSON.stringify(arg)}`);
        return getAtt(asString(parts[0], fn), asString(parts[1], fn));
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || arg.length !== 2) return fail(`malformed Fn::Join ${JSON.stringify(arg)}`);
        const items = asList(arg[1], fn).map((item) => asString(item, fn));
        return localize(items.join(asString(arg[0], fn)));
      }
      case 'Fn::Sub': {
        if (typeof arg === 'string') return localize(sub(arg, {}));
        if (!Array.isArray(arg) || typeof arg[0] !== 'string')
          return fail(`malformed Fn::Sub ${JSON.stringify(arg)}`);
        const variables = (arg[1] ?? {}) as Record<string, unknown>;
        return localize(sub(arg[0], variables));
      }
      case 'Fn::Select': {
        if (!Array.isArray(arg) || arg.length !== 2)
          return fail(`malformed Fn::Select ${JSON.stringify(arg)}`);
        const index = Number(asString(arg[0], fn));
        const list = asList(arg[1], fn);
        if (!Number.isInteger(index) || index < 0 || index >= list.length) {
          return fail(`Fn::Select index ${index} is out of range for a list of ${list.length}`);
        }
        return list[index];
      }
      case 'Fn::Split': {
        if (!Array.isArray(arg) || arg.length !== 2)
          return fail(`malformed Fn::Split ${JSON.stringify(arg)}`);
        return asString(arg[1], fn).split(asString(arg[0], fn));
      }
      case 'Fn::ImportValue': {
        const name = asString(arg, fn);
        const value = scope.exports.get(name);
        return value ?? fail(`Fn::ImportValue ${name}: no stack deployed before this one exports that name`);
      }
      case 'Fn::If': {
        if (!Array.isArray(arg) || arg.length !== 3) return fail(`malformed Fn::If ${JSON.stringify(arg)}`);
        const name = String(arg[0]);
        if (!(name in scope.conditions)) return fail(`Fn::If names an unknown condition ${name}`);
        return walk(scope.conditions[name] ? arg[1] : arg[2]);
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((zone) => `${scope.region}${zone}`);
      case 'Fn::Base64':
        return Buffer.from(asString(arg, fn)).toString('base64');
      case 'Fn::FindInMap': {
        if (!Array.isArray(arg) || arg.length < 3)
          return fail(`malformed Fn::FindInMap ${JSON.stringify(arg)}`);
        const [map, top, second] = arg.slice(0, 3).map((part) => asString(part, fn));
        const found = scope.mappings?.[map as string]?.[top as string]?.[second as string];
        return found === undefined
          ? fail(`Fn::FindInMap ${map}.${top}.${second}: no such mapping entry`)
          : walk(found);
      }
      case 'Fn::Equals':
      case 'Fn::And':
      case 'Fn::Or':
      case 'Fn::Not':
        return evaluateCondition({ [fn]: arg }, scope, where);
      default:
        return fail(`intrinsic function ${fn} is not supported by the embedded cloud`);
    }
  };

  return walk(value);
}

function splitOnce(text: string): [string, string] | null {
  const dot = text.indexOf('.');
  return dot > 0 ? [text.slice(0, dot), text.slice(dot + 1)] : null;
}

function pseudoParameter(name: string, scope: ResolveScope): unknown {
  switch (name) {
    case 'AWS::Region':
      return scope.region;
    case 'AWS::AccountId':
      return scope.accountId;
    case 'AWS::Partition':
      return scope.partition;
    case 'AWS::URLSuffix':
      return scope.urlSuffix;
    case 'AWS::StackName':
      return scope.stackName;
    case 'AWS::StackId':
      return `arn:${scope.partition}:cloudformation:${scope.region}:${scope.accountId}:stack/${scope.stackName}/local`;
    case 'AWS::NotificationARNs':
      return [];
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return undefined;
  }
}

/** Evaluates one condition expression (Fn::Equals/And/Or/Not and named Condition references). */
export function evaluateCondition(expression: unknown, scope: ResolveScope, where: string): boolean {
  const fail = (message: string): never => {
    throw new ResolveError(`stack ${scope.stackName}, ${where}: ${message}`);
  };
  if (typeof expression === 'boolean') return expression;
  if (expression === null || typeof expression !== 'object' || Array.isArray(expression)) {
    return fail(`malformed condition ${JSON.stringify(expression)}`);
  }
  const [entry] = Object.entries(expression);
  if (!entry) return fail('empty condition');
  const [fn, arg] = entry;
  if (fn === 'Condition') {
    const name = String(arg);
    return name in scope.conditions ? Boolean(scope.conditions[name]) : fail(`unknown condition ${name}`);
  }
  const list = Array.isArray(arg) ? arg : fail(`${fn} expects a list`);
  switch (fn) {
    case 'Fn::Equals': {
      const [a, b] = list.map((item) => resolveValue(item, scope, where));
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'Fn::And':
      return list.every((item) => evaluateCondition(item, scope, where));
    case 'Fn::Or':
      return list.some((item) => evaluateCondition(item, scope, where));
    case 'Fn::Not':
      return !evaluateCondition(list[0], scope, where);
    default:
      return fail(`${fn} is not a condition function`);
  }
}

/** Evaluates a template's Conditions section, following references between conditions. */
export function evaluateConditions(
  conditions: Readonly<Record<string, unknown>> | undefined,
  scope: Omit<ResolveScope, 'conditions'>,
): Record<string, boolean> {
  const results: Record<string, boolean> = {};
  const visiting = new Set<string>();
  const evaluate = (name: string): boolean => {
    if (name in results) return results[name] as boolean;
    if (!conditions || !(name in conditions)) {
      throw new ResolveError(`stack ${scope.stackName}: unknown condition ${name}`);
    }
    if (visiting.has(name))
      throw new ResolveError(`stack ${scope.stackName}: condition ${name} refers to itself`);
    visiting.add(name);
    // a proxy resolves {Condition: X} lazily, so conditions may refer to ones declared later
    const lazy = new Proxy({} as Record<string, boolean>, {
      has: (_target, key) => typeof key === 'string' && conditions !== undefined && key in conditions,
      get: (_target, key) => (typeof key === 'string' ? evaluate(key) : undefined),
    });
    const value = evaluateCondition(conditions[name], { ...scope, conditions: lazy }, `condition ${name}`);
    visiting.delete(name);
    results[name] = value;
    return value;
  };
  for (const name of Object.keys(conditions ?? {})) evaluate(name);
  return results;
}
