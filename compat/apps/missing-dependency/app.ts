import { join } from 'node:path';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { compatApp, LOCK_FILE, PROJECT_ROOT } from '../cdk-app.ts';

/**
 * A function whose bundle forgot a dependency: `yaml` is marked external, and neither the asset nor
 * the Lambda runtime has it (this project's node_modules does: it must not be found there).
 */
export function synthesize(outdir: string): void {
  const app = compatApp(outdir);
  const stack = new Stack(app, 'Compat-MissingDependency');
  const parser = new NodejsFunction(stack, 'Parser', {
    entry: join(import.meta.dirname, 'parser.ts'),
    runtime: Runtime.NODEJS_22_X,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: LOCK_FILE,
    bundling: { externalModules: ['@aws-sdk/*', 'yaml'] },
  });
  new CfnOutput(stack, 'FunctionName', { value: parser.functionName });
  app.synth();
}
