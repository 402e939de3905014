import { join } from 'node:path';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { compatApp, LOCK_FILE, PROJECT_ROOT } from '../cdk-app.ts';

/** A function with `logRetention` (Custom::LogRetention, CDK's provider function in the assembly). */
export function synthesize(outdir: string): void {
  const app = compatApp(outdir);
  const stack = new Stack(app, 'Compat-LogRetention');
  const greeter = new NodejsFunction(stack, 'Greeter', {
    entry: join(import.meta.dirname, 'greeter.ts'),
    runtime: Runtime.NODEJS_24_X,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: LOCK_FILE,
    logRetention: RetentionDays.ONE_WEEK,
  });
  new CfnOutput(stack, 'FunctionName', { value: greeter.functionName });
  app.synth();
}
