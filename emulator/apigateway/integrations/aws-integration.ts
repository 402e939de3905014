import type { LambdaFunctionSpec } from '../../cloudformation/cloud-model.ts';
import type { InvokeOutcome } from '../../lambda/runner.ts';
import { answerAsAccepted, endpointAnswer, fakeSigV4 } from './aws-endpoint.ts';
import { headerValue } from './mapping.ts';
import type { EndpointResponse, IntegrationRequest } from './pipeline.ts';
import { callSqs, callStepFunctions } from './queue-and-state-machines.ts';

/**
 * The backends of `Type: AWS` integrations: Lambda (`lambda:path/2015-03-31/functions/<arn>/invocations`,
 * RequestResponse or, with `X-Amz-Invocation-Type: Event`, queued like Lambda's Event invocations),
 * DynamoDB (`dynamodb:action/<Action>`, the JSON protocol against the embedded DynamoDB) and SNS
 * (`sns:action/<Action>`, or `sns:path/...` with the Action in the body: the query protocol against the
 * embedded SNS, answered in JSON when the integration accepts it, as AWS answers API Gateway), SQS
 * (`sqs:path/<account>/<queue>` or `sqs:action/<Action>`, the query protocol, likewise) and Step
 * Functions (`states:action/<Action>`, the JSON protocol): see queue-and-state-machines.ts. Other
 * services are refused up front (awsIntegrationRefusal).
 */
export interface AwsBackends {
  readonly findFunction: (arn: string) => LambdaFunctionSpec | undefined;
  readonly invoke: (spec: LambdaFunctionSpec, event: unknown) => Promise<InvokeOutcome>;
  /** Queues an Event invocation (retried like Lambda's); absent: Event invocations are refused. */
  readonly invokeAsync?: (spec: LambdaFunctionSpec, event: unknown) => void;
  readonly endpoints: {
    readonly dynamodb?: string;
    readonly sns?: string;
    readonly sqs?: string;
    readonly sfn?: string;
  };
  readonly region: string;
}

export interface AwsUri {
  readonly region: string;
  readonly service: string;
  readonly kind: 'action' | 'path';
  /** The action name, or the path after `path/`. */
  readonly target: string;
}

export function parseAwsUri(uri: string): AwsUri | undefined {
  const match = /^arn:[^:]+:apigateway:([^:]*):([^:]+):(action|path)\/(.*)$/s.exec(uri);
  if (!match) return undefined;
  const [, region, service, kind, target] = match as unknown as [
    string,
    string,
    string,
    'action' | 'path',
    string,
  ];
  // action URIs may carry parameters after '&' (action/Publish&TopicArn=...)
  return { region, service, kind, target };
}

/** The Lambda function ARN of a Lambda integration URI (proxy or not). */
export function lambdaFunctionArnOf(uri: string): string | undefined {
  return /\/functions\/(arn:[^/]+)\/invocations$/.exec(uri)?.[1];
}

/** Why an AWS integration URI cannot run here, or undefined when it can. */
export function awsIntegrationRefusal(uri: string): string | undefined {
  const parsed = parseAwsUri(uri);
  if (!parsed)
    return `AWS integration Uri ${uri} is not an arn:aws:apigateway:<region>:<service>:action|path/... URI`;
  if (parsed.service === 'lambda') {
    return parsed.kind === 'path' && lambdaFunctionArnOf(uri)
      ? undefined
      : `AWS integration to Lambda must invoke a function (path/2015-03-31/functions/<arn>/invocations), got ${uri}`;
  }
  if (parsed.service === 'sns') return undefined;
  if (parsed.service === 'dynamodb') {
    return parsed.kind === 'action'
      ? undefined
      : `AWS integration to ${parsed.service} by path is not supported (action/<Action> is)`;
  }
  if (parsed.service === 'sqs') return undefined; // path/<account>/<queue> or action/<Action>
  if (parsed.service === 'states') {
    return parsed.kind === 'action'
      ? undefined
      : `AWS integration to ${parsed.service} by path is not supported (action/<Action> is)`;
  }
  return `AWS integration to service ${parsed.service} is not supported (lambda, dynamodb, sns, sqs and states are)`;
}

const text = (status: number, body: string, headers: Record<string, string> = {}): EndpointResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body,
  selectionValue: String(status),
});

async function callLambda(
  uri: string,
  request: IntegrationRequest,
  backends: AwsBackends,
): Promise<EndpointResponse> {
  const arn = lambdaFunctionArnOf(uri) as string;
  const spec = backends.findFunction(arn);
  if (!spec) throw new Error(`integration function ${arn} is not deployed`);
  let payload: unknown = {};
  if (request.body.trim() !== '') payload = JSON.parse(request.body); // not JSON: Lambda refuses it, 500 here
  const invocationType = headerValue(request.header, 'X-Amz-Invocation-Type') ?? 'RequestResponse';
  if (invocationType === 'Event') {
    if (!backends.invokeAsync) throw new Error('Event invocations are not available');
    backends.invokeAsync(spec, payload);
    return { ...text(202, ''), selectionValue: '' };
  }
  if (invocationType === 'DryRun') return { ...text(204, ''), selectionValue: '' };
  const outcome = await backends.invoke(spec, payload);
  if (outcome.ok) {
    const body = outcome.payload === undefined ? 'null' : JSON.stringify(outcome.payload);
    return { ...text(200, body), selectionValue: '' };
  }
  // Lambda answers a function error with 200 and the error document; API Gateway selects by its message
  const { errorType, errorMessage, trace } = outcome.error;
  const body = JSON.stringify({ errorMessage, errorType, stackTrace: trace ?? [] });
  return { ...text(200, body, { 'x-amz-function-error': 'Unhandled' }), selectionValue: errorMessage };
}

async function callDynamoDb(action: string, request: IntegrationRequest, backends: AwsBackends) {
  const endpoint = backends.endpoints.dynamodb;
  if (!endpoint) throw new Error('no DynamoDB endpoint in this cloud');
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${action}`,
      ...fakeSigV4('dynamodb', backends.region, 'content-type;host;x-amz-date;x-amz-target'),
    },
    body: request.body,
  });
  return endpointAnswer(response);
}

async function callSns(
  uri: AwsUri,
  httpMethod: string,
  request: IntegrationRequest,
  backends: AwsBackends,
): Promise<EndpointResponse> {
  const endpoint = backends.endpoints.sns;
  if (!endpoint) throw new Error('no SNS endpoint in this cloud');
  const query = new URLSearchParams();
  if (uri.kind === 'action') {
    // action/Publish, or action/Publish&TopicArn=... with parameters in the URI
    const [action, ...inline] = uri.target.split('&');
    for (const [name, value] of new URLSearchParams(inline.join('&'))) query.set(name, value);
    query.set('Action', action as string);
  } // path/...: the query protocol reads its Action from the body or the query string
  for (const [name, value] of Object.entries(request.querystring)) query.set(name, value);
  const method = httpMethod === 'ANY' ? 'POST' : httpMethod;
  // API Gateway asks for JSON unless the integration request says otherwise
  const accept = headerValue(request.header, 'accept') ?? 'application/json';
  const response = await fetch(`${endpoint}/${query.size ? `?${query}` : ''}`, {
    method,
    headers: {
      'content-type': headerValue(request.header, 'content-type') ?? 'application/x-www-form-urlencoded',
      accept,
      ...fakeSigV4('sns', backends.region, 'content-type;host;x-amz-date'),
    },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: request.body }),
  });
  return answerAsAccepted(await endpointAnswer(response), accept);
}

/** Calls the integration's backend; throws when it cannot be reached (API Gateway's 500). */
export async function callAwsIntegration(
  integration: { readonly uri: string; readonly httpMethod: string },
  request: IntegrationRequest,
  backends: AwsBackends,
): Promise<EndpointResponse> {
  const refusal = awsIntegrationRefusal(integration.uri);
  if (refusal) throw new Error(refusal);
  const uri = parseAwsUri(integration.uri) as AwsUri;
  if (uri.service === 'lambda') return callLambda(integration.uri, request, backends);
  if (uri.service === 'dynamodb') return callDynamoDb(uri.target, request, backends);
  if (uri.service === 'sqs') return callSqs(uri, integration.httpMethod, request, backends);
  if (uri.service === 'states') return callStepFunctions(uri.target, request, backends);
  return callSns(uri, integration.httpMethod, request, backends);
}
