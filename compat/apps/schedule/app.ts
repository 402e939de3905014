import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { compatApp, LOCK_FILE, PROJECT_ROOT } from '../cdk-app.ts';

/** An EventBridge schedule running a function with a fixed input; the function records each run. */
export function synthesize(outdir: string): void {
  const app = compatApp(outdir);
  const stack = new Stack(app, 'Compat-Schedule');
  const runs = new Table(stack, 'Runs', {
    partitionKey: { name: 'job', type: AttributeType.STRING },
    sortKey: { name: 'at', type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const job = new NodejsFunction(stack, 'NightlyJob', {
    entry: join(import.meta.dirname, 'job.ts'),
    runtime: Runtime.NODEJS_24_X,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: LOCK_FILE,
    environment: { RUNS_TABLE: runs.tableName },
  });
  runs.grantWriteData(job);
  new Rule(stack, 'Nightly', {
    schedule: Schedule.rate(Duration.hours(24)),
    targets: [
      new LambdaFunction(job, { event: RuleTargetInput.fromObject({ job: 'report', scope: 'all' }) }),
    ],
  });
  new CfnOutput(stack, 'RunsTable', { value: runs.tableName });
  app.synth();
}
