import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Bucket, CfnBucket, EventType } from 'aws-cdk-lib/aws-s3';
import { SnsDestination, SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue } from 'aws-cdk-lib/aws-sqs';

/**
 * A small CDK app for the embedded SQS: a work queue and a function reading it (batch size, batching
 * window, maximum concurrency), a queue with a dead-letter queue (ReportBatchItemFailures), a FIFO queue with
 * its function, a disabled mapping, a named queue, and the S3 -> SNS -> SQS -> Lambda chain (CDK's
 * addEventNotification and SqsSubscription, raw and enveloped) plus a bucket notifying a queue
 * natively. Its synthesized assembly is committed (`fixture-assembly/`); regenerate it after a change
 * with `npx tsx test/emulator/sqs/fixture-app.ts`.
 */
export const FIXTURE_ASSEMBLY = join(import.meta.dirname, 'fixture-assembly');

export function synthSqsFixture(outdir: string): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'SqsFixture');
  const code = Code.fromAsset(join(import.meta.dirname, 'fixture-function'));
  // the runner's timeout includes a cold start (a second concurrent environment): generous, except
  // where a short visibility timeout (which must be >= the function's) keeps the test fast
  const fn = (id: string, handler: string, seconds: number, environment: Record<string, string> = {}) =>
    new LambdaFunction(stack, id, {
      runtime: Runtime.NODEJS_22_X,
      handler: `index.${handler}`,
      code,
      timeout: Duration.seconds(seconds),
      environment,
    });

  const deadLetters = new Queue(stack, 'DeadLetters');
  // the batching window holds received messages up to 1 s before the invocation: visibility 6 s
  const work = new Queue(stack, 'Work', { visibilityTimeout: Duration.seconds(6) });
  const worker = fn('Worker', 'worker', 3);
  worker.addEventSource(
    new SqsEventSource(work, {
      batchSize: 5,
      maxBatchingWindow: Duration.seconds(1),
      reportBatchItemFailures: true,
      maxConcurrency: 2,
    }),
  );
  const flaky = new Queue(stack, 'Flaky', {
    visibilityTimeout: Duration.seconds(1),
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: 2 },
  });
  fn('FlakyWorker', 'worker', 1).addEventSource(new SqsEventSource(flaky, { reportBatchItemFailures: true }));
  const paused = new Queue(stack, 'Paused');
  worker.addEventSource(new SqsEventSource(paused, { enabled: false }));

  const orderedQueue = new Queue(stack, 'Ordered', {
    fifo: true,
    contentBasedDeduplication: true,
    visibilityTimeout: Duration.seconds(2),
  });
  fn('OrderedWorker', 'ordered', 2).addEventSource(new SqsEventSource(orderedQueue, { batchSize: 10 }));

  const named = new Queue(stack, 'Named', {
    queueName: 'sqs-fixture-named',
    retentionPeriod: Duration.minutes(5),
    receiveMessageWaitTime: Duration.seconds(1),
  });

  // S3 -> SNS -> SQS -> Lambda, and S3 -> SQS
  const results = new Queue(stack, 'Results');
  const uploads = new Bucket(stack, 'Uploads');
  const topic = new Topic(stack, 'UploadEvents');
  uploads.addEventNotification(EventType.OBJECT_CREATED, new SnsDestination(topic), { prefix: 'in/' });
  const chainQueue = new Queue(stack, 'ChainQueue', { visibilityTimeout: Duration.seconds(5) });
  topic.addSubscription(new SqsSubscription(chainQueue));
  const rawQueue = new Queue(stack, 'RawQueue');
  topic.addSubscription(new SqsSubscription(rawQueue, { rawMessageDelivery: true }));
  fn('ChainWorker', 'chain', 5, { RESULTS_URL: results.queueUrl }).addEventSource(
    new SqsEventSource(chainQueue),
  );
  const direct = new Queue(stack, 'Direct');
  uploads.addEventNotification(EventType.OBJECT_REMOVED, new SqsDestination(direct));
  const nativeQueue = new Queue(stack, 'NativeQueue');
  const native = new CfnBucket(stack, 'NativeBucket', {
    notificationConfiguration: {
      queueConfigurations: [
        {
          event: 's3:ObjectCreated:*',
          queue: nativeQueue.queueArn,
          filter: { s3Key: { rules: [{ name: 'suffix', value: '.txt' }] } },
        },
      ],
    },
  });
  native.node.addDependency(nativeQueue);

  const outputs: Record<string, string> = {
    WorkUrl: work.queueUrl,
    DeadLettersUrl: deadLetters.queueUrl,
    FlakyUrl: flaky.queueUrl,
    PausedUrl: paused.queueUrl,
    OrderedUrl: orderedQueue.queueUrl,
    NamedUrl: named.queueUrl,
    NamedArn: named.queueArn,
    NamedName: named.queueName,
    ResultsUrl: results.queueUrl,
    UploadsBucket: uploads.bucketName,
    RawQueueUrl: rawQueue.queueUrl,
    DirectUrl: direct.queueUrl,
    NativeBucketName: native.ref,
    NativeQueueUrl: nativeQueue.queueUrl,
    TopicArn: topic.topicArn,
  };
  for (const [key, value] of Object.entries(outputs)) new CfnOutput(stack, key, { value });
  app.synth();
  rmSync(join(outdir, 'tree.json'), { force: true }); // not read by the embedded cloud
  return outdir;
}

if (process.argv[1] === import.meta.filename) {
  rmSync(FIXTURE_ASSEMBLY, { recursive: true, force: true });
  console.log(`synthesized into ${synthSqsFixture(FIXTURE_ASSEMBLY)}`);
}
