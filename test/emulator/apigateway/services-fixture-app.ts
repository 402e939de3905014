import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AwsIntegration, PassthroughBehavior, StepFunctionsRestApi } from 'aws-cdk-lib/aws-apigateway';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';

/**
 * A small CDK app for API Gateway's AWS service integrations to SQS and Step Functions, written as
 * public samples write them: SendMessage by `path/<account>/<queue>` with a form template (query
 * protocol, SQS's JSON answer read back), by `action/SendMessage` and with the AWS JSON protocol, StartExecution with a JSON
 * template, and CDK's StepFunctionsRestApi (StartSyncExecution on an EXPRESS state machine). Its
 * synthesized assembly is committed (test/emulator/fixtures/apisvc); regenerate it after a change
 * with `node test/emulator/apigateway/services-fixture-app.ts`.
 */
export const FIXTURE_ASSEMBLY = join(import.meta.dirname, '..', 'fixtures', 'apisvc');

export function synthServicesFixture(outdir: string): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'ApiSvc-App');
  const role = new Role(stack, 'ApiServicesRole', {
    assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
  });

  // CDK's StepFunctionsRestApi: ANY / runs the EXPRESS state machine synchronously
  const express = new StateMachine(stack, 'Greeter', {
    stateMachineType: StateMachineType.EXPRESS,
    definitionBody: DefinitionBody.fromChainable(
      new Pass(stack, 'Greet', {
        parameters: {
          'greeting.$': "States.Format('hello {}', $.body.name)",
          'lang.$': '$.querystring.lang',
          'headers.$': '$.header',
          'stage.$': '$.requestContext.stage',
        },
      }),
    ),
  });
  const api = new StepFunctionsRestApi(stack, 'ServicesApi', {
    stateMachine: express,
    headers: true,
    requestContext: { stage: true, httpMethod: true },
    deployOptions: { stageName: 'test' },
    cloudWatchRole: false,
  });

  const queue = new Queue(stack, 'Inbox', { removalPolicy: RemovalPolicy.DESTROY });
  queue.grantSendMessages(role);
  const form = { 'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'" };
  const sendResponses = [
    {
      statusCode: '200',
      selectionPattern: '200',
      responseTemplates: {
        'application/json':
          '{"messageId": "$input.path(\'$.SendMessageResponse.SendMessageResult.MessageId\')"}',
      },
    },
    { selectionPattern: '4\\d{2}', statusCode: '400' },
  ];
  const sendMethod = { methodResponses: [{ statusCode: '200' }, { statusCode: '400' }] };
  // the path form: path/<account>/<queue name>, the Action in the form body
  api.root.addResource('queue').addMethod(
    'POST',
    new AwsIntegration({
      service: 'sqs',
      path: `${stack.account}/${queue.queueName}`,
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: role,
        passthroughBehavior: PassthroughBehavior.NEVER,
        requestParameters: form,
        requestTemplates: {
          'application/json': 'Action=SendMessage&MessageBody=$util.urlEncode($input.body)',
        },
        integrationResponses: sendResponses,
      },
    }),
    sendMethod,
  );
  // the action form: action/SendMessage, the QueueUrl in the body
  api.root.addResource('queue-action').addMethod(
    'POST',
    new AwsIntegration({
      service: 'sqs',
      action: 'SendMessage',
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: role,
        passthroughBehavior: PassthroughBehavior.NEVER,
        requestParameters: form,
        requestTemplates: {
          'application/json': `QueueUrl=$util.urlEncode('${queue.queueUrl}')&MessageBody=$util.urlEncode($input.json('$.text'))&MessageAttribute.1.Name=kind&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=action-form`,
        },
        integrationResponses: sendResponses,
      },
    }),
    sendMethod,
  );
  // the AWS JSON protocol: X-Amz-Target and Content-Type mapped, the template writes the JSON input
  api.root.addResource('queue-json').addMethod(
    'POST',
    new AwsIntegration({
      service: 'sqs',
      action: 'SendMessage',
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: role,
        passthroughBehavior: PassthroughBehavior.NEVER,
        requestParameters: {
          'integration.request.header.X-Amz-Target': "'AmazonSQS.SendMessage'",
          'integration.request.header.Content-Type': "'application/x-amz-json-1.0'",
        },
        requestTemplates: {
          'application/json': `{"QueueUrl": "${queue.queueUrl}", "MessageBody": "$util.escapeJavaScript($input.body)"}`,
        },
        integrationResponses: [
          {
            statusCode: '200',
            selectionPattern: '200',
            responseTemplates: { 'application/json': '{"messageId": "$input.path(\'$.MessageId\')"}' },
          },
          { selectionPattern: '4\\d{2}', statusCode: '400' },
        ],
      },
    }),
    sendMethod,
  );
  // a queue that does not exist: SQS's 400 selects the 400 response
  api.root.addResource('no-queue').addMethod(
    'POST',
    new AwsIntegration({
      service: 'sqs',
      path: `${stack.account}/no-such-queue`,
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: role,
        requestParameters: form,
        requestTemplates: { 'application/json': 'Action=SendMessage&MessageBody=x' },
        integrationResponses: sendResponses,
      },
    }),
    sendMethod,
  );

  // StartExecution on a STANDARD state machine, the JSON body written by a template
  const standard = new StateMachine(stack, 'Recorder', {
    definitionBody: DefinitionBody.fromChainable(
      new Pass(stack, 'Record', { parameters: { 'recorded.$': '$.item' } }),
    ),
  });
  standard.grantStartExecution(role);
  api.root.addResource('start').addMethod(
    'POST',
    new AwsIntegration({
      service: 'states',
      action: 'StartExecution',
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: role,
        passthroughBehavior: PassthroughBehavior.NEVER,
        requestTemplates: {
          'application/json': `{"stateMachineArn": "${standard.stateMachineArn}", "input": "$util.escapeJavaScript($input.body)"#if($input.params('name') != ''), "name": "$input.params('name')"#end}`,
        },
        integrationResponses: [
          {
            statusCode: '200',
            selectionPattern: '200',
            responseTemplates: { 'application/json': '{"executionArn": "$input.path(\'$.executionArn\')"}' },
          },
          {
            selectionPattern: '4\\d{2}',
            statusCode: '400',
            responseTemplates: { 'application/json': '{"error": "$input.path(\'$.__type\')"}' },
          },
        ],
      },
    }),
    { methodResponses: [{ statusCode: '200' }, { statusCode: '400' }] },
  );

  new CfnOutput(stack, 'ApiUrl', { value: api.url });
  new CfnOutput(stack, 'QueueUrl', { value: queue.queueUrl });
  new CfnOutput(stack, 'StandardArn', { value: standard.stateMachineArn });
  new CfnOutput(stack, 'ExpressArn', { value: express.stateMachineArn });
  app.synth();
  rmSync(join(outdir, 'tree.json'), { force: true }); // not read by the embedded cloud
  return outdir;
}

if (process.argv[1] === import.meta.filename) {
  rmSync(FIXTURE_ASSEMBLY, { recursive: true, force: true });
  console.log(`synthesized into ${synthServicesFixture(FIXTURE_ASSEMBLY)}`);
}
