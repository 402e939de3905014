import { join } from 'node:path';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Code, LayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { compatApp, LOCK_FILE, PROJECT_ROOT } from '../cdk-app.ts';

/** A layer holding a package (nodejs/node_modules/shout) and a function that leaves it to the layer. */
export function synthesize(outdir: string): void {
  const app = compatApp(outdir);
  const stack = new Stack(app, 'Compat-Layer');
  const shoutLayer = new LayerVersion(stack, 'ShoutLayer', {
    code: Code.fromAsset(join(import.meta.dirname, 'layer')),
    compatibleRuntimes: [Runtime.NODEJS_22_X],
  });
  const shouter = new NodejsFunction(stack, 'Shouter', {
    entry: join(import.meta.dirname, 'shouter.ts'),
    runtime: Runtime.NODEJS_22_X,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: LOCK_FILE,
    layers: [shoutLayer],
    bundling: { externalModules: ['@aws-sdk/*', 'shout'] },
  });
  new CfnOutput(stack, 'FunctionName', { value: shouter.functionName });
  app.synth();
}
