import type { ApiMethod } from '../cloudformation/cloud-model.ts';

/**
 * A MOCK integration as API Gateway runs one, pure: the request template (chosen by the request's
 * Content-Type, `application/json` when it has none) gives the `statusCode`; the integration
 * response whose SelectionPattern matches that status (or the default one, without a pattern) gives
 * the method's status, its headers (ResponseParameters: `'static'` values, `method.request.*` and
 * `context.*` values) and its body (a ResponseTemplate without VTL; templates with VTL directives are
 * not evaluated here, so such a body is empty). No match at all is API Gateway's configuration
 * error: 500 `{"message": "Internal server error"}`.
 */
type MockIntegration = Extract<ApiMethod['integration'], { type: 'MOCK' }>;

export interface MockRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: URLSearchParams;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly context: Readonly<Record<string, string>>;
}

export interface MockResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const header = (request: MockRequest, name: string) => {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
};

function requestTemplate(integration: MockIntegration, request: MockRequest): string | undefined {
  const contentType =
    header(request, 'content-type')?.split(';')[0]?.trim().toLowerCase() || 'application/json';
  const templates = integration.requestTemplates;
  return (
    templates[contentType] ??
    Object.entries(templates).find(([type]) => type.toLowerCase() === contentType)?.[1]
  );
}

/** The status the request template asks for: `{"statusCode": 200}` (CDK writes `{ statusCode: 200 }`). */
export function templateStatus(template: string | undefined): number {
  const match = /["']?statusCode["']?\s*:\s*["']?(\d{3})/.exec(template ?? '');
  return match ? Number(match[1]) : 200;
}

function parameterValue(source: string, request: MockRequest): string | undefined {
  const literal = /^'(.*)'$/s.exec(source);
  if (literal) return literal[1];
  const fromRequest = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(source);
  if (fromRequest) {
    const [, where, name] = fromRequest as unknown as [string, string, string];
    if (where === 'header') return header(request, name);
    if (where === 'querystring') return request.query.get(name) ?? undefined;
    return request.pathParameters[name];
  }
  const context = /^context\.(.+)$/.exec(source);
  return context ? request.context[context[1] as string] : undefined;
}

export function runMockIntegration(integration: MockIntegration, request: MockRequest): MockResult {
  const status = String(templateStatus(requestTemplate(integration, request)));
  const responses = integration.integrationResponses;
  const chosen =
    responses.find(
      (r) => r.selectionPattern !== undefined && new RegExp(`^(?:${r.selectionPattern})$`).test(status),
    ) ?? responses.find((r) => r.selectionPattern === undefined);
  if (!chosen) {
    return {
      statusCode: 500,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Internal server error' }),
    };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [target, source] of Object.entries(chosen.responseParameters)) {
    const name = /^method\.response\.header\.(.+)$/.exec(target)?.[1];
    const value = name ? parameterValue(source, request) : undefined;
    if (name && value !== undefined) headers[name.toLowerCase()] = value;
  }
  const template = chosen.responseTemplates['application/json'] ?? Object.values(chosen.responseTemplates)[0];
  const body = template && !/[#$]/.test(template) ? template : '';
  return { statusCode: chosen.statusCode, headers, body };
}
