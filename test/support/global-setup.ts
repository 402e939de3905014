import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../emulator/dynamodb/server.ts';

let dynamodb: DynamoDbLocal | undefined;

/**
 * One DynamoDB Local for the whole run (it takes seconds to start); tests make their own tables.
 * `make test` starts one for both of its phases (scripts/test-dynamodb.ts) and names it in
 * TEST_DYNAMODB_ENDPOINT; a run started any other way starts its own.
 */
export async function setup(project: TestProject): Promise<void> {
  const shared = process.env.TEST_DYNAMODB_ENDPOINT;
  if (shared) {
    project.provide('dynamodbEndpoint', shared);
    return;
  }
  // it serves every test file of the run (the fault campaign alone sends ~15,000 requests)
  dynamodb = await startDynamoDbLocal({ longRunning: true });
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
}

export async function teardown(): Promise<void> {
  await dynamodb?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}
