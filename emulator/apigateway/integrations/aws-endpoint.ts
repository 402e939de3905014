import type { EndpointResponse } from './pipeline.ts';
import { queryAnswerAsJson } from './query-json.ts';

/** What AWS integrations share when they call an embedded service over HTTP, as API Gateway calls AWS. */

export function fakeSigV4(service: string, region: string, signed: string): Record<string, string> {
  const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  return {
    'x-amz-date': now,
    // the embedded services do not check signatures; this one only names the service and region
    authorization: `AWS4-HMAC-SHA256 Credential=local/${now.slice(0, 8)}/${region}/${service}/aws4_request, SignedHeaders=${signed}, Signature=0`,
  };
}

export async function endpointAnswer(response: Response): Promise<EndpointResponse> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return {
    status: response.status,
    headers,
    body: await response.text(),
    selectionValue: String(response.status),
  };
}

/**
 * A query-protocol answer (XML) as the caller accepts it: AWS answers JSON to an integration that
 * accepts application/json (API Gateway's default), `{"<Action>Response": {...}}`.
 */
export function answerAsAccepted(answer: EndpointResponse, accept: string): EndpointResponse {
  const json =
    accept.includes('json') && /xml/.test(answer.headers['content-type'] ?? '')
      ? queryAnswerAsJson(answer.body)
      : undefined;
  return json === undefined
    ? answer
    : { ...answer, headers: { ...answer.headers, 'content-type': 'application/json' }, body: json };
}
