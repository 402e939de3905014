/**
 * An authorizer's identity sources read from a request, pure. API Gateway answers 401 Unauthorized,
 * without invoking the authorizer, when one of them is missing or empty; their values are the cache key.
 */
export interface IdentityRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: URLSearchParams;
  readonly stageVariables: Readonly<Record<string, string>>;
  readonly context: Readonly<Record<string, unknown>>;
}

/** Parses IdentitySource: comma-separated sources (TOKEN has exactly one header). */
export function parseIdentitySources(source: unknown): string[] {
  if (source === undefined || source === null || source === '') return [];
  return String(source)
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** Why a source expression is not one API Gateway accepts, or undefined. */
export function identitySourceProblem(source: string): string | undefined {
  return /^(method\.request\.(header|querystring|multivalueheader|multivaluequerystring)\.[^.]+|stageVariables\.[^.]+|context\.[\w.]+)$/.test(
    source,
  )
    ? undefined
    : `identity source ${source} is not method.request.header|querystring.<name>, stageVariables.<name> or context.<name>`;
}

function contextValue(context: IdentityRequest['context'], dotted: string): string | undefined {
  let current: unknown = context;
  for (const part of dotted.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current === undefined || current === null ? undefined : String(current);
}

export function identityValue(source: string, request: IdentityRequest): string | undefined {
  const method = /^method\.request\.(header|querystring|multivalueheader|multivaluequerystring)\.(.+)$/.exec(
    source,
  );
  if (method) {
    const [, where, name] = method as unknown as [string, string, string];
    if (where === 'header' || where === 'multivalueheader') {
      const wanted = name.toLowerCase();
      const value = Object.entries(request.headers).find(([key]) => key.toLowerCase() === wanted)?.[1];
      return Array.isArray(value) ? value.join(',') : value;
    }
    const all = request.query.getAll(name);
    return all.length === 0 ? undefined : where === 'querystring' ? all[all.length - 1] : all.join(',');
  }
  const stage = /^stageVariables\.(.+)$/.exec(source);
  if (stage) return request.stageVariables[stage[1] as string];
  const context = /^context\.(.+)$/.exec(source);
  return context ? contextValue(request.context, context[1] as string) : undefined;
}

/** The values of every source, or undefined when one is missing or empty (401). */
export function identityValues(sources: readonly string[], request: IdentityRequest): string[] | undefined {
  const values: string[] = [];
  for (const source of sources) {
    const value = identityValue(source, request);
    if (value === undefined || value.trim() === '') return undefined;
    values.push(value);
  }
  return values;
}
