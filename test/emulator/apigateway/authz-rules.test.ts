import { describe, expect, it } from 'vitest';
import { identityValues, parseIdentitySources } from '../../../emulator/apigateway/authorizers/identity.ts';
import {
  evaluatePolicy,
  methodArn,
  parseAuthorizerOutput,
  wildcardMatch,
} from '../../../emulator/apigateway/authorizers/policy.ts';
import { apiAuthorizer } from '../../../emulator/apigateway/authorizers/resources.ts';
import {
  awsIntegrationRefusal,
  parseAwsUri,
} from '../../../emulator/apigateway/integrations/aws-integration.ts';
import { evaluateJsonPath } from '../../../emulator/apigateway/integrations/json-path.ts';
import {
  chooseRequestTemplate,
  chooseResponseTemplate,
  selectIntegrationResponse,
} from '../../../emulator/apigateway/integrations/mapping.ts';
import { queryAnswerAsJson } from '../../../emulator/apigateway/integrations/query-json.ts';
import {
  escapeJavaScript,
  renderTemplate,
  urlEncode,
} from '../../../emulator/apigateway/integrations/vtl.ts';
import { schemaProblem } from '../../../emulator/apigateway/json-schema.ts';
import { runMockIntegration } from '../../../emulator/apigateway/mock-integration.ts';
import { apiMethod } from '../../../emulator/apigateway/resources.ts';

/** The pure rules behind authorizers and mapping templates (no server). */
const arn = methodArn({
  region: 'us-east-1',
  accountId: '123456789012',
  apiId: 'abc123',
  stage: 'prod',
  httpMethod: 'GET',
  path: '/pets/7',
});

describe('authorizer policies', () => {
  const statement = (Effect: string, Resource: unknown, Action: unknown = 'execute-api:Invoke') => ({
    Effect,
    Action,
    Resource,
  });
  const decide = (...Statement: unknown[]) => {
    const output = parseAuthorizerOutput({ principalId: 'p', policyDocument: { Statement } });
    if ('invalid' in output) throw new Error(output.invalid);
    return evaluatePolicy(output.statements, arn);
  };

  it('builds the method ARN API Gateway evaluates', () => {
    expect(arn).toBe('arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/7');
  });

  it('matches resources with * (across slashes) and ?, actions case-insensitively', () => {
    expect(wildcardMatch('arn:aws:execute-api:*:*:abc123/*', arn)).toBe(true);
    expect(wildcardMatch('arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/?', arn)).toBe(
      true,
    );
    expect(wildcardMatch('arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/*', arn)).toBe(false);
    expect(decide(statement('Allow', '*', 'execute-api:*'))).toBe('allow');
    expect(decide(statement('Allow', '*', 'EXECUTE-API:invoke'))).toBe('allow');
    expect(decide(statement('Allow', '*', 's3:GetObject'))).toBe('implicit-deny');
  });

  it('lets an explicit Deny win over any Allow; nothing matching is an implicit deny', () => {
    expect(
      decide(statement('Allow', [arn]), statement('Deny', 'arn:aws:execute-api:*:*:abc123/prod/GET/*')),
    ).toBe('explicit-deny');
    expect(decide(statement('Allow', 'arn:aws:execute-api:*:*:other/*'))).toBe('implicit-deny');
    expect(decide({ Effect: 'Allow', Action: 'execute-api:Invoke', NotResource: 'arn:*:POST/*' })).toBe(
      'allow',
    );
  });

  it('refuses answers API Gateway cannot read (500 AuthorizerConfigurationException)', () => {
    const allow = { Statement: [statement('Allow', '*')] };
    expect(parseAuthorizerOutput(undefined)).toHaveProperty('invalid');
    expect(parseAuthorizerOutput({ policyDocument: allow })).toHaveProperty('invalid');
    expect(parseAuthorizerOutput({ principalId: 'p' })).toHaveProperty('invalid');
    expect(
      parseAuthorizerOutput({ principalId: 'p', policyDocument: { Statement: [statement('Maybe', '*')] } }),
    ).toHaveProperty('invalid');
    expect(
      parseAuthorizerOutput({ principalId: 'p', policyDocument: allow, context: { a: [1] } }),
    ).toHaveProperty('invalid');
    expect(
      parseAuthorizerOutput({
        principalId: 7,
        policyDocument: JSON.stringify(allow),
        context: { n: 1, b: false, s: 'x' },
      }),
    ).toMatchObject({ principalId: '7', context: { n: '1', b: 'false', s: 'x' } });
  });
});

describe('identity sources', () => {
  const request = {
    headers: { authorization: 'tok', 'x-user': '' },
    query: new URLSearchParams('tenant=acme&tenant=beta'),
    stageVariables: { env: 'dev' },
    context: { identity: { sourceIp: '127.0.0.1' } },
  };

  it('reads headers (any case), query strings, stage variables and context values', () => {
    const sources = parseIdentitySources(
      'method.request.header.Authorization, method.request.querystring.tenant, stageVariables.env, context.identity.sourceIp',
    );
    expect(identityValues(sources, request)).toEqual(['tok', 'beta', 'dev', '127.0.0.1']);
    expect(identityValues(['method.request.multivaluequerystring.tenant'], request)).toEqual(['acme,beta']);
  });

  it('is missing (401) when one source is absent or empty', () => {
    expect(
      identityValues(['method.request.header.Authorization', 'method.request.header.X-User'], request),
    ).toBe(undefined);
    expect(identityValues(['method.request.querystring.nope'], request)).toBe(undefined);
    expect(identityValues([], request)).toEqual([]);
  });

  it('refuses COGNITO_USER_POOLS and malformed sources up front', () => {
    expect(
      apiAuthorizer.unsupported?.({ Type: 'COGNITO_USER_POOLS' }, 'AWS::ApiGateway::Authorizer'),
    ).toEqual([
      'COGNITO_USER_POOLS authorizers are not supported (no Cognito here; TOKEN and REQUEST Lambda authorizers are)',
    ]);
    expect(
      apiAuthorizer.unsupported?.({ Type: 'TOKEN', IdentitySource: 'method.request.querystring.t' }, 'x'),
    ).toHaveLength(1);
    expect(apiAuthorizer.unsupported?.({ Type: 'REQUEST', IdentitySource: 'body.x' }, 'x')).toHaveLength(1);
  });
});

describe('mapping templates (velocityjs)', () => {
  const input = (body: string, extra: Partial<Parameters<typeof renderTemplate>[1]> = {}) => ({
    body,
    params: { path: { id: '7' }, querystring: { q: 'a b' }, header: { 'X-Trace': 't1' } },
    context: { requestId: 'r1', authorizer: { principalId: 'ada', role: 'admin' } },
    stageVariables: { table: 'pets' },
    ...extra,
  });

  it('gives $input (body, json, path, params), $context, $stageVariables and $util', () => {
    const template = [
      "#set($pet = $input.path('$.pet'))",
      '{"id": "$input.params(\'id\')", "q": "$input.params(\'q\')", "trace": "$input.params(\'x-trace\')",',
      '"name": "$pet.name", "tags": $input.json(\'$.pet.tags\'), "count": $pet.tags.size(),',
      '"who": "$context.authorizer.principalId", "table": "$stageVariables.table",',
      '"enc": "$util.urlEncode($input.params(\'q\'))", "b64": "$util.base64Encode(\'hi\')",',
      '"dec": "$util.base64Decode(\'aGk=\')", "parsed": "$util.parseJson(\'{"k": 5}\').k", "missing": "$input.path(\'$.nope\')"}',
    ].join('\n');
    const { output } = renderTemplate(template, input('{"pet": {"name": "Rex", "tags": ["a", "b"]}}'));
    expect(JSON.parse(output)).toEqual({
      id: '7',
      q: 'a b',
      trace: 't1',
      name: 'Rex',
      tags: ['a', 'b'],
      count: 2,
      who: 'ada',
      table: 'pets',
      enc: 'a+b',
      b64: 'aGk=',
      dec: 'hi',
      parsed: '5',
      missing: '',
    });
  });

  it('answers the Java methods templates call on strings, lists and maps', () => {
    const template = [
      "#set($s = \"a-b-c\")#set($l = $input.path('$.list'))#set($m = $input.path('$.map'))",
      '$s.length() $s.isEmpty() $s.contains("b") $s.matches("[a-c-]+") $s.replaceAll("-", "_") $s.split("-").size()',
      '$l.isEmpty() $l.contains(2) $m.containsKey("k") $m.isEmpty() $s.toUpperCase() $s.equalsIgnoreCase("A-B-C")',
    ].join('\n');
    const { output } = renderTemplate(template, input('{"list": [1, 2], "map": {"k": 1}}'));
    // (a line of #set directives leaves no line behind, as in Velocity)
    expect(output.split('\n')).toEqual(['5 false true true a_b_c 3', 'false true true false A-B-C true']);
  });

  it('collects request and response overrides; a status outside 100-599 is ignored', () => {
    const { overrides } = renderTemplate(
      '#set($context.responseOverride.status = 201)#set($context.responseOverride.header.X-A = "1")#set($context.requestOverride.querystring.q = "z")',
      input(''),
    );
    expect(overrides.response).toEqual({ status: 201, header: { 'X-A': '1' } });
    expect(overrides.request.querystring).toEqual({ q: 'z' });
    expect(
      renderTemplate('#set($context.responseOverride.status = 999)', input('')).overrides.response,
    ).toEqual({
      header: {},
    });
  });

  it("escapes as commons-lang escapeJavaScript does, and URL-encodes as Java's URLEncoder", () => {
    expect(escapeJavaScript('it\'s "x"/\\\n\té')).toBe('it\\\'s \\"x\\"\\/\\\\\\n\\t\\u00E9');
    expect(urlEncode("a b&c=d~*'")).toBe('a+b%26c%3Dd%7E*%27');
  });

  it('evaluates the JSONPath subset of $input.path', () => {
    const doc = { a: { b: [{ c: 1 }, { c: 2 }] }, 'x-y': true };
    expect(evaluateJsonPath(doc, '$.a.b[1].c')).toBe(2);
    expect(evaluateJsonPath(doc, "$['x-y']")).toBe(true);
    expect(evaluateJsonPath(doc, '$.a.b[*].c')).toEqual([1, 2]);
    expect(evaluateJsonPath(doc, '$.a.zz')).toBe(undefined);
  });
});

describe('integration request and response selection', () => {
  const templates = { 'application/json': 'J', 'application/xml': 'X' };

  it('picks the request template by Content-Type, then applies the passthrough behaviour', () => {
    expect(chooseRequestTemplate({ requestTemplates: templates }, 'application/xml')).toEqual({
      kind: 'template',
      template: 'X',
    });
    expect(chooseRequestTemplate({ requestTemplates: templates }, 'text/plain')).toEqual({
      kind: 'passthrough',
    });
    const noTemplates = { requestTemplates: {}, passthroughBehavior: 'WHEN_NO_TEMPLATES' };
    expect(chooseRequestTemplate(noTemplates, 'text/plain')).toEqual({ kind: 'passthrough' });
    expect(
      chooseRequestTemplate(
        { requestTemplates: templates, passthroughBehavior: 'WHEN_NO_TEMPLATES' },
        'text/plain',
      ),
    ).toEqual({ kind: 'unsupported' });
    expect(
      chooseRequestTemplate({ requestTemplates: {}, passthroughBehavior: 'NEVER' }, 'text/plain'),
    ).toEqual({
      kind: 'unsupported',
    });
  });

  it('selects by whole-value regex, else the default response', () => {
    const responses = [
      { statusCode: 200, responseParameters: {}, responseTemplates: {} },
      { statusCode: 404, selectionPattern: 'NotFound.*', responseParameters: {}, responseTemplates: {} },
      { statusCode: 500, selectionPattern: '5\\d{2}', responseParameters: {}, responseTemplates: {} },
    ];
    expect(selectIntegrationResponse(responses, 'NotFound: x')?.statusCode).toBe(404);
    expect(selectIntegrationResponse(responses, 'Oops NotFound')?.statusCode).toBe(200);
    expect(selectIntegrationResponse(responses, '503')?.statusCode).toBe(500);
    expect(selectIntegrationResponse(responses.slice(1), '200')).toBe(undefined);
  });

  it('picks the response template by Accept, else application/json, else the first', () => {
    expect(chooseResponseTemplate(templates, 'application/xml')?.template).toBe('X');
    expect(chooseResponseTemplate(templates, 'text/html')?.template).toBe('J');
    expect(chooseResponseTemplate({ 'text/plain': 'T' }, undefined)?.template).toBe('T');
    expect(chooseResponseTemplate({}, undefined)).toBe(undefined);
  });

  it('turns a query-protocol answer into the JSON AWS gives API Gateway (members as lists)', () => {
    const xml =
      '<?xml version="1.0"?><ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult><Topics><member><TopicArn>a</TopicArn></member><member><TopicArn>b</TopicArn></member></Topics></ListTopicsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListTopicsResponse>';
    expect(JSON.parse(queryAnswerAsJson(xml) ?? '')).toEqual({
      ListTopicsResponse: {
        ListTopicsResult: { Topics: [{ TopicArn: 'a' }, { TopicArn: 'b' }] },
        ResponseMetadata: { RequestId: 'r' },
      },
    });
    expect(queryAnswerAsJson('not xml')).toBe(undefined);
  });

  it('runs Lambda, DynamoDB, SNS, SQS and Step Functions AWS integrations, and names what it cannot run up front', () => {
    expect(parseAwsUri('arn:aws:apigateway:us-east-1:dynamodb:action/PutItem')).toEqual({
      region: 'us-east-1',
      service: 'dynamodb',
      kind: 'action',
      target: 'PutItem',
    });
    expect(awsIntegrationRefusal('arn:aws:apigateway:us-east-1:sns:action/Publish')).toBe(undefined);
    expect(awsIntegrationRefusal('arn:aws:apigateway:us-east-1:sqs:path/123/q')).toBe(undefined);
    expect(awsIntegrationRefusal('arn:aws:apigateway:us-east-1:sqs:action/SendMessage')).toBe(undefined);
    expect(awsIntegrationRefusal('arn:aws:apigateway:us-east-1:states:action/StartExecution')).toBe(
      undefined,
    );
    expect(awsIntegrationRefusal('arn:aws:apigateway:us-east-1:states:path/x')).toBe(
      'AWS integration to states by path is not supported (action/<Action> is)',
    );
    expect(
      apiMethod.unsupported?.(
        { Integration: { Type: 'AWS', Uri: 'arn:aws:apigateway:us-east-1:s3:path/b/k' } },
        'AWS::ApiGateway::Method',
      ),
    ).toEqual(['AWS integration to service s3 is not supported (lambda, dynamodb, sns, sqs and states are)']);
    // as CDK writes it: Fn::Join of the partition, the region and the literal service part
    const sketched = (service: string) => ({
      Integration: {
        Type: 'AWS',
        Uri: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, `:${service}`],
          ],
        },
      },
    });
    expect(apiMethod.unsupported?.(sketched('sqs:path/123/queue'), 'AWS::ApiGateway::Method')).toEqual([]);
    expect(apiMethod.unsupported?.(sketched('states:action/StartSyncExecution'), 'x')).toEqual([]);
    expect(apiMethod.unsupported?.(sketched('s3:path/bucket/key'), 'AWS::ApiGateway::Method')).toEqual([
      'AWS integration to service s3 is not supported (lambda, dynamodb, sns, sqs and states are)',
    ]);
    expect(apiMethod.unsupported?.(sketched('dynamodb:action/PutItem'), 'AWS::ApiGateway::Method')).toEqual(
      [],
    );
    expect(apiMethod.unsupported?.(sketched('lambda:path/2015-03-31/functions/'), 'x')).toEqual([]);
    expect(apiMethod.unsupported?.({ Integration: { Type: 'HTTP' } }, 'AWS::ApiGateway::Method')).toEqual([
      'integration type HTTP is not supported (AWS_PROXY, AWS and MOCK are)',
    ]);
  });
});

describe('MOCK integrations with VTL', () => {
  it("answers CDK's multi-origin CORS preflight with the caller's origin when it is allowed", () => {
    // what RestApi defaultCorsPreflightOptions with two origins generates
    const template = [
      '#set($origin = $input.params().header.get("Origin"))',
      '#if($origin == "")',
      '  #set($origin = $input.params().header.get("origin"))',
      '#end',
      '#if($origin == "https://b.example")',
      '  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)',
      '#end',
    ].join('\n');
    const preflight = {
      type: 'MOCK' as const,
      requestTemplates: { 'application/json': '{ statusCode: 200 }' },
      integrationResponses: [
        {
          statusCode: 204,
          responseParameters: { 'method.response.header.Access-Control-Allow-Origin': "'https://a.example'" },
          responseTemplates: { 'application/json': template },
        },
      ],
    };
    const ask = (origin: string) =>
      runMockIntegration(preflight, {
        headers: { origin },
        query: new URLSearchParams(),
        pathParameters: {},
        context: {},
      });
    expect(ask('https://b.example')).toMatchObject({
      statusCode: 204,
      headers: { 'access-control-allow-origin': 'https://b.example' },
    });
    expect(ask('https://evil.example').headers['access-control-allow-origin']).toBe('https://a.example');
  });
});

describe('request models (JSON Schema draft 4)', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      id: { $ref: '#/definitions/id' },
      size: { type: 'number', minimum: 0, exclusiveMinimum: true },
      kind: { enum: ['a', 'b'] },
      tags: { type: 'array', maxItems: 2, items: { type: 'string', pattern: '^[a-z]+$' } },
      either: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
    },
    definitions: { id: { type: 'integer' } },
  };

  it('accepts what matches and names the first problem of what does not', () => {
    expect(schemaProblem({ id: 3, size: 1.5, kind: 'a', tags: ['x'], either: 2 }, schema)).toBe(undefined);
    expect(schemaProblem({ id: 'x' }, schema)).toBe('$.id: expected integer');
    expect(schemaProblem({ size: 0 }, schema)).toBe('$.size: below the minimum');
    expect(schemaProblem({ kind: 'c' }, schema)).toBe('$.kind: not one of the enum values');
    expect(schemaProblem({ tags: ['a', 'b', 'c'] }, schema)).toBe('$.tags: too many items');
    expect(schemaProblem({ tags: ['A'] }, schema)).toBe('$.tags[0]: pattern');
    expect(schemaProblem({ either: 1.5 }, schema)).toBe('$.either: oneOf');
    expect(schemaProblem({ other: 1 }, schema)).toBe('$: other is not allowed');
    expect(schemaProblem([], schema)).toBe('$: expected object');
  });

  it('takes body keys named like Object.prototype members as keys (no schema found for them)', () => {
    // JSON.parse makes `__proto__` an own key, as a client's body would
    for (const body of ['{"constructor":1}', '{"toString":"x"}', '{"__proto__":{}}', '{"hasOwnProperty":2}'])
      expect(schemaProblem(JSON.parse(body), schema), body).toBe(
        `$: ${Object.keys(JSON.parse(body))[0]} is not allowed`,
      );
  });
});
