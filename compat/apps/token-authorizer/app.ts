import { join } from 'node:path';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { LambdaIntegration, RestApi, TokenAuthorizer } from 'aws-cdk-lib/aws-apigateway';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { compatApp, LOCK_FILE, PROJECT_ROOT } from '../cdk-app.ts';

/**
 * A REST API behind a Lambda token authorizer whose context reaches the handler. No feature flags,
 * as older samples synthesize: the RestApi also gets its CloudWatch role (AWS::ApiGateway::Account).
 */
export function synthesize(outdir: string): void {
  const app = compatApp(outdir, 'legacy');
  const stack = new Stack(app, 'Compat-TokenAuthorizer');
  const common = { runtime: Runtime.NODEJS_22_X, projectRoot: PROJECT_ROOT, depsLockFilePath: LOCK_FILE };
  const authorizerFunction = new NodejsFunction(stack, 'AuthorizerFunction', {
    ...common,
    entry: join(import.meta.dirname, 'authorizer.ts'),
  });
  const whoAmI = new NodejsFunction(stack, 'WhoAmI', {
    ...common,
    entry: join(import.meta.dirname, 'who-am-i.ts'),
  });
  // CDK's default cache of 5 minutes, keyed by the token
  const authorizer = new TokenAuthorizer(stack, 'BearerAuthorizer', { handler: authorizerFunction });
  const api = new RestApi(stack, 'Api');
  api.root.addResource('me').addMethod('GET', new LambdaIntegration(whoAmI), { authorizer });
  new CfnOutput(stack, 'ApiUrl', { value: api.url });
  app.synth();
}
