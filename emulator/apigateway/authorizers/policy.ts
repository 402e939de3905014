/**
 * A Lambda authorizer's answer, pure: its shape checked as API Gateway checks it (anything else is
 * an AuthorizerConfigurationException, 500), and its policy evaluated against the method ARN as IAM
 * does: an explicit Deny wins, then an Allow, else an implicit deny. `*` and `?` are wildcards in
 * Action and Resource.
 */
export interface AuthorizerOutput {
  readonly principalId: string;
  readonly statements: readonly PolicyStatement[];
  /** The context map, its values turned into strings (as integrations receive them). */
  readonly context: Readonly<Record<string, string>>;
  readonly usageIdentifierKey?: string;
}

export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly notActions?: readonly string[];
  readonly resources: readonly string[];
  readonly notResources?: readonly string[];
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const list = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(String);

/** The output as API Gateway reads it, or the reason it is refused. */
export function parseAuthorizerOutput(payload: unknown): AuthorizerOutput | { invalid: string } {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    return { invalid: 'the authorizer returned no object' };
  const output = payload as Record<string, unknown>;
  if (output.principalId === undefined || output.principalId === null)
    return { invalid: 'the authorizer output has no principalId' };
  let document = output.policyDocument;
  if (typeof document === 'string') {
    try {
      document = JSON.parse(document);
    } catch {
      return { invalid: 'policyDocument is not JSON' };
    }
  }
  if (document === null || typeof document !== 'object')
    return { invalid: 'the authorizer output has no policyDocument' };
  const raw = (document as Record<string, unknown>).Statement;
  if (raw === undefined) return { invalid: 'policyDocument has no Statement' };
  const statements: PolicyStatement[] = [];
  for (const item of Array.isArray(raw) ? raw : [raw]) {
    const statement = (item ?? {}) as Record<string, unknown>;
    const effect = statement.Effect;
    if (effect !== 'Allow' && effect !== 'Deny')
      return { invalid: `Statement Effect ${String(effect)} is not Allow or Deny` };
    const actions = list(statement.Action);
    const notActions = list(statement.NotAction);
    const resources = list(statement.Resource);
    const notResources = list(statement.NotResource);
    if (!actions && !notActions) return { invalid: 'a Statement has no Action' };
    if (!resources && !notResources) return { invalid: 'a Statement has no Resource' };
    statements.push({
      effect,
      actions: actions ?? [],
      ...(notActions ? { notActions } : {}),
      resources: resources ?? [],
      ...(notResources ? { notResources } : {}),
    });
  }
  const context: Record<string, string> = {};
  if (output.context !== undefined && output.context !== null) {
    if (typeof output.context !== 'object' || Array.isArray(output.context))
      return { invalid: 'context is not a map' };
    for (const [key, value] of Object.entries(output.context)) {
      if (value === null || value === undefined) continue;
      // only strings, numbers and booleans: a nested object or array is a configuration error
      if (!['string', 'number', 'boolean'].includes(typeof value))
        return { invalid: `context value ${key} is not a string, number or boolean` };
      context[key] = String(value);
    }
  }
  return {
    principalId: String(output.principalId),
    statements,
    context,
    ...(typeof output.usageIdentifierKey === 'string'
      ? { usageIdentifierKey: output.usageIdentifierKey }
      : {}),
  };
}

/** IAM's wildcard match: `*` any run of characters (slashes too), `?` one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

const INVOKE = 'execute-api:Invoke';

function applies(statement: PolicyStatement, methodArn: string): boolean {
  const action = statement.notActions
    ? !statement.notActions.some((a) => wildcardMatch(a, INVOKE, true))
    : statement.actions.some((a) => wildcardMatch(a, INVOKE, true));
  const resource = statement.notResources
    ? !statement.notResources.some((r) => wildcardMatch(r, methodArn))
    : statement.resources.some((r) => wildcardMatch(r, methodArn));
  return action && resource;
}

export function evaluatePolicy(statements: readonly PolicyStatement[], methodArn: string): Decision {
  const matching = statements.filter((statement) => applies(statement, methodArn));
  if (matching.some((statement) => statement.effect === 'Deny')) return 'explicit-deny';
  return matching.some((statement) => statement.effect === 'Allow') ? 'allow' : 'implicit-deny';
}

/** `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path without its leading slash>`. */
export function methodArn(r: {
  partition?: string;
  region: string;
  accountId: string;
  apiId: string;
  stage: string;
  httpMethod: string;
  path: string;
}): string {
  return `arn:${r.partition ?? 'aws'}:execute-api:${r.region}:${r.accountId}:${r.apiId}/${r.stage}/${r.httpMethod}/${r.path.replace(/^\//, '')}`;
}
