import type { CompatApp } from '../support.ts';
import * as bucketEventsApp from './bucket-events/app.ts';
import * as bucketEvents from './bucket-events/exercise.ts';
import * as crudApiApp from './crud-api/app.ts';
import * as crudApi from './crud-api/exercise.ts';
import * as layerApp from './layer/app.ts';
import * as layer from './layer/exercise.ts';
import * as logRetentionApp from './log-retention/app.ts';
import * as logRetention from './log-retention/exercise.ts';
import * as missingDependencyApp from './missing-dependency/app.ts';
import * as missingDependency from './missing-dependency/exercise.ts';
import * as pythonInlineApp from './python-inline/app.ts';
import * as pythonInline from './python-inline/exercise.ts';
import * as chainApp from './s3-sns-sqs-chain/app.ts';
import * as chain from './s3-sns-sqs-chain/exercise.ts';
import * as scheduleApp from './schedule/app.ts';
import * as schedule from './schedule/exercise.ts';
import * as tokenAuthorizerApp from './token-authorizer/app.ts';
import * as tokenAuthorizer from './token-authorizer/exercise.ts';
import * as vtlIntegrationApp from './vtl-integration/app.ts';
import * as vtlIntegration from './vtl-integration/exercise.ts';

/** Every compatibility app, in the order `make compat` runs them. */
export const COMPAT_APPS: readonly CompatApp[] = [
  {
    name: 'crud-api',
    uses: 'RestApi, LambdaIntegration (proxy), NodejsFunction with @aws-sdk/lib-dynamodb external, Table',
    ...crudApiApp,
    ...crudApi,
  },
  {
    name: 'bucket-events',
    uses: 'Bucket autoDeleteObjects, addEventNotification (LambdaDestination, prefix filter)',
    ...bucketEventsApp,
    ...bucketEvents,
  },
  { name: 'log-retention', uses: 'NodejsFunction logRetention', ...logRetentionApp, ...logRetention },
  { name: 'layer', uses: 'LayerVersion (nodejs/node_modules), externalModules', ...layerApp, ...layer },
  {
    name: 'token-authorizer',
    uses: 'TokenAuthorizer, RestApi without feature flags (AWS::ApiGateway::Account)',
    ...tokenAuthorizerApp,
    ...tokenAuthorizer,
  },
  {
    name: 'vtl-integration',
    uses: 'LambdaIntegration proxy: false (VTL templates, selectionPattern, X-Amz-Invocation-Type Event)',
    ...vtlIntegrationApp,
    ...vtlIntegration,
  },
  {
    name: 's3-sns-sqs-chain',
    uses: 'SnsDestination, SqsSubscription, SqsEventSource, Queue, Topic',
    ...chainApp,
    ...chain,
  },
  {
    name: 'schedule',
    uses: 'events Rule Schedule.rate, LambdaFunction target input',
    ...scheduleApp,
    ...schedule,
  },
  {
    name: 'python-inline',
    uses: 'Function PYTHON_3_12 Code.fromInline',
    ...pythonInlineApp,
    ...pythonInline,
  },
  {
    name: 'missing-dependency',
    uses: 'NodejsFunction whose bundle leaves out a dependency (must fail as on AWS)',
    ...missingDependencyApp,
    ...missingDependency,
  },
];
