import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';

/**
 * A small CDK app for the embedded SNS: a topic with a filtered Lambda subscription, an email and an
 * email-json subscription, an HTTP subscription, a publisher function, a FIFO topic, a topic policy,
 * an alarm and a dashboard. Its synthesized assembly is committed (`fixture-assembly/`: synthesizing
 * costs 5-20 s per test run); regenerate it after a change with `npx tsx test/emulator/sns/fixture-app.ts`.
 * The HTTP subscription's URL is HOOK_PLACEHOLDER, which the test replaces with its server's URL.
 */
export const HOOK_PLACEHOLDER = 'http://127.0.0.1:1/sns-hook-placeholder';
export const FIXTURE_ASSEMBLY = join(import.meta.dirname, 'fixture-assembly');

export function synthSnsFixture(outdir: string, hookUrl = HOOK_PLACEHOLDER): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'SnsFixture');
  const code = Code.fromAsset(join(import.meta.dirname, 'fixture-function'));
  const topic = new Topic(stack, 'Alerts', { displayName: 'Size alerts' });
  const receiver = new LambdaFunction(stack, 'Receiver', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code,
    timeout: Duration.seconds(10),
  });
  topic.addSubscription(
    new LambdaSubscription(receiver, {
      filterPolicy: {
        severity: SubscriptionFilter.stringFilter({ allowlist: ['high', 'critical'] }),
        bytes: SubscriptionFilter.numericFilter({ greaterThanOrEqualTo: 100 }),
      },
    }),
  );
  topic.addSubscription(new EmailSubscription('ops@example.com'));
  topic.addSubscription(new EmailSubscription('robot@example.com', { json: true }));
  topic.addSubscription(new UrlSubscription(hookUrl, { rawMessageDelivery: false }));
  topic.addToResourcePolicy(
    new PolicyStatement({
      actions: ['sns:Publish'],
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      resources: [topic.topicArn],
    }),
  );
  const publisher = new LambdaFunction(stack, 'Publisher', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.publish',
    code,
    timeout: Duration.seconds(10),
    environment: { TOPIC_ARN: topic.topicArn },
  });
  topic.grantPublish(publisher);
  const fifo = new Topic(stack, 'Ordered', { fifo: true, contentBasedDeduplication: true });

  const alarm = new Alarm(stack, 'TooManyAlerts', {
    metric: topic.metricNumberOfMessagesPublished(),
    threshold: 100,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
  });
  alarm.addAlarmAction(new SnsAction(topic));
  new Dashboard(stack, 'Board').addWidgets(
    new GraphWidget({ left: [topic.metricNumberOfMessagesPublished()] }),
  );

  new CfnOutput(stack, 'TopicArn', { value: topic.topicArn });
  new CfnOutput(stack, 'TopicName', { value: topic.topicName });
  new CfnOutput(stack, 'FifoTopicArn', { value: fifo.topicArn });
  new CfnOutput(stack, 'AlarmArn', { value: alarm.alarmArn });
  app.synth();
  rmSync(join(outdir, 'tree.json'), { force: true }); // not read by the embedded cloud
  return outdir;
}

if (process.argv[1] === import.meta.filename) {
  rmSync(FIXTURE_ASSEMBLY, { recursive: true, force: true });
  console.log(`synthesized into ${synthSnsFixture(FIXTURE_ASSEMBLY)}`);
}
