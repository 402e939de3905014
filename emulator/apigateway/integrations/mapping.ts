import type { MappedIntegration, MockIntegrationResponse } from '../../cloudformation/cloud-model.ts';
import { evaluateJsonPath } from './json-path.ts';

/**
 * The non-proxy integration rules around the templates, pure: which request template applies (and
 * the passthrough behaviours), integration request parameters, which integration response a status
 * or a Lambda error message selects, its response parameters and its response template.
 */
export interface MethodRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: URLSearchParams;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly body: string;
  /** $context values as `context.<name>` sources read them (flattened with dots). */
  readonly context: Readonly<Record<string, unknown>>;
  readonly stageVariables: Readonly<Record<string, string>>;
}

export type RequestTemplateChoice =
  | { readonly kind: 'template'; readonly template: string }
  | { readonly kind: 'passthrough' }
  /** 415 Unsupported Media Type (WHEN_NO_TEMPLATES with templates, or NEVER). */
  | { readonly kind: 'unsupported' };

export function headerValue(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === wanted)?.[1];
  return Array.isArray(found) ? found.join(',') : found;
}

/** The request's media type, `application/json` when it sends none (API Gateway's default). */
export function requestMediaType(headers: MethodRequest['headers']): string {
  return headerValue(headers, 'content-type')?.split(';')[0]?.trim().toLowerCase() || 'application/json';
}

export function chooseRequestTemplate(
  integration: Pick<MappedIntegration, 'requestTemplates' | 'passthroughBehavior'>,
  mediaType: string,
): RequestTemplateChoice {
  const templates = integration.requestTemplates;
  const template =
    Object.entries(templates).find(([type]) => type.toLowerCase() === mediaType)?.[1] ?? templates.$default;
  if (template !== undefined) return { kind: 'template', template };
  const behaviour = integration.passthroughBehavior ?? 'WHEN_NO_MATCH';
  if (behaviour === 'NEVER') return { kind: 'unsupported' };
  if (behaviour === 'WHEN_NO_TEMPLATES' && Object.keys(templates).length > 0) return { kind: 'unsupported' };
  return { kind: 'passthrough' };
}

/** A `method.request.*`, `'literal'`, `context.*` or `stageVariables.*` source of a request parameter. */
export function requestSourceValue(source: string, request: MethodRequest): string | undefined {
  const literal = /^'(.*)'$/s.exec(source);
  if (literal) return literal[1];
  const method =
    /^method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.(.+)$/.exec(source);
  if (method) {
    const [, where, name] = method as unknown as [string, string, string];
    if (where === 'header' || where === 'multivalueheader') return headerValue(request.headers, name);
    if (where === 'querystring') return request.query.get(name) ?? undefined;
    if (where === 'multivaluequerystring') {
      const all = request.query.getAll(name);
      return all.length ? all.join(',') : undefined;
    }
    return request.pathParameters[name];
  }
  if (source === 'method.request.body') return request.body;
  const bodyPath = /^method\.request\.body\.(.+)$/.exec(source);
  if (bodyPath) return jsonAt(request.body, `$.${bodyPath[1]}`);
  const context = /^context\.(.+)$/.exec(source);
  if (context) return flatValue(request.context, context[1] as string);
  const stage = /^stageVariables\.(.+)$/.exec(source);
  return stage ? request.stageVariables[stage[1] as string] : undefined;
}

function flatValue(tree: Readonly<Record<string, unknown>>, dotted: string): string | undefined {
  let current: unknown = tree;
  for (const part of dotted.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current === undefined || current === null ? undefined : String(current);
}

function jsonAt(body: string, path: string): string | undefined {
  try {
    const value = evaluateJsonPath(JSON.parse(body), path);
    if (value === undefined) return undefined;
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** RequestParameters `integration.request.<header|querystring|path>.<name>` resolved against the request. */
export function integrationRequestParameters(
  parameters: Readonly<Record<string, string>>,
  request: MethodRequest,
): { header: Record<string, string>; querystring: Record<string, string>; path: Record<string, string> } {
  const mapped = { header: {}, querystring: {}, path: {} } as {
    header: Record<string, string>;
    querystring: Record<string, string>;
    path: Record<string, string>;
  };
  for (const [target, source] of Object.entries(parameters)) {
    const where = /^integration\.request\.(header|querystring|path)\.(.+)$/.exec(target);
    const value = where ? requestSourceValue(source, request) : undefined;
    if (where && value !== undefined)
      mapped[where[1] as 'header' | 'querystring' | 'path'][where[2] as string] = value;
  }
  return mapped;
}

/**
 * The integration response for a selection value (the status code, or a Lambda error message): the
 * first whose SelectionPattern matches the whole value (Java regexes, as API Gateway's), else the
 * default one (no pattern); undefined is API Gateway's configuration error (500).
 */
export function selectIntegrationResponse(
  responses: readonly MockIntegrationResponse[],
  selectionValue: string,
): MockIntegrationResponse | undefined {
  const matches = (pattern: string) => {
    try {
      return new RegExp(`^(?:${pattern})$`).test(selectionValue);
    } catch {
      return false;
    }
  };
  return (
    responses.find((r) => r.selectionPattern !== undefined && matches(r.selectionPattern)) ??
    responses.find((r) => r.selectionPattern === undefined)
  );
}

export interface IntegrationResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** ResponseParameters `method.response.header.<name>` from the integration's answer, literals, the request. */
export function responseHeaders(
  parameters: Readonly<Record<string, string>>,
  integration: IntegrationResult,
  request: MethodRequest,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [target, source] of Object.entries(parameters)) {
    const name = /^method\.response\.header\.(.+)$/.exec(target)?.[1];
    if (!name) continue;
    let value: string | undefined;
    const fromHeader = /^integration\.response\.header\.(.+)$/.exec(source);
    if (fromHeader) value = headerValue(integration.headers, fromHeader[1] as string);
    else if (source === 'integration.response.body') value = integration.body;
    else if (source.startsWith('integration.response.body.'))
      value = jsonAt(integration.body, `$.${source.slice('integration.response.body.'.length)}`);
    else value = requestSourceValue(source, request);
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** The response template for the client's Accept type, else application/json's, else the first. */
export function chooseResponseTemplate(
  templates: Readonly<Record<string, string>>,
  accept: string | undefined,
): { mediaType: string; template: string } | undefined {
  const entries = Object.entries(templates);
  if (entries.length === 0) return undefined;
  const wanted = accept?.split(',').map((type) => type.split(';')[0]?.trim().toLowerCase());
  const byAccept = entries.find(([type]) => wanted?.includes(type.toLowerCase()));
  const chosen = byAccept ?? entries.find(([type]) => type === 'application/json') ?? entries[0];
  return chosen ? { mediaType: chosen[0], template: chosen[1] } : undefined;
}
