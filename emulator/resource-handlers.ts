import { apiGatewayHandlers } from './apigateway/resources.ts';
import { customResource, isCustomResourceType } from './cloudformation/custom-resources/handler.ts';
import { ignored } from './cloudformation/ignored.ts';
import type { ResourceHandler } from './cloudformation/resource-types.ts';
import { dynamoDbTable } from './dynamodb/resources.ts';
import { lambdaEventSourceMapping } from './dynamodb/streams/resources.ts';
import { eventsRule } from './events/resources.ts';
import { lambdaFunction, lambdaLayerVersion } from './lambda/resources.ts';
import { s3Bucket } from './s3/resources.ts';
import { snsHandlers } from './sns/resources.ts';
import { stepFunctionsStateMachine } from './stepfunctions/resources.ts';

const HANDLERS: readonly ResourceHandler[] = [
  s3Bucket,
  dynamoDbTable,
  lambdaFunction,
  lambdaLayerVersion,
  lambdaEventSourceMapping,
  eventsRule,
  ...apiGatewayHandlers,
  ...snsHandlers,
  stepFunctionsStateMachine,
  customResource,
  ignored,
];

const BY_TYPE = new Map(HANDLERS.flatMap((handler) => handler.types.map((type) => [type, handler] as const)));

/** The handler for a CloudFormation resource type, or undefined when the embedded cloud has none. */
export function handlerFor(type: string): ResourceHandler | undefined {
  return BY_TYPE.get(type) ?? (isCustomResourceType(type) ? customResource : undefined);
}

export const SUPPORTED_TYPES: readonly string[] = [...BY_TYPE.keys()].sort();
