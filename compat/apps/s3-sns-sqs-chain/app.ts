import { join } from 'node:path';
import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Bucket, EventType } from 'aws-cdk-lib/aws-s3';
import { SnsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { compatApp, LOCK_FILE, PROJECT_ROOT } from '../cdk-app.ts';

/** S3 -> SNS -> SQS -> Lambda: uploads announced on a topic, queued, consumed in batches into a table. */
export function synthesize(outdir: string): void {
  const app = compatApp(outdir);
  const stack = new Stack(app, 'Compat-S3SnsSqsChain');
  const bucket = new Bucket(stack, 'Inbox', {
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
  });
  const topic = new Topic(stack, 'Uploads');
  bucket.addEventNotification(EventType.OBJECT_CREATED, new SnsDestination(topic));
  const queue = new Queue(stack, 'UploadQueue');
  topic.addSubscription(new SqsSubscription(queue));
  const seen = new Table(stack, 'Seen', {
    partitionKey: { name: 'key', type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const consumer = new NodejsFunction(stack, 'Consumer', {
    entry: join(import.meta.dirname, 'consumer.ts'),
    runtime: Runtime.NODEJS_22_X,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: LOCK_FILE,
    environment: { SEEN_TABLE: seen.tableName },
  });
  seen.grantWriteData(consumer);
  consumer.addEventSource(new SqsEventSource(queue, { batchSize: 10 }));
  new CfnOutput(stack, 'BucketName', { value: bucket.bucketName });
  new CfnOutput(stack, 'SeenTable', { value: seen.tableName });
  app.synth();
}
