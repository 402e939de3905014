import { answerAsAccepted, endpointAnswer, fakeSigV4 } from './aws-endpoint.ts';
import type { AwsBackends, AwsUri } from './aws-integration.ts';
import { headerValue } from './mapping.ts';
import type { EndpointResponse, IntegrationRequest } from './pipeline.ts';

/**
 * AWS integrations to the embedded SQS and Step Functions, called with their real protocols:
 * - SQS, the query protocol: `sqs:path/<account>/<queue>` posts to the queue's URL path (the
 *   Action, e.g. `Action=SendMessage&MessageBody=...`, in the form body the template writes);
 *   `sqs:action/<Action>` (parameters may follow: `action/SendMessage&QueueUrl=...`) posts to `/`
 *   with the QueueUrl in the body or query string. Answered in JSON when the integration accepts
 *   it (API Gateway's default), as AWS answers API Gateway. With `X-Amz-Target: AmazonSQS.<Op>` and
 *   `Content-Type: application/x-amz-json-1.0` mapped, SQS's JSON protocol instead.
 * - Step Functions, AWS JSON 1.0: `states:action/<Action>` (StartExecution, StartSyncExecution as
 *   CDK's StepFunctionsRestApi uses it, DescribeExecution...), the template's JSON as the body.
 */
export async function callSqs(
  uri: AwsUri,
  httpMethod: string,
  request: IntegrationRequest,
  backends: AwsBackends,
): Promise<EndpointResponse> {
  const endpoint = backends.endpoints.sqs;
  if (!endpoint) throw new Error('no SQS endpoint in this cloud');
  const query = new URLSearchParams();
  let path = '/';
  if (uri.kind === 'action') {
    const [action, ...inline] = uri.target.split('&');
    for (const [name, value] of new URLSearchParams(inline.join('&'))) query.set(name, value);
    query.set('Action', action as string);
  } else {
    // path/<account>/<queue>, possibly with ?Action=... after it
    const [queuePath, inline = ''] = uri.target.split('?');
    path = `/${(queuePath as string).replace(/^\/+/, '')}`;
    for (const [name, value] of new URLSearchParams(inline)) query.set(name, value);
  }
  for (const [name, value] of Object.entries(request.querystring)) query.set(name, value);
  const method = httpMethod === 'ANY' ? 'POST' : httpMethod;
  const accept = headerValue(request.header, 'accept') ?? 'application/json';
  const response = await fetch(`${endpoint}${path}${query.size ? `?${query}` : ''}`, {
    method,
    headers: {
      // the integration request's headers go as they are: X-Amz-Target and application/x-amz-json-1.0
      // there choose SQS's JSON protocol
      ...Object.fromEntries(
        Object.entries(request.header).filter(([name]) => !/^(content-type|accept)$/i.test(name)),
      ),
      'content-type': headerValue(request.header, 'content-type') ?? 'application/x-www-form-urlencoded',
      accept,
      ...fakeSigV4('sqs', backends.region, 'content-type;host;x-amz-date'),
    },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: request.body }),
  });
  return answerAsAccepted(await endpointAnswer(response), accept);
}

export async function callStepFunctions(
  action: string,
  request: IntegrationRequest,
  backends: AwsBackends,
): Promise<EndpointResponse> {
  const endpoint = backends.endpoints.sfn;
  if (!endpoint) throw new Error('no Step Functions endpoint in this cloud');
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AWSStepFunctions.${action}`,
      ...fakeSigV4('states', backends.region, 'content-type;host;x-amz-date;x-amz-target'),
    },
    body: request.body,
  });
  return endpointAnswer(response);
}
