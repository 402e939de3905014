import { join } from 'node:path';
import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Bucket, EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { compatApp, LOCK_FILE, PROJECT_ROOT } from '../cdk-app.ts';

/**
 * An auto-deleting bucket (Custom::S3AutoDeleteObjects) whose uploads under incoming/ are indexed by a
 * function (addEventNotification: Custom::S3BucketNotifications).
 */
export function synthesize(outdir: string): void {
  const app = compatApp(outdir);
  const stack = new Stack(app, 'Compat-BucketEvents');
  const bucket = new Bucket(stack, 'Uploads', {
    autoDeleteObjects: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const indexer = new NodejsFunction(stack, 'Indexer', {
    entry: join(import.meta.dirname, 'indexer.ts'),
    runtime: Runtime.NODEJS_22_X,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: LOCK_FILE,
  });
  bucket.grantReadWrite(indexer);
  bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(indexer), {
    prefix: 'incoming/',
  });
  new CfnOutput(stack, 'BucketName', { value: bucket.bucketName });
  app.synth();
}
