import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { startFixtureCloud } from '../../support/fixture-cloud.ts';

/**
 * API Gateway AWS integrations to SQS and Step Functions on the embedded cloud, through HTTP as a
 * client sees them, checked on the services with their SDKs (fixture app: services-fixture-app.ts,
 * committed assembly in fixtures/apisvc).
 */
let cloud: LocalCloud;
let base: string;
let outputs: Record<string, unknown>;
let sqs: SQSClient;
let sfn: SFNClient;
beforeAll(async () => {
  cloud = await startFixtureCloud('apisvc');
  outputs = cloud.outputs['ApiSvc-App'] ?? {};
  base = String(outputs.ApiUrl).replace(/\/$/, '');
  const client = { region: cloud.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  sqs = new SQSClient({ ...client, endpoint: cloud.endpoints.sqs });
  sfn = new SFNClient({ ...client, endpoint: cloud.endpoints.sfn });
});
afterAll(async () => {
  sqs?.destroy();
  sfn?.destroy();
  await cloud?.stop();
});

const post = async (path: string, body: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
};

const receiveAll = async () => {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: String(outputs.QueueUrl),
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      WaitTimeSeconds: 0,
    }),
  );
  return Messages;
};

describe('SQS integrations', () => {
  it('sends the request body to the queue (path/<account>/<queue>, the form template) and maps SQS JSON answer', async () => {
    const answer = await post('/queue', { order: 42, note: 'a & b = c' });
    expect(answer.status).toBe(200);
    const messageId = String(answer.json?.messageId);
    expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
    // the action form (action/SendMessage, QueueUrl in the body), with a message attribute
    const byAction = await post('/queue-action', { text: 'second' });
    expect(byAction.status).toBe(200);
    // the AWS JSON protocol (X-Amz-Target mapped): SQS's JSON answer
    const byJson = await post('/queue-json', { via: 'json "protocol"' });
    expect(byJson.status).toBe(200);
    const messages = await receiveAll();
    const third = messages.find((message) => message.MessageId === byJson.json?.messageId);
    expect(JSON.parse(String(third?.Body))).toEqual({ via: 'json "protocol"' });
    const sent = messages.find((message) => message.MessageId === messageId);
    expect(JSON.parse(String(sent?.Body))).toEqual({ order: 42, note: 'a & b = c' });
    const second = messages.find((message) => message.MessageId === byAction.json?.messageId);
    expect(second?.Body).toBe('"second"');
    expect(second?.MessageAttributes?.kind?.StringValue).toBe('action-form');
  });

  it("selects the 400 response by SQS's status when the queue does not exist", async () => {
    const answer = await post('/no-queue', {});
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('NonExistentQueue'); // no template: SQS's error passes through
  });
});

describe('Step Functions integrations', () => {
  it('starts an execution (action/StartExecution) that runs', async () => {
    const answer = await post('/start', { item: { id: 'abc' } });
    expect(answer.status).toBe(200);
    const executionArn = String(answer.json?.executionArn);
    expect(executionArn).toContain(':execution:');
    await cloud.whenIdle();
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(String(execution.input))).toEqual({ item: { id: 'abc' } });
    expect(JSON.parse(String(execution.output))).toEqual({ recorded: { id: 'abc' } });
    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: String(outputs.StandardArn) }),
    );
    expect(executions.map((e) => e.executionArn)).toContain(executionArn);
  });

  it("answers Step Functions' error through the 400 response (input that is not JSON)", async () => {
    const answer = await fetch(`${base}/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'not json',
    });
    // the template writes the body as the input string: Step Functions refuses it as invalid JSON
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: string }).error).toMatch(/#InvalidExecutionInput$/); // as AWS writes __type
  });

  it("runs CDK's StepFunctionsRestApi (StartSyncExecution): the state machine's output is the response", async () => {
    const response = await fetch(`${base}/?lang=en`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-team': 'blue "team"' },
      body: JSON.stringify({ name: 'ada' }),
    });
    expect(response.status).toBe(200);
    // with headers: true and requestContext: { stage: true }, the input carries them too
    const output = (await response.json()) as Record<string, unknown>;
    expect(output).toMatchObject({ greeting: 'hello ada', lang: 'en', stage: 'test' });
    expect(output.headers).toMatchObject({ 'x-team': 'blue "team"' });
  });

  it('answers 500 with the error and cause when the synchronous execution fails', async () => {
    const answer = await post('/?lang=en', { nobody: true }); // $.body.name is missing: the Pass state fails
    expect(answer.status).toBe(500); // CDK's template overrides the status
    expect(answer.json?.error).toBe('States.Runtime');
    expect(String(answer.json?.cause)).toContain('$.body.name');
  });
});
