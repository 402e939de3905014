import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  ApiKeySourceType,
  AuthorizationType,
  AwsIntegration,
  IdentitySource,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  MockIntegration,
  PassthroughBehavior,
  RequestAuthorizer,
  ResponseType,
  RestApi,
  TokenAuthorizer,
} from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';

/**
 * A small CDK app for Lambda authorizers and non-proxy integrations: TOKEN authorizers with and
 * without a result cache, a REQUEST authorizer, proxy and non-proxy (VTL) Lambda integrations,
 * DynamoDB PutItem/GetItem/Scan service integrations, an Event invocation, a MOCK with VTL, stage
 * variables, AWS::ApiGateway::Account and an API whose keys come from its authorizer. Its
 * synthesized assembly is committed (test/emulator/fixtures/authz); regenerate it after a change
 * with `npx tsx test/emulator/apigateway/authz-fixture-app.ts`.
 */
export const FIXTURE_ASSEMBLY = join(import.meta.dirname, '..', 'fixtures', 'authz');
export const KEYED_API_KEY = 'authzFixtureKey0123456789abcdef';

export function synthAuthzFixture(outdir: string): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Authz-App');
  const code = Code.fromAsset(join(import.meta.dirname, 'authz-fixture-function'));
  const fn = (id: string, handler: string) =>
    new LambdaFunction(stack, id, {
      runtime: Runtime.NODEJS_22_X,
      handler,
      code,
      timeout: Duration.seconds(10),
    });
  const authorizerFn = fn('TokenAuthorizerFn', 'index.authorize');
  const requestAuthorizerFn = fn('RequestAuthorizerFn', 'index.authorizeRequest');
  const echo = new LambdaIntegration(fn('EchoFn', 'index.echo'));

  const api = new RestApi(stack, 'Api', {
    cloudWatchRole: true, // AWS::ApiGateway::Account and its role
    deployOptions: { stageName: 'test', variables: { env: 'fixture' } },
  });
  const token = (id: string, ttl: number) =>
    new TokenAuthorizer(stack, id, {
      handler: authorizerFn,
      resultsCacheTtl: Duration.seconds(ttl),
      validationRegex: '^(allow|allow-one|allow-key|deny|elsewhere|unauthorized|boom|bad|nested):.*$',
    });
  const cached = token('CachedAuthorizer', 300);
  const fresh = token('FreshAuthorizer', 0);
  const short = token('ShortAuthorizer', 1);
  const custom = (authorizer: TokenAuthorizer | RequestAuthorizer) => ({
    authorizer,
    authorizationType: AuthorizationType.CUSTOM,
  });
  const cachedResource = api.root.addResource('cached');
  cachedResource.addMethod('GET', echo, custom(cached));
  cachedResource.addResource('other').addMethod('GET', echo, custom(cached));
  api.root.addResource('fresh').addMethod('GET', echo, custom(fresh));
  api.root.addResource('short').addMethod('GET', echo, custom(short));
  const byRequest = new RequestAuthorizer(stack, 'RequestAuthorizer', {
    handler: requestAuthorizerFn,
    identitySources: [IdentitySource.header('X-User'), IdentitySource.queryString('tenant')],
    resultsCacheTtl: Duration.minutes(5),
  });
  api.root.addResource('request').addMethod('GET', echo, custom(byRequest));

  // non-proxy Lambda: VTL in and out, errors selected by message
  const greeting = new LambdaIntegration(fn('GreetFn', 'index.greet'), {
    proxy: false,
    passthroughBehavior: PassthroughBehavior.NEVER,
    requestTemplates: {
      'application/json': [
        "#set($body = $input.path('$'))",
        '{"name": "$util.escapeJavaScript($body.name)", "who": "$context.authorizer.principalId",',
        ' "tenant": "$context.authorizer.user", "raw": $input.json(\'$\')}',
      ].join('\n'),
    },
    integrationResponses: [
      {
        statusCode: '200',
        responseParameters: { 'method.response.header.X-Greeting': 'integration.response.body.message' },
        responseTemplates: {
          'application/json':
            '{"greeting": "$util.escapeJavaScript($input.path(\'$.message\'))", "who": "$input.path(\'$.who\')", "stage": "$stageVariables.env"}',
        },
      },
      {
        selectionPattern: 'NotFound:.*',
        statusCode: '404',
        responseTemplates: {
          'application/json': '{"error": "$util.escapeJavaScript($input.path(\'$.errorMessage\'))"}',
        },
      },
      { selectionPattern: 'Invalid:.*', statusCode: '400' },
    ],
  });
  api.root.addResource('greet').addMethod('POST', greeting, {
    ...custom(cached),
    methodResponses: [
      { statusCode: '200', responseParameters: { 'method.response.header.X-Greeting': true } },
      { statusCode: '404' },
      { statusCode: '400' },
    ],
  });

  // X-Amz-Invocation-Type: Event, answered at once
  const recording = new LambdaIntegration(fn('RecordFn', 'index.record'), {
    proxy: false,
    requestParameters: { 'integration.request.header.X-Amz-Invocation-Type': "'Event'" },
    requestTemplates: {
      'application/json': '{"note": $input.json(\'$.note\'), "requestId": "$context.requestId"}',
    },
    integrationResponses: [
      { statusCode: '202', responseTemplates: { 'application/json': '{"accepted": true}' } },
    ],
  });
  api.root.addResource('record').addMethod('POST', recording, { methodResponses: [{ statusCode: '202' }] });

  // DynamoDB actions
  const table = new Table(stack, 'Items', {
    partitionKey: { name: 'id', type: AttributeType.STRING },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new Role(stack, 'ApiDynamoRole', {
    assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
  });
  table.grantReadWriteData(role);
  const dynamo = (action: string, requestTemplate: string, okTemplate: string) =>
    new AwsIntegration({
      service: 'dynamodb',
      action,
      options: {
        credentialsRole: role,
        requestTemplates: { 'application/json': requestTemplate },
        integrationResponses: [
          { statusCode: '200', responseTemplates: { 'application/json': okTemplate } },
          {
            selectionPattern: '4\\d{2}',
            statusCode: '400',
            // DynamoDB's error document: its __type, and message (Message in some answers)
            responseTemplates: {
              'application/json':
                '{"error": "$input.path(\'$.message\')$input.path(\'$.Message\')", "type": "$input.path(\'$.__type\')"}',
            },
          },
        ],
      },
    });
  const responses = { methodResponses: [{ statusCode: '200' }, { statusCode: '400' }] };
  const items = api.root.addResource('items');
  const item = items.addResource('{id}');
  item.addMethod(
    'PUT',
    dynamo(
      'PutItem',
      `{"TableName": "${table.tableName}", "Item": {"id": {"S": "$input.params('id')"}, "name": {"S": "$util.escapeJavaScript($input.path('$.name'))"}}}`,
      '{"stored": "$input.params(\'id\')"}',
    ),
    responses,
  );
  item.addMethod(
    'GET',
    dynamo(
      'GetItem',
      `{"TableName": "${table.tableName}", "Key": {"id": {"S": "$input.params('id')"}}}`,
      '#if("$input.path(\'$.Item\')" == "")#set($context.responseOverride.status = 404){"found": false}#else{"id": "$input.path(\'$.Item.id.S\')", "name": "$util.escapeJavaScript($input.path(\'$.Item.name.S\'))"}#end',
    ),
    responses,
  );
  items.addMethod(
    'GET',
    dynamo(
      'Scan',
      `{"TableName": "${table.tableName}"}`,
      '#set($items = $input.path(\'$.Items\'))[#foreach($i in $items){"id": "$i.id.S", "name": "$util.escapeJavaScript($i.name.S)"}#if($foreach.hasNext),#end#end]',
    ),
    responses,
  );
  items
    .addResource('broken')
    .addMethod(
      'GET',
      dynamo('GetItem', '{"TableName": "no-such-table", "Key": {"id": {"S": "x"}}}', '{}'),
      responses,
    );

  // SNS Publish (query protocol): the template writes the form body
  const topic = new Topic(stack, 'Notes');
  topic.addSubscription(new LambdaSubscription(fn('SnsReceiverFn', 'index.record')));
  const publishRole = new Role(stack, 'ApiSnsRole', {
    assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
  });
  topic.grantPublish(publishRole);
  api.root.addResource('publish').addMethod(
    'POST',
    new AwsIntegration({
      service: 'sns',
      action: 'Publish',
      options: {
        credentialsRole: publishRole,
        passthroughBehavior: PassthroughBehavior.NEVER,
        requestParameters: {
          'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
        },
        requestTemplates: {
          'application/json': `TopicArn=$util.urlEncode('${topic.topicArn}')&Message=$util.urlEncode($input.body)`,
        },
        integrationResponses: [
          { statusCode: '200', responseTemplates: { 'application/json': '{"published": true}' } },
          { selectionPattern: '4\\d{2}', statusCode: '400' },
        ],
      },
    }),
    { methodResponses: [{ statusCode: '200' }, { statusCode: '400' }] },
  );
  // the path form samples use (path: <account>/<topic name>), the Action in the body, SNS's JSON answer read back
  api.root.addResource('publish-path').addMethod(
    'POST',
    new AwsIntegration({
      service: 'sns',
      path: `${stack.account}/${topic.topicName}`,
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: publishRole,
        requestParameters: {
          'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
        },
        requestTemplates: {
          'application/json': [
            'Action=Publish',
            `TargetArn=$util.urlEncode('${topic.topicArn}')`,
            'Message=$util.urlEncode($input.body)',
            'MessageAttributes.entry.1.Name=kind',
            'MessageAttributes.entry.1.Value.DataType=String',
            'MessageAttributes.entry.1.Value.StringValue=path-form',
          ].join('&'),
        },
        integrationResponses: [
          {
            statusCode: '200',
            selectionPattern: '200',
            responseTemplates: {
              'application/json':
                '{"messageId": "$input.path(\'$.PublishResponse.PublishResult.MessageId\')"}',
            },
          },
          { selectionPattern: '4\\d{2}', statusCode: '400' },
        ],
      },
    }),
    { methodResponses: [{ statusCode: '200' }, { statusCode: '400' }] },
  );

  // the API's own answers: CORS on authorizer refusals (a template), a header on every other 4XX
  api.addGatewayResponse('UnauthorizedResponse', {
    type: ResponseType.UNAUTHORIZED,
    responseHeaders: { 'Access-Control-Allow-Origin': "'*'" },
    templates: {
      'application/json':
        '{"error": $context.error.messageString, "type": "$context.error.responseType", "env": "$stageVariables.env"}',
    },
  });
  api.addGatewayResponse('Default4xx', {
    type: ResponseType.DEFAULT_4XX,
    responseHeaders: { 'X-Fixture': "'4xx'" },
  });

  // a body validated against its model (JSON Schema draft 4)
  const album = api.addModel('AlbumModel', {
    contentType: 'application/json',
    schema: {
      schema: JsonSchemaVersion.DRAFT4,
      type: JsonSchemaType.OBJECT,
      required: ['artist', 'tracks'],
      properties: {
        artist: { type: JsonSchemaType.STRING, minLength: 1 },
        tracks: { type: JsonSchemaType.ARRAY, items: { type: JsonSchemaType.OBJECT, required: ['title'] } },
      },
    },
  });
  api.root.addResource('albums').addMethod(
    'POST',
    new MockIntegration({
      requestTemplates: { 'application/json': '{"statusCode": 201}' },
      integrationResponses: [
        { statusCode: '201', responseTemplates: { 'application/json': '{"created": true}' } },
      ],
    }),
    {
      requestModels: { 'application/json': album },
      requestValidatorOptions: { validateRequestBody: true },
      methodResponses: [{ statusCode: '201' }],
    },
  );

  // MOCK with VTL and a stage variable
  api.root.addResource('mock').addMethod(
    'GET',
    new MockIntegration({
      requestTemplates: {
        'application/json': '{"statusCode": #if($input.params(\'x\') == "missing")404#{else}200#end}',
      },
      integrationResponses: [
        {
          statusCode: '200',
          responseTemplates: {
            'application/json':
              '{"x": "$input.params(\'x\')", "env": "$stageVariables.env", "stage": "$context.stage"}',
          },
        },
        {
          selectionPattern: '404',
          statusCode: '404',
          responseTemplates: { 'application/json': '{"missing": true}' },
        },
      ],
    }),
    { methodResponses: [{ statusCode: '200' }, { statusCode: '404' }] },
  );

  // an API whose API keys come from its authorizer (usageIdentifierKey)
  const keyed = new RestApi(stack, 'KeyedApi', {
    apiKeySourceType: ApiKeySourceType.AUTHORIZER,
    deployOptions: { stageName: 'test' },
    cloudWatchRole: false,
  });
  keyed.root.addResource('keyed').addMethod('GET', echo, {
    ...custom(token('KeyedAuthorizer', 0)),
    apiKeyRequired: true,
  });
  const key = keyed.addApiKey('Key', { value: KEYED_API_KEY });
  keyed.addUsagePlan('Plan', { apiStages: [{ api: keyed, stage: keyed.deploymentStage }] }).addApiKey(key);

  new CfnOutput(stack, 'ApiUrl', { value: api.url });
  new CfnOutput(stack, 'KeyedApiUrl', { value: keyed.url });
  app.synth();
  rmSync(join(outdir, 'tree.json'), { force: true }); // not read by the embedded cloud
  return outdir;
}

if (process.argv[1] === import.meta.filename) {
  rmSync(FIXTURE_ASSEMBLY, { recursive: true, force: true });
  console.log(`synthesized into ${synthAuthzFixture(FIXTURE_ASSEMBLY)}`);
}
