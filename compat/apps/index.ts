import type { CompatApp } from '../support.ts';
import * as bucketEventsApp from './bucket-events/app.ts';
import * as bucketEventsChecks from './bucket-events/exercise.ts';
import * as crudApiApp from './crud-api/app.ts';
import * as crudApiChecks from './crud-api/exercise.ts';
import * as httpApiApp from './http-api/app.ts';
import * as httpApiChecks from './http-api/exercise.ts';
import * as layerApp from './layer/app.ts';
import * as layerChecks from './layer/exercise.ts';
import * as logRetentionApp from './log-retention/app.ts';
import * as logRetentionChecks from './log-retention/exercise.ts';
import * as missingDependencyApp from './missing-dependency/app.ts';
import * as missingDependencyChecks from './missing-dependency/exercise.ts';
import * as pythonInlineApp from './python-inline/app.ts';
import * as pythonInlineChecks from './python-inline/exercise.ts';
import * as chainApp from './s3-sns-sqs-chain/app.ts';
import * as chainChecks from './s3-sns-sqs-chain/exercise.ts';
import * as scheduleApp from './schedule/app.ts';
import * as scheduleChecks from './schedule/exercise.ts';
import * as tokenAuthorizerApp from './token-authorizer/app.ts';
import * as tokenAuthorizerChecks from './token-authorizer/exercise.ts';
import * as vtlIntegrationApp from './vtl-integration/app.ts';
import * as vtlIntegrationChecks from './vtl-integration/exercise.ts';

export const crudApi: CompatApp = {
  name: 'crud-api',
  uses: 'RestApi, LambdaIntegration (proxy), NodejsFunction with @aws-sdk/lib-dynamodb external, Table',
  ...crudApiApp,
  ...crudApiChecks,
};

export const bucketEvents: CompatApp = {
  name: 'bucket-events',
  uses: 'Bucket autoDeleteObjects, addEventNotification (LambdaDestination, prefix filter)',
  ...bucketEventsApp,
  ...bucketEventsChecks,
};

export const logRetention: CompatApp = {
  name: 'log-retention',
  uses: 'NodejsFunction logRetention',
  ...logRetentionApp,
  ...logRetentionChecks,
};

export const layer: CompatApp = {
  name: 'layer',
  uses: 'LayerVersion (nodejs/node_modules), externalModules',
  ...layerApp,
  ...layerChecks,
};

export const tokenAuthorizer: CompatApp = {
  name: 'token-authorizer',
  uses: 'TokenAuthorizer, RestApi without feature flags (AWS::ApiGateway::Account)',
  ...tokenAuthorizerApp,
  ...tokenAuthorizerChecks,
};

export const vtlIntegration: CompatApp = {
  name: 'vtl-integration',
  uses: 'LambdaIntegration proxy: false (VTL templates, selectionPattern, X-Amz-Invocation-Type Event)',
  ...vtlIntegrationApp,
  ...vtlIntegrationChecks,
};

export const s3SnsSqsChain: CompatApp = {
  name: 's3-sns-sqs-chain',
  uses: 'SnsDestination, SqsSubscription, SqsEventSource, Queue, Topic',
  ...chainApp,
  ...chainChecks,
};

export const schedule: CompatApp = {
  name: 'schedule',
  uses: 'events Rule Schedule.rate, LambdaFunction target input',
  ...scheduleApp,
  ...scheduleChecks,
};

export const pythonInline: CompatApp = {
  name: 'python-inline',
  uses: 'Function PYTHON_3_12 Code.fromInline',
  ...pythonInlineApp,
  ...pythonInlineChecks,
};

export const missingDependency: CompatApp = {
  name: 'missing-dependency',
  uses: 'NodejsFunction whose bundle leaves out a dependency (must fail as on AWS)',
  ...missingDependencyApp,
  ...missingDependencyChecks,
};

export const httpApi: CompatApp = {
  name: 'http-api',
  uses: 'HttpApi (API Gateway v2), HttpLambdaIntegration',
  ...httpApiApp,
  ...httpApiChecks,
};

/** Every compatibility app, in the order `make compat` runs them. */
export const COMPAT_APPS: readonly CompatApp[] = [
  crudApi,
  bucketEvents,
  logRetention,
  layer,
  tokenAuthorizer,
  vtlIntegration,
  s3SnsSqsChain,
  schedule,
  pythonInline,
  missingDependency,
  httpApi,
];
