import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../emulator/local-cloud.ts';
import { FIXTURE_ASSEMBLY } from './fixture-app.ts';

/**
 * The embedded Step Functions on a synthesized CDK app (fixture-app.ts, its assembly committed),
 * through @aws-sdk/client-sfn: one cloud for the whole file.
 */
const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const workDir = mkdtempSync(join(tmpdir(), 'sfn-cloud-'));
let cloud: LocalCloud;
let sfn: SFNClient;
let outputs: Record<string, string>;

beforeAll(async () => {
  cloud = await startLocalCloud({
    assemblyDir: FIXTURE_ASSEMBLY,
    stateDir: join(workDir, 'state'),
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    log: () => {},
  });
  sfn = new SFNClient({ endpoint: cloud.endpoints.sfn, region, credentials });
  outputs = cloud.outputs.SfnFixture as Record<string, string>;
});

afterAll(async () => {
  sfn?.destroy();
  await cloud?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

async function finished(executionArn: string): Promise<DescribeExecutionOutput> {
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function run(stateMachineArn: string, input: unknown, name?: string) {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), ...(name ? { name } : {}) }),
  );
  const described = await finished(executionArn as string);
  const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return { executionArn: executionArn as string, described, events: events ?? [] };
}

const types = (events: HistoryEvent[]) => events.map((event) => event.type);

async function item(id: string) {
  const db = new DynamoDBClient({ endpoint: cloud.endpoints.dynamodb, region, credentials });
  try {
    const { Item } = await db.send(
      new GetItemCommand({ TableName: outputs.TableName, Key: { id: { S: id } }, ConsistentRead: true }),
    );
    return Item;
  } finally {
    db.destroy();
  }
}

describe('state machines from the assembly', () => {
  it('are listed and described, Ref the ARN, GetAtt Name, definitions resolved, EXPRESS kept', async () => {
    const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines?.map((m) => m.stateMachineArn).sort()).toEqual(
      [outputs.WorkerArn, outputs.MoverArn, outputs.SlowArn, outputs.GreeterArn].sort(),
    );
    expect(outputs.WorkerArn).toBe(
      `arn:aws:states:${region}:000000000000:stateMachine:${outputs.WorkerName}`,
    );
    const worker = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: outputs.WorkerArn }));
    expect(worker.status).toBe('ACTIVE');
    expect(worker.type).toBe('STANDARD');
    expect(worker.creationDate).toBeInstanceOf(Date);
    const definition = JSON.parse(worker.definition as string);
    expect(definition.States.Work.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(definition.States.Work.Parameters.FunctionName).toMatch(
      /^arn:aws:lambda:us-east-1:000000000000:function:/,
    );
    const slow = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: outputs.SlowArn }));
    expect(slow.type).toBe('EXPRESS');
  });

  it('reads a definition file asset (DefinitionS3Location) with DefinitionSubstitutions', async () => {
    const { described } = await run(outputs.GreeterArn as string, { name: 'Tom' });
    expect(JSON.parse(described.output as string)).toEqual({ greeting: 'hello', to: 'Tom' });
  });

  it('gives functions AWS_ENDPOINT_URL_SFN: a function starts an execution through the SDK', async () => {
    const result = (await cloud.invoke('EchoFunction', {})) as { sfnEndpoint: string };
    expect(result.sfnEndpoint).toBe(cloud.endpoints.sfn);
    const request = { name: 'from-a-function', input: { id: 'started', mode: 'ok', value: 3 } };
    const { executionArn } = (await cloud.invoke('StarterFunction', request)) as { executionArn: string };
    await cloud.whenIdle();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ name: 'from-a-function', status: 'SUCCEEDED' });
    await expect(cloud.invoke('StarterFunction', request)).rejects.toMatchObject({
      errorType: 'ExecutionAlreadyExists',
    });
  });

  it('refuses a definition it cannot run, naming the state and the resource', async () => {
    const definition = JSON.stringify({
      StartAt: 'Run',
      States: {
        Run: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', End: true },
      },
    });
    await expect(
      sfn.send(
        new CreateStateMachineCommand({ name: 'refused', definition, roleArn: 'arn:aws:iam::0:role/r' }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidDefinition',
      message: expect.stringContaining('state "Run": Resource arn:aws:states:::ecs:runTask.sync'),
    });
  });
});

describe('executions', () => {
  it('runs a Lambda task, a Choice and DynamoDB putItem, with the history AWS records', async () => {
    const { described, events } = await run(outputs.WorkerArn as string, {
      id: 'small',
      mode: 'ok',
      value: 2,
    });
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output as string)).toEqual({
      id: 'small',
      mode: 'ok',
      value: 2,
      work: { doubled: 4 },
    });
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    const scheduled = events.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({ resourceType: 'lambda', resource: 'invoke', region });
    expect(JSON.parse(scheduled?.parameters as string).Payload).toEqual({
      id: 'small',
      mode: 'ok',
      value: 2,
    });
    // lambda:invoke's result as AWS returns it: the function's answer under Payload
    const succeeded = events.find((event) => event.type === 'TaskSucceeded')?.taskSucceededEventDetails;
    expect(JSON.parse(succeeded?.output as string)).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { doubled: 4, attempt: 'ok' },
      StatusCode: 200,
    });
    expect(events.find((event) => event.type === 'TaskStateEntered')?.stateEnteredEventDetails?.name).toBe(
      'Work',
    );
    expect(await item('small')).toEqual({ id: { S: 'small' }, status: { S: 'done' }, doubled: { N: '4' } });
  });

  it("retries on the function's own errorType, then publishes to SNS", async () => {
    const id = `flaky-${randomUUID()}`; // the function counts attempts per id in a file
    const { described, events } = await run(outputs.WorkerArn as string, { id, mode: 'flaky', value: 8 });
    expect(described.status).toBe('SUCCEEDED');
    const failed = events.filter((event) => event.type === 'TaskFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.taskFailedEventDetails?.error).toBe('Flaky');
    expect(JSON.parse(failed[0]?.taskFailedEventDetails?.cause as string)).toMatchObject({
      errorType: 'Flaky',
      errorMessage: `first attempt on ${id} fails`,
    });
    const publish = events.find(
      (event) => event.type === 'TaskSucceeded' && event.taskSucceededEventDetails?.resourceType === 'sns',
    );
    expect(JSON.parse(publish?.taskSucceededEventDetails?.output as string).MessageId).toEqual(
      expect.any(String),
    );
    await cloud.whenIdle(); // the email delivery
    const email = cloud
      .outbox()
      .find((mail) => mail.topicArn === outputs.TopicArn && mail.subject === 'Large result');
    expect(email).toBeDefined();
    expect(email?.body).toContain(JSON.stringify({ id, doubled: 16 }));
    expect(await item(id)).toMatchObject({ doubled: { N: '16' } });
  });

  it('catches a function error, records it in DynamoDB, ends FAILED through a Fail state', async () => {
    const { described, events } = await run(outputs.WorkerArn as string, {
      id: 'broken',
      mode: 'fail',
      value: 1,
    });
    expect(described).toMatchObject({ status: 'FAILED', error: 'WorkFailed', cause: 'the worker failed' });
    expect(events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails?.error).toBe(
      'WorkerError',
    );
    expect(types(events).slice(-2)).toEqual(['FailStateEntered', 'ExecutionFailed']);
    expect(await item('broken')).toEqual({
      id: { S: 'broken' },
      status: { S: 'failed' },
      error: { S: 'WorkerError' },
    });
  });

  it('runs the other DynamoDB item actions, with DynamoDB.<Code>Exception errors to catch', async () => {
    const table = outputs.TableName as string;
    const key = { id: { 'S.$': '$.id' } };
    const task = (resource: string, parameters: Record<string, unknown>, next: Record<string, unknown>) => ({
      Type: 'Task',
      Resource: `arn:aws:states:::dynamodb:${resource}`,
      Parameters: { TableName: table, ...parameters },
      ...next,
    });
    const definition = {
      StartAt: 'Update',
      States: {
        Update: task(
          'updateItem',
          {
            Key: key,
            UpdateExpression: 'SET #c = :c',
            ExpressionAttributeNames: { '#c': 'color' },
            ExpressionAttributeValues: { ':c': { S: 'tabby' } },
          },
          { ResultPath: null, Next: 'Get' },
        ),
        Get: task(
          'getItem',
          { Key: key, ConsistentRead: true },
          { ResultSelector: { 'color.$': '$.Item.color.S' }, ResultPath: '$.got', Next: 'Again' },
        ),
        Again: task(
          'putItem',
          { Item: { id: { 'S.$': '$.id' } }, ConditionExpression: 'attribute_not_exists(id)' },
          {
            ResultPath: null,
            Catch: [
              {
                ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'],
                ResultPath: '$.refused',
                Next: 'Delete',
              },
            ],
            Next: 'Delete',
          },
        ),
        Delete: task('deleteItem', { Key: key }, { ResultPath: null, End: true }),
      },
    };
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'items',
        definition: JSON.stringify(definition),
        roleArn: 'arn:aws:iam::0:role/r',
      }),
    );
    const { described } = await run(stateMachineArn as string, { id: 'round-trip' });
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output as string);
    expect(output.got).toEqual({ color: 'tabby' });
    expect(output.refused.Error).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(await item('round-trip')).toBeUndefined();
  });

  it('calls aws-sdk:s3 copyObject and deleteObject', async () => {
    const s3 = new S3Client({ endpoint: cloud.endpoints.s3, region, credentials, forcePathStyle: true });
    try {
      const bucket = outputs.BucketName as string;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cat.jpg', Body: 'meow' }));
      const { described, events } = await run(outputs.MoverArn as string, { key: 'cat.jpg' });
      expect(described.status).toBe('SUCCEEDED');
      expect(JSON.parse(described.output as string).copied.CopyObjectResult.ETag).toEqual(expect.any(String));
      expect(events.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails).toMatchObject(
        {
          resourceType: 'aws-sdk:s3',
          resource: 'copyObject',
        },
      );
      expect(
        (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'moved/cat.jpg' }))).ContentLength,
      ).toBe(4);
      await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'cat.jpg' }))).rejects.toMatchObject({
        name: 'NotFound',
      });
      // a missing key: the aws-sdk integration's error name, S3.<Code>Exception
      const missing = await run(outputs.MoverArn as string, { key: 'nothing-here.jpg' });
      expect(missing.described).toMatchObject({ status: 'FAILED', error: 'S3.NoSuchKeyException' });
    } finally {
      s3.destroy();
    }
  });

  it('names executions idempotently, lists them by status, stops them', async () => {
    const slow = outputs.SlowArn as string;
    const input = JSON.stringify({ waitSeconds: 30 });
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: slow, name: 'once', input }));
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: slow, name: 'once', input }));
    expect(again.executionArn).toBe(first.executionArn);
    await expect(
      sfn.send(
        new StartExecutionCommand({ stateMachineArn: slow, name: 'once', input: '{"waitSeconds":1}' }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    const running = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: slow, statusFilter: 'RUNNING' }),
    );
    expect(running.executions?.map((e) => e.name)).toEqual(['once']);
    await sfn.send(
      new StopExecutionCommand({ executionArn: first.executionArn, error: 'Enough', cause: 'test' }),
    );
    const stopped = await finished(first.executionArn as string);
    expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Enough', cause: 'test' });
    const { events } = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: first.executionArn, reverseOrder: true }),
    );
    expect(events?.[0]).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Enough' },
    });
    const aborted = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: slow, statusFilter: 'ABORTED' }),
    );
    expect(aborted.executions?.map((e) => e.name)).toEqual(['once']);
    // a closed execution's name cannot be used again
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: slow, name: 'once', input })),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await expect(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: slow, statusFilter: 'DONE' as 'RUNNING' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('runs a Wait and a function ARN task on an EXPRESS machine; whenIdle waits for it', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: outputs.SlowArn,
        input: JSON.stringify({ waitSeconds: 0 }),
      }),
    );
    await cloud.whenIdle();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output as string).echoed).toEqual({ waitSeconds: 0 });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(types(events ?? [])).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('answers StartSyncExecution once the execution ended (clients without the sync- host prefix)', async () => {
    // the SDK prefixes this operation's host with "sync-": a loopback endpoint needs disableHostPrefix
    const sync = new SFNClient({
      endpoint: cloud.endpoints.sfn,
      region,
      credentials,
      disableHostPrefix: true,
    });
    try {
      const answer = await sync.send(
        new StartSyncExecutionCommand({
          stateMachineArn: outputs.SlowArn,
          input: JSON.stringify({ waitSeconds: 0 }),
        }),
      );
      expect(answer.status).toBe('SUCCEEDED');
      expect(JSON.parse(answer.output as string).echoed).toEqual({ waitSeconds: 0 });
    } finally {
      sync.destroy();
    }
  });

  it('answers unknown executions and machines with the errors AWS uses', async () => {
    await expect(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: `${outputs.WorkerArn?.replace(':stateMachine:', ':execution:')}:nope`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:none',
        }),
      ),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: 'not-an-arn' })),
    ).rejects.toMatchObject({
      name: 'InvalidArn',
    });
  });
});
