import { join } from 'node:path';
import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { LambdaIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { compatApp, LOCK_FILE, PROJECT_ROOT } from '../cdk-app.ts';

/**
 * A REST API doing CRUD on a DynamoDB table through one NodejsFunction, bundled with CDK's defaults:
 * `@aws-sdk/*` (here lib-dynamodb) left out of the bundle, for the runtime to provide.
 */
export function synthesize(outdir: string): void {
  const app = compatApp(outdir);
  const stack = new Stack(app, 'Compat-CrudApi');
  const table = new Table(stack, 'Items', {
    partitionKey: { name: 'id', type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const itemsFunction = new NodejsFunction(stack, 'ItemsFunction', {
    entry: join(import.meta.dirname, 'items.ts'),
    runtime: Runtime.NODEJS_22_X,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: LOCK_FILE,
    environment: { TABLE_NAME: table.tableName },
  });
  table.grantReadWriteData(itemsFunction);

  const api = new RestApi(stack, 'ItemsApi');
  const integration = new LambdaIntegration(itemsFunction);
  const items = api.root.addResource('items');
  items.addMethod('GET', integration);
  items.addMethod('POST', integration);
  const item = items.addResource('{id}');
  for (const method of ['GET', 'PUT', 'DELETE']) item.addMethod(method, integration);
  new CfnOutput(stack, 'ApiUrl', { value: api.url });
  app.synth();
}
