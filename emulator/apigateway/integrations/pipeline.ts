import type { MappedIntegration } from '../../cloudformation/cloud-model.ts';
import {
  chooseRequestTemplate,
  chooseResponseTemplate,
  headerValue,
  type IntegrationResult,
  integrationRequestParameters,
  type MethodRequest,
  requestMediaType,
  responseHeaders,
  selectIntegrationResponse,
} from './mapping.ts';
import { renderTemplate, type TemplateInput } from './vtl.ts';

/**
 * A non-proxy integration's two halves around its backend, pure: the method request mapped to the
 * integration request (template, parameters, overrides), and the backend's answer mapped to the
 * method response (integration response selection, parameters, template, overrides).
 */
export interface IntegrationRequest {
  readonly body: string;
  readonly header: Readonly<Record<string, string>>;
  readonly querystring: Readonly<Record<string, string>>;
  readonly path: Readonly<Record<string, string>>;
}

/** What the backend answered, and the value integration responses are selected by. */
export interface EndpointResponse extends IntegrationResult {
  /** The status code as text, or (Lambda) the error message, '' when the function succeeded. */
  readonly selectionValue: string;
}

export type Mapped<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly gateway: GatewayFailure };

/** API Gateway's own answers a mapping can end in. */
export type GatewayFailure = 'UNSUPPORTED_MEDIA_TYPE' | 'API_CONFIGURATION_ERROR';

export function templateInput(request: MethodRequest, body: string): TemplateInput {
  const header: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) header[name] = Array.isArray(value) ? value.join(',') : value;
  return {
    body,
    params: {
      path: request.pathParameters,
      querystring: Object.fromEntries(request.query),
      header,
    },
    context: request.context,
    stageVariables: request.stageVariables,
  };
}

export function mapRequest(
  integration: MappedIntegration,
  request: MethodRequest,
): Mapped<IntegrationRequest> {
  const choice = chooseRequestTemplate(integration, requestMediaType(request.headers));
  if (choice.kind === 'unsupported') return { ok: false, gateway: 'UNSUPPORTED_MEDIA_TYPE' };
  const parameters = integrationRequestParameters(integration.requestParameters ?? {}, request);
  if (choice.kind === 'passthrough') return { ok: true, value: { body: request.body, ...parameters } };
  const rendered = renderTemplate(choice.template, templateInput(request, request.body));
  const { request: override } = rendered.overrides;
  return {
    ok: true,
    value: {
      body: rendered.output,
      header: { ...parameters.header, ...override.header },
      querystring: { ...parameters.querystring, ...override.querystring },
      path: { ...parameters.path, ...override.path },
    },
  };
}

export function mapResponse(
  integration: MappedIntegration,
  request: MethodRequest,
  endpoint: EndpointResponse,
): Mapped<IntegrationResult> {
  const chosen = selectIntegrationResponse(integration.integrationResponses, endpoint.selectionValue);
  if (!chosen) return { ok: false, gateway: 'API_CONFIGURATION_ERROR' };
  const accept = headerValue(request.headers, 'accept');
  const template = chooseResponseTemplate(chosen.responseTemplates, accept);
  // the method response's type is the template's (application/json without one), unless mapped
  const headers: Record<string, string> = {
    'content-type': template?.mediaType ?? 'application/json',
    ...responseHeaders(chosen.responseParameters, endpoint, request),
  };
  // no template (or an empty one): the integration's body passes through as it is
  if (!template || template.template.trim() === '')
    return { ok: true, value: { status: chosen.statusCode, headers, body: endpoint.body } };
  const rendered = renderTemplate(template.template, templateInput(request, endpoint.body));
  const { response: override } = rendered.overrides;
  for (const [name, value] of Object.entries(override.header)) headers[name.toLowerCase()] = String(value);
  return {
    ok: true,
    value: { status: override.status ?? chosen.statusCode, headers, body: rendered.output },
  };
}
