import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping, type IFunction, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SnsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { ALERT_ENV } from '../../handlers/alerts/schema.ts';
import { bindTable } from '../constructs/grants.ts';
import { HandlerFunction } from '../constructs/handler-function.ts';
import { OpsMonitoring } from '../constructs/ops-monitoring.ts';
import { acknowledge, lambdaBasicExecution } from '../nag.ts';

export interface AlertsStackProps extends StackProps {
  readonly alertsTable: ITable;
  readonly plotUrl: string;
  readonly plotApi: RestApi;
  readonly trackerFunction: IFunction;
  readonly reconcileFunction: IFunction;
  readonly plotFunction: IFunction;
  /** Subscribed to the topic when given (`-c alertEmail=...`); AWS sends it a confirmation first. */
  readonly alertEmail?: string | undefined;
  readonly apiP95Ms: number;
}

/** Stream records per invocation: alerts are rare, small batches keep one slow Publish from delaying many. */
export const publisherBatchSize = 10;
export const publisherRetryAttempts = 10;

/**
 * The alerts topic, the outbox publisher on the alerts table's stream, and the ops alarms and
 * dashboard. Depends on the other stacks; nothing depends on it.
 */
export class AlertsStack extends Stack {
  readonly topic: Topic;
  readonly publisher: HandlerFunction;

  constructor(scope: Construct, id: string, props: AlertsStackProps) {
    super(scope, id, props);
    this.topic = new Topic(this, 'AlertsTopic', {
      displayName: 'S3 size alerts',
      enforceSSL: true,
    });
    if (props.alertEmail) this.topic.addSubscription(new EmailSubscription(props.alertEmail));

    this.publisher = new HandlerFunction(this, 'AlertsPublisherFunction', {
      source: 'alerts-publisher.ts',
      description: 'Publishes the alerts outbox (alerts table stream) to the alerts topic',
      environment: {
        [ALERT_ENV.topicArn]: this.topic.topicArn,
        [ALERT_ENV.plotApiUrl]: props.plotUrl,
      },
    });
    bindTable(this.publisher, props.alertsTable, ALERT_ENV.alertsTable, [
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
    ]);
    this.topic.grantPublish(this.publisher);
    const streamArn = props.alertsTable.tableStreamArn;
    if (!streamArn) throw new Error('the alerts table has no stream: the publisher needs one');
    // What Lambda's poller calls on the stream, on this stream only (no ListStreams on "*": the
    // mapping names its stream).
    this.publisher.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [streamArn],
      }),
    );
    // TRIM_HORIZON: a row written while the mapping is created or disabled is still published (a
    // replayed, already published row is skipped by the publisher). Bisect + item failures: one bad
    // record never holds the others back; after 10 retries a batch's description goes to the topic.
    new EventSourceMapping(this, 'AlertsOutboxStream', {
      target: this.publisher,
      eventSourceArn: streamArn,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: publisherBatchSize,
      retryAttempts: publisherRetryAttempts,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      onFailure: new SnsDlq(this.topic),
      maxBatchingWindow: Duration.seconds(0),
    });

    new OpsMonitoring(this, 'Ops', {
      topic: this.topic,
      tracker: props.trackerFunction,
      reconciler: props.reconcileFunction,
      publisher: this.publisher,
      plotFunction: props.plotFunction,
      plotApi: props.plotApi,
      apiP95Ms: props.apiP95Ms,
    });

    new CfnOutput(this, 'AlertsTopicArn', {
      value: this.topic.topicArn,
      description: 'Size alerts and ops alarms are published here',
    });
    new CfnOutput(this, 'AlertsPublisherFunctionName', { value: this.publisher.functionName });

    acknowledge(this, lambdaBasicExecution);
    acknowledge(this.topic, {
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key, and a customer managed key per stage costs more than alert texts (bucket names and sizes) are worth protecting at rest.',
    });
  }
}
