/**
 * SNS subscription filter policies, as AWS documents them (sns-message-filtering): a policy maps
 * property names to a list of conditions; a message matches when EVERY property of the policy (AND)
 * matches AT LEAST ONE of its conditions (OR); `$or` splits a policy into alternatives. Conditions:
 * exact strings, exact numbers, `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (values, or
 * a prefix/suffix), `numeric` comparisons and ranges, `exists`, `cidr` (IPv4), and `null` (bodies).
 * Values are typed as SNS types them: strings match String attributes and JSON strings, numbers match
 * Number attributes and JSON numbers; a String.Array attribute (or a JSON array) matches when any
 * element does. Scope `MessageAttributes` (the default) reads the message attributes, flat;
 * `MessageBody` reads the message as a JSON object, nested (a body that is not a JSON object matches
 * no policy). Pure: no I/O.
 */
import { ownValue } from '../services/client-keyed.ts';

export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

/** A message attribute as Publish receives it. */
export interface FilterableAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
}

/** Why a policy is refused; the caller prefixes it the way the calling operation does. */
export class FilterPolicyError extends Error {}

type Leaf = string | number | boolean | null;

type Condition =
  | { readonly kind: 'equals'; readonly value: Leaf }
  | { readonly kind: 'prefix' | 'suffix' | 'equals-ignore-case'; readonly value: string }
  | { readonly kind: 'anything-but'; readonly values: readonly (string | number)[] }
  | { readonly kind: 'anything-but-prefix' | 'anything-but-suffix'; readonly value: string }
  | { readonly kind: 'numeric'; readonly checks: readonly { op: string; operand: number }[] }
  | { readonly kind: 'exists'; readonly value: boolean }
  | { readonly kind: 'cidr'; readonly network: number; readonly mask: number };

/** One alternative: every path (segments of nested names) must match one of its conditions. */
type Alternative = ReadonlyMap<
  string,
  { readonly path: readonly string[]; readonly conditions: Condition[] }
>;

export interface FilterPolicy {
  readonly scope: FilterPolicyScope;
  readonly alternatives: readonly Alternative[];
}

const MAX_KEYS = 5;
const MAX_COMBINATIONS = 150;
const NUMERIC_OPS = new Set(['=', '<', '<=', '>', '>=']);

/** Parses and validates a FilterPolicy attribute (a JSON string) for a scope. */
export function parseFilterPolicy(
  json: string,
  scope: FilterPolicyScope = 'MessageAttributes',
): FilterPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new FilterPolicyError('failed to parse JSON.');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new FilterPolicyError('Filter policy must be a JSON object');
  const topKeys = Object.keys(raw).filter((key) => key !== '$or');
  if (topKeys.length > MAX_KEYS)
    throw new FilterPolicyError(`Filter policy can not have more than ${MAX_KEYS} keys`);
  const alternatives = expand(raw as Record<string, unknown>, [], scope);
  let combinations = 0;
  for (const alternative of alternatives) {
    let product = 1;
    for (const { conditions } of alternative.values()) product *= conditions.length;
    combinations += product;
  }
  if (combinations > MAX_COMBINATIONS) throw new FilterPolicyError('Filter policy is too complex');
  return { scope, alternatives };
}

/** The alternatives of a (nested) policy object: `$or` multiplies them, nesting extends the paths. */
function expand(
  node: Record<string, unknown>,
  path: readonly string[],
  scope: FilterPolicyScope,
): Alternative[] {
  let alternatives: Map<string, { path: readonly string[]; conditions: Condition[] }>[] = [new Map()];
  for (const [key, value] of Object.entries(node)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2)
        throw new FilterPolicyError('$or must be an array of at least 2 objects');
      const branches = value.flatMap((branch) => {
        if (branch === null || typeof branch !== 'object' || Array.isArray(branch))
          throw new FilterPolicyError('$or must be an array of objects');
        return expand(branch as Record<string, unknown>, path, scope);
      });
      alternatives = alternatives.flatMap((current) =>
        branches.map((branch) => new Map([...current, ...branch])),
      );
      continue;
    }
    const childPath = [...path, key];
    if (Array.isArray(value)) {
      const conditions = value.map((item) => parseCondition(item, childPath.join('.')));
      if (conditions.length === 0) throw new FilterPolicyError(`Empty arrays are not allowed (key ${key})`);
      for (const alternative of alternatives)
        alternative.set(childPath.join('\u0000'), { path: childPath, conditions });
    } else if (value !== null && typeof value === 'object') {
      if (scope === 'MessageAttributes')
        throw new FilterPolicyError(
          'Filter policy scope MessageAttributes does not support nested filter policy',
        );
      const nested = expand(value as Record<string, unknown>, childPath, scope);
      alternatives = alternatives.flatMap((current) =>
        nested.map((inner) => new Map([...current, ...inner])),
      );
    } else {
      throw new FilterPolicyError(`"${key}" must be an object or an array`);
    }
  }
  return alternatives;
}

function parseCondition(item: unknown, key: string): Condition {
  if (item === null || typeof item === 'string' || typeof item === 'boolean')
    return { kind: 'equals', value: item };
  if (typeof item === 'number') return { kind: 'equals', value: item };
  if (typeof item !== 'object' || Array.isArray(item))
    throw new FilterPolicyError(`Match value must be String, number, true, false, or null (key ${key})`);
  const entries = Object.entries(item as Record<string, unknown>);
  if (entries.length !== 1)
    throw new FilterPolicyError(`Only one key allowed in match expression (key ${key})`);
  const [operator, operand] = entries[0] as [string, unknown];
  const needString = (): string => {
    if (typeof operand !== 'string')
      throw new FilterPolicyError(`${operator} match pattern must be a string (key ${key})`);
    return operand;
  };
  switch (operator) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      return { kind: operator, value: needString() };
    case 'exists':
      if (typeof operand !== 'boolean')
        throw new FilterPolicyError(`exists match pattern must be either true or false. (key ${key})`);
      return { kind: 'exists', value: operand };
    case 'numeric':
      return { kind: 'numeric', checks: parseNumeric(operand, key) };
    case 'anything-but':
      return parseAnythingBut(operand, key);
    case 'cidr':
      return parseCidr(needString(), key);
    default:
      throw new FilterPolicyError(`Unrecognized match type ${operator} (key ${key})`);
  }
}

function parseNumeric(operand: unknown, key: string): { op: string; operand: number }[] {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4)
    throw new FilterPolicyError(
      `Value of numeric must be an array of 1 or 2 operator/value pairs (key ${key})`,
    );
  const checks: { op: string; operand: number }[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const value = operand[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPS.has(op))
      throw new FilterPolicyError(`Unrecognized numeric range operator: ${JSON.stringify(op)} (key ${key})`);
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new FilterPolicyError(`Value of ${op} must be numeric (key ${key})`);
    checks.push({ op, operand: value });
  }
  const [first, second] = checks;
  if (second) {
    // a range: a lower bound then an upper bound
    if (!first?.op.startsWith('>') || !second.op.startsWith('<'))
      throw new FilterPolicyError(`Bad numeric range operator (key ${key})`);
    if (first.operand >= second.operand)
      throw new FilterPolicyError(`Bottom must be less than top (key ${key})`);
  } else if (first?.op === '=' && operand.length > 2) {
    throw new FilterPolicyError(`Bad numeric range operator (key ${key})`);
  }
  return checks;
}

function parseAnythingBut(operand: unknown, key: string): Condition {
  if (typeof operand === 'string' || typeof operand === 'number')
    return { kind: 'anything-but', values: [operand] };
  if (Array.isArray(operand)) {
    if (operand.length === 0 || !operand.every((v) => typeof v === 'string' || typeof v === 'number'))
      throw new FilterPolicyError(
        `Inside anything but list, only strings and numbers are allowed (key ${key})`,
      );
    return { kind: 'anything-but', values: operand as (string | number)[] };
  }
  if (operand !== null && typeof operand === 'object') {
    const entries = Object.entries(operand as Record<string, unknown>);
    const [inner, value] = entries[0] ?? [];
    if (entries.length === 1 && (inner === 'prefix' || inner === 'suffix') && typeof value === 'string')
      return { kind: inner === 'prefix' ? 'anything-but-prefix' : 'anything-but-suffix', value };
  }
  throw new FilterPolicyError(
    `Value of anything-but must be an array, a string, a number or a prefix/suffix (key ${key})`,
  );
}

function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255))
    return undefined;
  return parts.reduce((acc, part) => acc * 256 + Number(part), 0);
}

function parseCidr(text: string, key: string): Condition {
  const [address = '', bits = ''] = text.split('/');
  const ip = parseIpv4(address);
  const prefix = Number(bits);
  if (ip === undefined || !/^\d{1,2}$/.test(bits) || prefix > 32)
    throw new FilterPolicyError(`Malformed CIDR, one '/' required (IPv4 only here) (key ${key})`);
  const mask = prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix);
  return { kind: 'cidr', network: maskOf(ip, mask), mask };
}

function maskOf(ip: number, mask: number): number {
  // 32-bit AND without JavaScript's signed bitwise pitfalls
  return Number((BigInt(ip) & BigInt(mask)).toString());
}

/** The values a property holds in the message; `present` says whether the property exists at all. */
interface Found {
  readonly present: boolean;
  readonly values: readonly Leaf[];
}

function attributeValues(attribute: FilterableAttribute | undefined): Found {
  if (!attribute) return { present: false, values: [] };
  const type = attribute.DataType;
  const text = attribute.StringValue;
  if (type.startsWith('Binary') || text === undefined) return { present: true, values: [] };
  if (type.startsWith('Number')) {
    const number = Number(text);
    return { present: true, values: Number.isFinite(number) ? [number] : [] };
  }
  if (type === 'String.Array') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return { present: true, values: parsed.filter(isLeaf) };
    } catch {
      // not an array: matches nothing, as SNS refuses such a message anyway
    }
    return { present: true, values: [] };
  }
  return { present: true, values: [text] };
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** Values at a nested path of a JSON body, looking into arrays on the way (any element). */
function bodyValues(body: unknown, path: readonly string[]): Found {
  let nodes: unknown[] = [body];
  for (const segment of path) {
    const next: unknown[] = [];
    for (const node of nodes.flatMap((n) => (Array.isArray(n) ? n : [n]))) {
      if (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, segment))
        next.push((node as Record<string, unknown>)[segment]);
    }
    nodes = next;
  }
  const leaves = nodes.flatMap((n) => (Array.isArray(n) ? n : [n])).filter(isLeaf);
  return { present: leaves.length > 0, values: leaves };
}

function conditionMatches(condition: Condition, found: Found): boolean {
  if (condition.kind === 'exists') return condition.value === found.present;
  return found.values.some((value) => valueMatches(condition, value));
}

function valueMatches(condition: Condition, value: Leaf): boolean {
  switch (condition.kind) {
    case 'equals':
      return value === condition.value;
    case 'prefix':
      return typeof value === 'string' && value.startsWith(condition.value);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(condition.value);
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === condition.value.toLowerCase();
    case 'anything-but':
      // typed: a string list says nothing about numbers, and the other way round
      return (
        (typeof value === 'string' || typeof value === 'number') &&
        condition.values.some((v) => typeof v === typeof value) &&
        !condition.values.includes(value)
      );
    case 'anything-but-prefix':
      return typeof value === 'string' && !value.startsWith(condition.value);
    case 'anything-but-suffix':
      return typeof value === 'string' && !value.endsWith(condition.value);
    case 'numeric':
      return (
        typeof value === 'number' &&
        condition.checks.every((check) => compare(value, check.op, check.operand))
      );
    case 'cidr': {
      if (typeof value !== 'string') return false;
      const ip = parseIpv4(value);
      return ip !== undefined && maskOf(ip, condition.mask) === condition.network;
    }
    case 'exists':
      return false;
  }
}

function compare(value: number, op: string, operand: number): boolean {
  switch (op) {
    case '=':
      return value === operand;
    case '<':
      return value < operand;
    case '<=':
      return value <= operand;
    case '>':
      return value > operand;
    default:
      return value >= operand;
  }
}

/** Whether a message passes the policy (scope from the policy). */
export function matchesFilterPolicy(
  policy: FilterPolicy,
  message: { readonly attributes: Readonly<Record<string, FilterableAttribute>>; readonly body: string },
): boolean {
  let body: unknown;
  if (policy.scope === 'MessageBody') {
    try {
      body = JSON.parse(message.body);
    } catch {
      return false;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  }
  return policy.alternatives.some((alternative) =>
    [...alternative.values()].every(({ path, conditions }) => {
      const found =
        policy.scope === 'MessageBody'
          ? bodyValues(body, path)
          : attributeValues(ownValue(message.attributes, path.join('.')));
      return conditions.some((condition) => conditionMatches(condition, found));
    }),
  );
}
