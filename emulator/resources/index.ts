import { apiGatewayHandlers } from './api-gateway.ts';
import { dynamoDbTable } from './dynamodb-table.ts';
import { eventsRule } from './events-rule.ts';
import { ignored } from './ignored.ts';
import { lambdaFunction } from './lambda-function.ts';
import { s3Bucket } from './s3-bucket.ts';
import type { ResourceHandler } from './types.ts';

const HANDLERS: readonly ResourceHandler[] = [
  s3Bucket,
  dynamoDbTable,
  lambdaFunction,
  eventsRule,
  ...apiGatewayHandlers,
  ignored,
];

const BY_TYPE = new Map(HANDLERS.flatMap((handler) => handler.types.map((type) => [type, handler] as const)));

/** The handler for a CloudFormation resource type, or undefined when the embedded cloud has none. */
export function handlerFor(type: string): ResourceHandler | undefined {
  return BY_TYPE.get(type);
}

export const SUPPORTED_TYPES: readonly string[] = [...BY_TYPE.keys()].sort();
