import { join } from 'node:path';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { compatApp, LOCK_FILE, PROJECT_ROOT } from '../cdk-app.ts';

/** An HTTP API (API Gateway v2) with a Lambda route, as many newer samples use instead of a REST API. */
export function synthesize(outdir: string): void {
  const app = compatApp(outdir);
  const stack = new Stack(app, 'Compat-HttpApi');
  const hello = new NodejsFunction(stack, 'Hello', {
    entry: join(import.meta.dirname, 'hello.ts'),
    runtime: Runtime.NODEJS_22_X,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: LOCK_FILE,
  });
  const api = new HttpApi(stack, 'Api');
  api.addRoutes({
    path: '/hello',
    methods: [HttpMethod.GET],
    integration: new HttpLambdaIntegration('Hello', hello),
  });
  new CfnOutput(stack, 'ApiUrl', { value: api.apiEndpoint });
  app.synth();
}
