import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as s3 from '@aws-sdk/client-s3';
import * as sns from '@aws-sdk/client-sns';

/**
 * What a Task state's Resource names, and whether the embedded Step Functions can call it (pure):
 * Lambda (the optimized `lambda:invoke` and plain function ARNs), the optimized DynamoDB item
 * actions and SNS Publish, and `aws-sdk:<service>:<action>` for DynamoDB, S3 and SNS.
 */
export type TaskResource =
  | { readonly type: 'lambda-invoke' }
  | { readonly type: 'lambda-function'; readonly functionArn: string }
  | { readonly type: 'optimized'; readonly service: 'dynamodb' | 'sns'; readonly action: string }
  | { readonly type: 'sdk'; readonly service: SdkService; readonly action: string }
  | { readonly type: 'unsupported'; readonly reason: string };

export type SdkService = 'dynamodb' | 's3' | 'sns';

const OPTIMIZED: Record<string, readonly string[]> = {
  dynamodb: ['putItem', 'getItem', 'updateItem', 'deleteItem'],
  sns: ['publish'],
};

export const SDK_MODULES: Record<SdkService, Record<string, unknown>> = { dynamodb, s3, sns };

const SUPPORTED_TEXT =
  'the embedded Step Functions runs lambda:invoke, Lambda function ARNs, dynamodb:putItem/getItem/updateItem/deleteItem, sns:publish and aws-sdk:<dynamodb|s3|sns>:<action>';

/** `copyObject` -> `CopyObjectCommand`, the SDK v3 command class name. */
export function commandName(action: string): string {
  return `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
}

export function classifyResource(resource: string): TaskResource {
  const fn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?$/.exec(resource);
  if (fn) return { type: 'lambda-function', functionArn: resource };
  const states = /^arn:[^:]+:states:::(.+)$/.exec(resource);
  if (!states) {
    if (/^arn:[^:]+:states:[^:]*:[^:]*:activity:/.test(resource))
      return { type: 'unsupported', reason: 'activities are not supported' };
    return {
      type: 'unsupported',
      reason: `not a resource the embedded Step Functions knows (${SUPPORTED_TEXT})`,
    };
  }
  const path = states[1] as string;
  const pattern = /\.(sync(?::2)?|waitForTaskToken)$/.exec(path);
  if (pattern)
    return {
      type: 'unsupported',
      reason: `the .${pattern[1]} integration pattern is not supported (request-response only)`,
    };
  if (path === 'lambda:invoke') return { type: 'lambda-invoke' };
  const sdk = /^aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)$/.exec(path);
  if (sdk) {
    const service = sdk[1] as string;
    const action = sdk[2] as string;
    if (!(service in SDK_MODULES))
      return {
        type: 'unsupported',
        reason: `aws-sdk:${service} is not in the embedded cloud (aws-sdk integrations: dynamodb, s3, sns)`,
      };
    if (typeof SDK_MODULES[service as SdkService][commandName(action)] !== 'function')
      return { type: 'unsupported', reason: `${service} has no action ${action}` };
    return { type: 'sdk', service: service as SdkService, action };
  }
  const [service, action] = path.split(':');
  if (service && action && OPTIMIZED[service]?.includes(action))
    return { type: 'optimized', service: service as 'dynamodb' | 'sns', action };
  return { type: 'unsupported', reason: `${path} is not supported (${SUPPORTED_TEXT})` };
}
