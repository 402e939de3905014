/**
 * Amazon States Language definitions as the embedded Step Functions reads them (pure): parsing,
 * CloudFormation's DefinitionSubstitutions, every Task state found (Map and Parallel included), and
 * what the embedded cloud cannot run, named by state and resource, before anything starts.
 */
import { classifyResource } from './task-resources.ts';

export interface TaskStateRef {
  readonly name: string;
  readonly resource: string;
  readonly definition: Record<string, unknown>;
}

type States = Record<string, Record<string, unknown>>;

/** Replaces `${key}` placeholders as CloudFormation does with DefinitionSubstitutions. */
export function substitute(definition: string, substitutions: Record<string, unknown> | undefined): string {
  if (!substitutions) return definition;
  return definition.replace(/\$\{([^}]+)\}/g, (whole, key: string) =>
    key in substitutions ? String(substitutions[key]) : whole,
  );
}

export function parseDefinition(text: string, where: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: the definition is not JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error(`${where}: the definition must be a JSON object`);
  const definition = parsed as Record<string, unknown>;
  if (typeof definition.StartAt !== 'string' || !definition.States || typeof definition.States !== 'object')
    throw new Error(`${where}: the definition needs StartAt and States`);
  return definition;
}

/** Every sub-machine (the definition itself, Parallel branches, Map processors), depth first. */
function* machines(definition: Record<string, unknown>): Generator<Record<string, unknown>> {
  yield definition;
  for (const state of Object.values((definition.States ?? {}) as States)) {
    if (state.Type === 'Parallel')
      for (const branch of (state.Branches ?? []) as Record<string, unknown>[]) yield* machines(branch);
    if (state.Type === 'Map') {
      const inner = (state.ItemProcessor ?? state.Iterator) as Record<string, unknown> | undefined;
      if (inner) yield* machines(inner);
    }
  }
}

const STATE_TYPES = new Set(['Task', 'Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map']);

/**
 * What makes a definition invalid for Step Functions, checked here rather than by the interpreter's
 * JSON-schema validator (asl-validator compiles its schemas on every call: ~1 s per state machine).
 */
export function structureProblems(definition: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const machine of machines(definition)) {
    const states = (machine.States ?? {}) as States;
    const names = Object.keys(states);
    if (names.length === 0) problems.push('States must not be empty');
    if (typeof machine.StartAt !== 'string' || !(machine.StartAt in states))
      problems.push(`StartAt ${JSON.stringify(machine.StartAt)} is not a state of its States`);
    for (const [name, state] of Object.entries(states)) {
      const at = `state ${JSON.stringify(name)}`;
      if (!state || typeof state !== 'object' || !STATE_TYPES.has(String(state.Type))) {
        problems.push(`${at}: Type ${JSON.stringify(state?.Type)} is not a state type`);
        continue;
      }
      const targets: unknown[] = [state.Next, state.Default];
      for (const rule of (state.Choices ?? []) as { Next?: unknown }[]) targets.push(rule.Next);
      for (const catcher of (state.Catch ?? []) as { Next?: unknown }[]) targets.push(catcher.Next);
      for (const target of targets)
        if (target !== undefined && !(typeof target === 'string' && target in states))
          problems.push(`${at}: transition to ${JSON.stringify(target)}, which is not a state here`);
      const terminal = state.Type === 'Choice' || state.Type === 'Succeed' || state.Type === 'Fail';
      if (!terminal && (state.Next === undefined) === (state.End !== true))
        problems.push(`${at}: needs exactly one of Next and End`);
      if (state.Type === 'Choice' && !Array.isArray(state.Choices))
        problems.push(`${at}: Choices is required`);
      if (state.Type === 'Task' && typeof state.Resource !== 'string')
        problems.push(`${at}: Resource is required`);
    }
  }
  return problems;
}

/** Every state of the machine, nested ones included, with its name. */
export function allStates(definition: Record<string, unknown>): [string, Record<string, unknown>][] {
  return [...machines(definition)].flatMap((machine) => Object.entries((machine.States ?? {}) as States));
}

export function taskStates(definition: Record<string, unknown>): TaskStateRef[] {
  return allStates(definition)
    .filter(([, state]) => state.Type === 'Task')
    .map(([name, state]) => ({ name, resource: String(state.Resource ?? ''), definition: state }));
}

/** A marker for values still behind an intrinsic function (not judged: known only at deploy). */
export const UNRESOLVED = '#{unresolved}';

/** What the embedded Step Functions cannot run in this definition, one line per problem. */
export function definitionProblems(definition: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (definition.QueryLanguage === 'JSONata')
    problems.push('QueryLanguage JSONata is not supported (JSONPath only: the interpreter has no JSONata)');
  const names = new Set<string>();
  for (const [name, state] of allStates(definition)) {
    const at = `state ${JSON.stringify(name)}`;
    if (names.has(name)) problems.push(`${at}: state names must be unique in the whole state machine`);
    names.add(name);
    if (state.QueryLanguage === 'JSONata') problems.push(`${at}: QueryLanguage JSONata is not supported`);
    if ('Assign' in state) problems.push(`${at}: variables (Assign) are not supported`);
    if (state.Type === 'Map' && ('ItemReader' in state || 'ResultWriter' in state))
      problems.push(`${at}: distributed Map (ItemReader/ResultWriter) is not supported`);
    if (state.Type === 'Task') {
      const resource = String(state.Resource ?? '');
      if (resource.includes(UNRESOLVED) && !/:states:::/.test(resource)) continue; // a Ref/GetAtt: judged at deploy
      const kind = classifyResource(resource.replaceAll(UNRESOLVED, 'aws'));
      if (kind.type === 'unsupported')
        problems.push(`${at}: Resource ${resource.replaceAll(UNRESOLVED, '<intrinsic>')}: ${kind.reason}`);
    }
  }
  return problems;
}

/**
 * The definition of an unresolved template's state machine, as far as it can be read before
 * deployment: Fn::Join parts that are intrinsics become UNRESOLVED. Undefined when it cannot be read.
 */
export function templateDefinition(properties: Record<string, unknown>): Record<string, unknown> | undefined {
  if (properties.Definition && typeof properties.Definition === 'object')
    return properties.Definition as Record<string, unknown>;
  const text = flatten(properties.DefinitionString);
  if (text === undefined) return undefined;
  const subs = properties.DefinitionSubstitutions as Record<string, unknown> | undefined;
  const plain = subs
    ? Object.fromEntries(Object.entries(subs).map(([key, value]) => [key, flatten(value) ?? UNRESOLVED]))
    : undefined;
  try {
    return parseDefinition(substitute(text, plain), 'template');
  } catch {
    return undefined;
  }
}

function flatten(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object' && 'Fn::Join' in value) {
    const [separator, parts] = (value as { 'Fn::Join': [unknown, unknown] })['Fn::Join'];
    if (typeof separator !== 'string' || !Array.isArray(parts)) return undefined;
    return parts.map((part) => flatten(part) ?? UNRESOLVED).join(separator);
  }
  if (value && typeof value === 'object' && 'Fn::Sub' in value) {
    const sub = (value as { 'Fn::Sub': unknown })['Fn::Sub'];
    const text = typeof sub === 'string' ? sub : Array.isArray(sub) ? sub[0] : undefined;
    return typeof text === 'string' ? text.replace(/\$\{[^!][^}]*\}/g, UNRESOLVED) : undefined;
  }
  return undefined;
}
