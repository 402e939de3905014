import type { ApiMethod } from '../cloudformation/cloud-model.ts';
import { mapRequest, mapResponse } from './integrations/pipeline.ts';

/**
 * A MOCK integration as API Gateway runs one, pure: the request template (VTL, chosen by the
 * request's Content-Type, `application/json` when it has none) renders the `statusCode`; the
 * integration response whose SelectionPattern matches that status (or the default one) gives the
 * method's status, its headers (ResponseParameters) and its body (its ResponseTemplate, VTL too, with
 * an empty `$input.body`). No match at all is API Gateway's configuration error: 500
 * `{"message": "Internal server error"}`; no template for a NEVER passthrough is 415.
 */
type MockIntegration = Extract<ApiMethod['integration'], { type: 'MOCK' }>;

export interface MockRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: URLSearchParams;
  readonly pathParameters: Readonly<Record<string, string>>;
  /** $context (requestId, stage, authorizer...). */
  readonly context: Readonly<Record<string, unknown>>;
  readonly body?: string;
  readonly stageVariables?: Readonly<Record<string, string>>;
}

export interface MockResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The status a rendered request template asks for: `{"statusCode": 200}` (CDK writes `{ statusCode: 200 }`). */
export function templateStatus(template: string | undefined): number {
  const match = /["']?statusCode["']?\s*:\s*["']?(\d{3})/.exec(template ?? '');
  return match ? Number(match[1]) : 200;
}

const failure = (statusCode: number, message: string): MockResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});

export function runMockIntegration(integration: MockIntegration, request: MockRequest): MockResult {
  const methodRequest = {
    ...request,
    body: request.body ?? '',
    stageVariables: request.stageVariables ?? {},
  };
  const mapped = mapRequest(integration, methodRequest);
  if (!mapped.ok) return failure(415, 'Unsupported Media Type');
  const status = String(templateStatus(mapped.value.body));
  const response = mapResponse(integration, methodRequest, {
    status: Number(status),
    headers: {},
    body: '',
    selectionValue: status,
  });
  if (!response.ok) return failure(500, 'Internal server error');
  return { statusCode: response.value.status, headers: response.value.headers, body: response.value.body };
}
