import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JsonPath,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import {
  CallAwsService,
  DynamoAttributeValue,
  DynamoPutItem,
  LambdaInvoke,
  SnsPublish,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';

/**
 * A small CDK app for the embedded Step Functions: `Worker` (a Lambda task with Retry on the
 * function's own error and Catch, a Choice, SNS Publish, DynamoDB PutItem), `Mover` (aws-sdk S3
 * copyObject + deleteObject), `Slow` (an EXPRESS machine: a Wait, then a function ARN task) and
 * `Greeter` (a definition file asset with DefinitionSubstitutions); `StarterFunction` starts `Worker`
 * through the runtime's @aws-sdk/client-sfn.
 * Its synthesized assembly is committed (`fixture-assembly/`: synthesizing costs 5-20 s per test
 * run); regenerate it after a change with `npx tsx test/emulator/stepfunctions/fixture-app.ts`.
 */
export const FIXTURE_ASSEMBLY = join(import.meta.dirname, 'fixture-assembly');

export function synthStepFunctionsFixture(outdir: string): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'SfnFixture');
  const code = Code.fromAsset(join(import.meta.dirname, 'fixture-function'));
  const table = new Table(stack, 'Results', {
    partitionKey: { name: 'id', type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const topic = new Topic(stack, 'Notices');
  topic.addSubscription(new EmailSubscription('ops@example.com'));
  const worker = new LambdaFunction(stack, 'WorkerFunction', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code,
    timeout: Duration.seconds(10),
  });
  const echo = new LambdaFunction(stack, 'EchoFunction', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.echo',
    code,
    timeout: Duration.seconds(10),
  });
  const bucket = new Bucket(stack, 'Images');

  const work = new LambdaInvoke(stack, 'Work', {
    lambdaFunction: worker,
    retryOnServiceExceptions: false,
    resultSelector: { 'doubled.$': '$.Payload.doubled' },
    resultPath: '$.work',
  });
  work.addRetry({ errors: ['Flaky'], interval: Duration.seconds(1), maxAttempts: 2, backoffRate: 1 });
  const recordFailure = new DynamoPutItem(stack, 'RecordFailure', {
    table,
    item: {
      id: DynamoAttributeValue.fromString(JsonPath.stringAt('$.id')),
      status: DynamoAttributeValue.fromString('failed'),
      error: DynamoAttributeValue.fromString(JsonPath.stringAt('$.error.Error')),
    },
    resultPath: JsonPath.DISCARD,
  }).next(new Fail(stack, 'Failed', { error: 'WorkFailed', cause: 'the worker failed' }));
  work.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.error' });
  const save = new DynamoPutItem(stack, 'Save', {
    table,
    item: {
      id: DynamoAttributeValue.fromString(JsonPath.stringAt('$.id')),
      status: DynamoAttributeValue.fromString('done'),
      doubled: DynamoAttributeValue.numberFromString(
        JsonPath.format('{}', JsonPath.stringAt('$.work.doubled')),
      ),
    },
    resultPath: JsonPath.DISCARD,
  }).next(new Succeed(stack, 'Done'));
  const notify = new SnsPublish(stack, 'Notify', {
    topic,
    subject: 'Large result',
    message: TaskInput.fromObject({
      id: JsonPath.stringAt('$.id'),
      doubled: JsonPath.numberAt('$.work.doubled'),
    }),
    resultPath: '$.notice',
  }).next(save);
  const definition = work.next(
    new Choice(stack, 'Large?')
      .when(Condition.numberGreaterThan('$.work.doubled', 10), notify)
      .otherwise(save),
  );
  const workerMachine = new StateMachine(stack, 'Worker', {
    definitionBody: DefinitionBody.fromChainable(definition),
  });

  const starter = new LambdaFunction(stack, 'StarterFunction', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.start',
    code,
    timeout: Duration.seconds(10),
    environment: { STATE_MACHINE_ARN: workerMachine.stateMachineArn },
  });
  workerMachine.grantStartExecution(starter);

  const copy = new CallAwsService(stack, 'CopyObject', {
    service: 's3',
    action: 'copyObject',
    parameters: {
      Bucket: bucket.bucketName,
      CopySource: JsonPath.format(`${bucket.bucketName}/{}`, JsonPath.stringAt('$.key')),
      Key: JsonPath.format('moved/{}', JsonPath.stringAt('$.key')),
    },
    iamResources: [bucket.arnForObjects('*')],
    resultPath: '$.copied',
  });
  const remove = new CallAwsService(stack, 'DeleteObject', {
    service: 's3',
    action: 'deleteObject',
    parameters: { Bucket: bucket.bucketName, 'Key.$': '$.key' },
    iamResources: [bucket.arnForObjects('*')],
    resultPath: JsonPath.DISCARD,
  });
  const mover = new StateMachine(stack, 'Mover', {
    definitionBody: DefinitionBody.fromChainable(copy.next(remove)),
  });

  const slow = new StateMachine(stack, 'Slow', {
    stateMachineType: StateMachineType.EXPRESS,
    definitionBody: DefinitionBody.fromChainable(
      new Wait(stack, 'Pause', { time: WaitTime.secondsPath('$.waitSeconds') }).next(
        new LambdaInvoke(stack, 'Echo', { lambdaFunction: echo, payloadResponseOnly: true }),
      ),
    ),
  });

  // a definition file (an asset: DefinitionS3Location) with a DefinitionSubstitutions placeholder
  const greeter = new StateMachine(stack, 'Greeter', {
    definitionBody: DefinitionBody.fromFile(join(import.meta.dirname, 'fixture-definition.asl.json')),
    definitionSubstitutions: { Greeting: 'hello' },
  });

  new CfnOutput(stack, 'WorkerArn', { value: workerMachine.stateMachineArn });
  new CfnOutput(stack, 'WorkerName', { value: workerMachine.stateMachineName });
  new CfnOutput(stack, 'MoverArn', { value: mover.stateMachineArn });
  new CfnOutput(stack, 'SlowArn', { value: slow.stateMachineArn });
  new CfnOutput(stack, 'GreeterArn', { value: greeter.stateMachineArn });
  new CfnOutput(stack, 'TableName', { value: table.tableName });
  new CfnOutput(stack, 'TopicArn', { value: topic.topicArn });
  new CfnOutput(stack, 'BucketName', { value: bucket.bucketName });
  app.synth();
  rmSync(join(outdir, 'tree.json'), { force: true }); // not read by the embedded cloud
  return outdir;
}

if (process.argv[1] === import.meta.filename) {
  rmSync(FIXTURE_ASSEMBLY, { recursive: true, force: true });
  console.log(`synthesized into ${synthStepFunctionsFixture(FIXTURE_ASSEMBLY)}`);
}
