import { apiGatewayHandlers } from './apigateway/resources.ts';
import { customResource, isCustomResourceType } from './cloudformation/custom-resources/handler.ts';
import { stateMachineRefusal } from './cloudformation/custom-resources/provider-waiter.ts';
import { ignored } from './cloudformation/ignored.ts';
import type { ResourceHandler } from './cloudformation/resource-types.ts';
import { dynamoDbTable } from './dynamodb/resources.ts';
import { eventsRule } from './events/resources.ts';
import { lambdaFunction, lambdaLayerVersion } from './lambda/resources.ts';
import { s3Bucket } from './s3/resources.ts';
import { snsHandlers } from './sns/resources.ts';
import { sqsHandlers } from './sqs/resources.ts';

const HANDLERS: readonly ResourceHandler[] = [
  s3Bucket,
  dynamoDbTable,
  lambdaFunction,
  lambdaLayerVersion,
  eventsRule,
  ...apiGatewayHandlers,
  ...snsHandlers,
  // queues, queue policies, AWS::Lambda::EventSourceMapping (SQS here; DynamoDB streams delegated)
  ...sqsHandlers,
  customResource,
  ignored,
];

const BY_TYPE = new Map(HANDLERS.flatMap((handler) => handler.types.map((type) => [type, handler] as const)));

/** The handler for a CloudFormation resource type, or undefined when the embedded cloud has none. */
export function handlerFor(type: string): ResourceHandler | undefined {
  const handler = BY_TYPE.get(type) ?? (isCustomResourceType(type) ? customResource : undefined);
  // no Step Functions: state machines are refused up front with the reason (CDK Provider waiters named)
  return handler ?? (type === 'AWS::StepFunctions::StateMachine' ? stateMachineRefusal : undefined);
}

export const SUPPORTED_TYPES: readonly string[] = [...BY_TYPE.keys()].sort();
