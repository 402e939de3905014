import { join } from 'node:path';
import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { LambdaIntegration, PassthroughBehavior, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { compatApp, LOCK_FILE, PROJECT_ROOT } from '../cdk-app.ts';

/**
 * Non-proxy Lambda integrations: VTL request and response templates, an error mapped by its
 * selection pattern, and an asynchronous one (X-Amz-Invocation-Type: Event).
 */
export function synthesize(outdir: string): void {
  const app = compatApp(outdir);
  const stack = new Stack(app, 'Compat-VtlIntegration');
  const common = { runtime: Runtime.NODEJS_22_X, projectRoot: PROJECT_ROOT, depsLockFilePath: LOCK_FILE };
  const greeter = new NodejsFunction(stack, 'Greeter', {
    ...common,
    entry: join(import.meta.dirname, 'greeter.ts'),
  });
  const events = new Table(stack, 'Events', {
    partitionKey: { name: 'id', type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const recorder = new NodejsFunction(stack, 'Recorder', {
    ...common,
    entry: join(import.meta.dirname, 'recorder.ts'),
    environment: { EVENTS_TABLE: events.tableName },
  });
  events.grantWriteData(recorder);

  const api = new RestApi(stack, 'Api');
  const greeting = new LambdaIntegration(greeter, {
    proxy: false,
    passthroughBehavior: PassthroughBehavior.WHEN_NO_TEMPLATES,
    requestTemplates: {
      'application/json': `{"name": "$util.escapeJavaScript($input.params('name'))", "method": "$context.httpMethod"}`,
    },
    integrationResponses: [
      {
        statusCode: '200',
        responseTemplates: {
          'application/json': `#set($greeting = $input.path('$.greeting'))
{"message": "$greeting", "length": $greeting.length(), "via": "$input.path('$.method')"}`,
        },
      },
      {
        statusCode: '404',
        selectionPattern: 'no such person.*',
        responseTemplates: { 'application/json': `{"error": "$input.path('$.errorMessage')"}` },
      },
    ],
  });
  api.root.addResource('greeting').addMethod('GET', greeting, {
    methodResponses: [{ statusCode: '200' }, { statusCode: '404' }],
  });
  const recording = new LambdaIntegration(recorder, {
    proxy: false,
    requestParameters: { 'integration.request.header.X-Amz-Invocation-Type': "'Event'" },
    requestTemplates: { 'application/json': `{"id": "$input.path('$.id')", "body": $input.json('$')}` },
    integrationResponses: [
      { statusCode: '202', responseTemplates: { 'application/json': '{"accepted": true}' } },
    ],
  });
  api.root.addResource('events').addMethod('POST', recording, { methodResponses: [{ statusCode: '202' }] });
  new CfnOutput(stack, 'ApiUrl', { value: api.url });
  new CfnOutput(stack, 'EventsTable', { value: events.tableName });
  app.synth();
}
