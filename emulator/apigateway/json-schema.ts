/**
 * The JSON Schema (draft 4) subset request models use, for a request validator's body check: type,
 * enum, required, properties, additionalProperties, items, string lengths and patterns, numeric
 * bounds (draft 4 exclusive flags), array sizes, allOf/anyOf/oneOf/not and local `$ref`s
 * (`#/definitions/...`). Other keywords are ignored. Pure.
 */
import { ownValue } from '../services/client-keyed.ts';

type Schema = Record<string, unknown>;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(wanted: unknown, value: unknown): boolean {
  const types = Array.isArray(wanted) ? wanted : [wanted];
  const actual = typeOf(value);
  return types.some((type) => type === actual || (type === 'number' && actual === 'integer'));
}

function resolve(schema: Schema, root: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema;
  let target: unknown = root;
  for (const part of ref.slice(2).split('/'))
    target = (target as Record<string, unknown> | undefined)?.[part];
  return (target ?? {}) as Schema;
}

/** The first problem of `value` against `schema`, or undefined when it is valid. */
export function schemaProblem(
  value: unknown,
  schema: Schema,
  root: Schema = schema,
  at = '$',
): string | undefined {
  const s = resolve(schema, root);
  if (s.type !== undefined && !typeMatches(s.type, value)) return `${at}: expected ${String(s.type)}`;
  if (Array.isArray(s.enum) && !s.enum.some((option) => JSON.stringify(option) === JSON.stringify(value)))
    return `${at}: not one of the enum values`;
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && [...value].length < s.minLength) return `${at}: too short`;
    if (typeof s.maxLength === 'number' && [...value].length > s.maxLength) return `${at}: too long`;
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) return `${at}: pattern`;
  }
  if (typeof value === 'number') {
    if (
      typeof s.minimum === 'number' &&
      (s.exclusiveMinimum === true ? value <= s.minimum : value < s.minimum)
    )
      return `${at}: below the minimum`;
    if (
      typeof s.maximum === 'number' &&
      (s.exclusiveMaximum === true ? value >= s.maximum : value > s.maximum)
    )
      return `${at}: above the maximum`;
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) return `${at}: too few items`;
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) return `${at}: too many items`;
    if (s.items && typeof s.items === 'object' && !Array.isArray(s.items)) {
      for (const [index, item] of value.entries()) {
        const problem = schemaProblem(item, s.items as Schema, root, `${at}[${index}]`);
        if (problem) return problem;
      }
    }
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of Array.isArray(s.required) ? s.required : [])
      if (!Object.hasOwn(object, String(name))) return `${at}: ${String(name)} is required`;
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    for (const [name, item] of Object.entries(object)) {
      const sub = ownValue(properties, name); // `constructor`, `__proto__` are a client's keys too
      if (sub) {
        const problem = schemaProblem(item, sub, root, `${at}.${name}`);
        if (problem) return problem;
      } else if (s.additionalProperties === false) return `${at}: ${name} is not allowed`;
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        const problem = schemaProblem(item, s.additionalProperties as Schema, root, `${at}.${name}`);
        if (problem) return problem;
      }
    }
  }
  const valid = (sub: Schema) => schemaProblem(value, sub, root, at) === undefined;
  if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) if (!valid(sub)) return `${at}: allOf`;
  if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some(valid)) return `${at}: anyOf`;
  if (Array.isArray(s.oneOf) && (s.oneOf as Schema[]).filter(valid).length !== 1) return `${at}: oneOf`;
  if (s.not && typeof s.not === 'object' && valid(s.not as Schema)) return `${at}: not`;
  return undefined;
}
