// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is DefinitionSubstitutions' placeholder syntax here
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, describe, expect, it } from 'vitest';
import type { AssemblyStack } from '../../../emulator/cloudformation/assembly.ts';
import { unsupportedFeatures } from '../../../emulator/cloudformation/deploy-plan.ts';
import { handlerFor } from '../../../emulator/resource-handlers.ts';
import { substitute, templateDefinition } from '../../../emulator/stepfunctions/definition.ts';
import { StepFunctionsService } from '../../../emulator/stepfunctions/service.ts';
import { ExecutionStore } from '../../../emulator/stepfunctions/store.ts';
import { classifyResource } from '../../../emulator/stepfunctions/task-resources.ts';
import {
  type FunctionOutcome,
  runTask,
  type TaskDependencies,
} from '../../../emulator/stepfunctions/tasks.ts';

/**
 * The embedded Step Functions without a cloud: what is refused up front, Lambda's error names, the
 * interpreter with Map, Parallel, intrinsics, Retry and Catch, and the store after a crash.
 */
const workDir = mkdtempSync(join(tmpdir(), 'sfn-pure-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

// clients for a service whose tasks only call functions: never used, nothing listens there
const unused = {
  endpoint: 'http://127.0.0.1:9',
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
};
const clients = {
  dynamodb: new DynamoDBClient(unused),
  s3: new S3Client(unused),
  sns: new SNSClient(unused),
};

function lambdaDeps(
  invoke: (name: string, payload: unknown) => FunctionOutcome | undefined,
): TaskDependencies {
  return { clients, invokeFunction: async (name, payload) => invoke(name, payload) };
}

const fnJoin = (parts: unknown[]) => ({ 'Fn::Join': ['', parts] });

describe('refused up front', () => {
  it('names each state and resource the embedded Step Functions cannot run', () => {
    const definition = fnJoin([
      JSON.stringify({
        StartAt: 'A',
        States: {
          A: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', Next: 'B' },
          B: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Next: 'C' },
          C: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:ec2:describeInstances', Next: 'D' },
          D: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Next: 'E' },
          E: { Type: 'Pass', Assign: { x: 1 }, Next: 'F' },
          F: { Type: 'Task', Resource: 'FUNCTION', End: true },
        },
      }).split('FUNCTION')[0],
      { 'Fn::GetAtt': ['Fn', 'Arn'] },
      '"}}}',
    ]);
    const stack = {
      name: 'S',
      template: {
        Resources: {
          Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: definition } },
        },
      },
    } as unknown as AssemblyStack;
    const where = 'stack S, resource Machine (AWS::StepFunctions::StateMachine): ';
    expect(unsupportedFeatures([stack], handlerFor)).toEqual([
      `${where}state "A": Resource arn:aws:states:::ecs:runTask.sync: the .sync integration pattern is not supported (request-response only)`,
      `${where}state "B": Resource arn:aws:states:::sqs:sendMessage: sqs:sendMessage is not supported (the embedded Step Functions runs lambda:invoke, Lambda function ARNs, dynamodb:putItem/getItem/updateItem/deleteItem, sns:publish and aws-sdk:<dynamodb|s3|sns>:<action>)`,
      `${where}state "C": Resource arn:aws:states:::aws-sdk:ec2:describeInstances: aws-sdk:ec2 is not in the embedded cloud (aws-sdk integrations: dynamodb, s3, sns)`,
      `${where}state "D": Resource arn:aws:states:::lambda:invoke.waitForTaskToken: the .waitForTaskToken integration pattern is not supported (request-response only)`,
      `${where}state "E": variables (Assign) are not supported`,
    ]);
  });

  it('refuses JSONata and unknown aws-sdk actions; reads the partition behind Ref', () => {
    const jsonata = { QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
    const stack = {
      name: 'S',
      template: {
        Resources: {
          J: { Type: 'AWS::StepFunctions::StateMachine', Properties: { Definition: jsonata } },
          K: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              DefinitionString: fnJoin([
                '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:',
                { Ref: 'AWS::Partition' },
                ':states:::aws-sdk:s3:flyAway","End":true}}}',
              ]),
            },
          },
          Fine: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              DefinitionString: fnJoin([
                '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:',
                { Ref: 'AWS::Partition' },
                ':states:::dynamodb:putItem","End":true}}}',
              ]),
            },
          },
        },
      },
    } as unknown as AssemblyStack;
    expect(unsupportedFeatures([stack], handlerFor)).toEqual([
      'stack S, resource J (AWS::StepFunctions::StateMachine): QueryLanguage JSONata is not supported (JSONPath only: the interpreter has no JSONata)',
      'stack S, resource K (AWS::StepFunctions::StateMachine): state "T": Resource arn:<intrinsic>:states:::aws-sdk:s3:flyAway: s3 has no action flyAway',
    ]);
  });

  it('refuses a definition whose transitions lead nowhere, naming the state', () => {
    const service = new StepFunctionsService({
      region: 'us-east-1',
      accountId: '000000000000',
      directory: null,
      tasks: lambdaDeps(() => undefined),
    });
    const definition = JSON.stringify({
      StartAt: 'A',
      States: { A: { Type: 'Pass', Next: 'Nowhere' }, B: { Type: 'Wait', Seconds: 1 } },
    });
    expect(() => service.createStateMachine({ name: 'bad', definition, roleArn: 'r' })).toThrow(
      'Invalid State Machine Definition: state "A": transition to "Nowhere", which is not a state here; state "B": needs exactly one of Next and End',
    );
    service.stop();
  });

  it('applies DefinitionSubstitutions and classifies resources', () => {
    expect(substitute('{"a":"${x}","b":"${missing}"}', { x: 'arn:1' })).toBe(
      '{"a":"arn:1","b":"${missing}"}',
    );
    expect(
      templateDefinition({
        DefinitionString: '{"StartAt":"${S}","States":{"${S}":{"Type":"Pass","End":true}}}',
        DefinitionSubstitutions: { S: 'Go' },
      }),
    ).toEqual({ StartAt: 'Go', States: { Go: { Type: 'Pass', End: true } } });
    expect(classifyResource('arn:aws:lambda:us-east-1:1:function:f')).toEqual({
      type: 'lambda-function',
      functionArn: 'arn:aws:lambda:us-east-1:1:function:f',
    });
    expect(classifyResource('arn:aws:states:::dynamodb:getItem')).toEqual({
      type: 'optimized',
      service: 'dynamodb',
      action: 'getItem',
    });
    expect(classifyResource('arn:aws:states:::aws-sdk:dynamodb:query')).toEqual({
      type: 'sdk',
      service: 'dynamodb',
      action: 'query',
    });
  });
});

describe('Lambda errors under the names AWS uses', () => {
  const invoke = { type: 'lambda-invoke' } as const;
  const params = { FunctionName: 'f', Payload: { a: 1 } };

  it("passes the function's errorType, with its error object as the Cause", async () => {
    const deps = lambdaDeps(() => ({
      ok: false,
      requestId: 'r',
      errorType: 'ImageError',
      errorMessage: 'not an image',
    }));
    await expect(runTask(invoke, params, deps)).rejects.toMatchObject({
      name: 'ImageError',
      message: JSON.stringify({ errorType: 'ImageError', errorMessage: 'not an image', trace: [] }),
    });
  });

  it('turns service failures into Lambda.ServiceException and a missing function into Lambda.ResourceNotFoundException', async () => {
    const broken = lambdaDeps(() => {
      throw new Error('socket hang up');
    });
    await expect(runTask(invoke, params, broken)).rejects.toMatchObject({ name: 'Lambda.ServiceException' });
    const stopping = lambdaDeps(() => ({
      ok: false,
      requestId: 'r',
      errorType: 'Runtime.Stopped',
      errorMessage: 'stopped',
    }));
    await expect(runTask(invoke, params, stopping)).rejects.toMatchObject({
      name: 'Lambda.ServiceException',
    });
    await expect(
      runTask(
        invoke,
        params,
        lambdaDeps(() => undefined),
      ),
    ).rejects.toMatchObject({
      name: 'Lambda.ResourceNotFoundException',
    });
  });

  it("answers lambda:invoke with Payload and StatusCode, a function ARN with the function's result", async () => {
    const deps = lambdaDeps((_name, payload) => ({ ok: true, requestId: 'r', payload: { got: payload } }));
    expect(await runTask(invoke, params, deps)).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { got: { a: 1 } },
      StatusCode: 200,
      SdkResponseMetadata: { RequestId: 'r' },
    });
    expect(
      await runTask(
        { type: 'lambda-function', functionArn: 'arn:aws:lambda:r:1:function:f' },
        { b: 2 },
        deps,
      ),
    ).toEqual({
      got: { b: 2 },
    });
  });
});

describe('the interpreter with this cloud tasks', () => {
  it('runs Map, Parallel, intrinsics, Retry on Lambda.ServiceException and Catch on States.TaskFailed', async () => {
    let calls = 0;
    const service = new StepFunctionsService({
      region: 'us-east-1',
      accountId: '000000000000',
      directory: null,
      tasks: lambdaDeps((name, payload) => {
        calls++;
        if (name === 'flaky' && calls === 1) throw new Error('connection reset');
        if (name === 'bad') return { ok: false, requestId: 'r', errorType: 'Boom', errorMessage: 'no' };
        return { ok: true, requestId: 'r', payload: { name, payload } };
      }),
    });
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            StartAt: 'Label',
            States: {
              Label: { Type: 'Pass', Parameters: { 'text.$': "States.Format('item {}', $)" }, End: true },
            },
          },
          ResultPath: '$.labels',
          Next: 'Both',
        },
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Flaky',
              States: {
                Flaky: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke',
                  Parameters: { FunctionName: 'flaky', 'Payload.$': 'States.ArrayLength($.items)' },
                  Retry: [{ ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 1, MaxAttempts: 2 }],
                  ResultSelector: { 'count.$': '$.Payload.payload' },
                  End: true,
                },
              },
            },
            {
              StartAt: 'Bad',
              States: {
                Bad: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke',
                  Parameters: { FunctionName: 'bad' },
                  Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.caught', Next: 'Recovered' }],
                  End: true,
                },
                Recovered: { Type: 'Pass', OutputPath: '$.caught.Error', End: true },
              },
            },
          ],
          ResultPath: '$.both',
          End: true,
        },
      },
    };
    const machine = service.createStateMachine({
      name: 'm',
      definition: JSON.stringify(definition),
      roleArn: 'r',
    });
    const started = service.startExecution(machine.arn, 'one', JSON.stringify({ items: [1, 2, 3] }));
    await service.whenIdle();
    const done = service.describeExecution(started.executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({
      items: [1, 2, 3],
      labels: [{ text: 'item 1' }, { text: 'item 2' }, { text: 'item 3' }],
      both: [{ count: 3 }, 'Boom'],
    });
    const types = service.history(started.executionArn).map((event) => event.type);
    expect(types.filter((type) => type.startsWith('Map'))).toEqual([
      'MapStateEntered',
      'MapStateStarted',
      'MapIterationStarted',
      'MapIterationStarted',
      'MapIterationStarted',
      'MapIterationSucceeded',
      'MapIterationSucceeded',
      'MapIterationSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
    ]);
    expect(types.filter((type) => type === 'TaskFailed')).toHaveLength(2); // the retried one, the caught one
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    service.stop();
  });
});

describe('Task timeouts', () => {
  it('records TaskTimedOut, not the late answer; States.TaskFailed does not catch it', async () => {
    const service = new StepFunctionsService({
      region: 'us-east-1',
      accountId: '000000000000',
      directory: null,
      tasks: {
        clients,
        invokeFunction: () =>
          new Promise((resolve) =>
            setTimeout(() => resolve({ ok: true, requestId: 'r', payload: 'late' }), 1500),
          ),
      },
    });
    const definition = {
      StartAt: 'Slow',
      States: {
        Slow: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'f' },
          TimeoutSeconds: 1,
          Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Succeed' },
      },
    };
    const machine = service.createStateMachine({
      name: 't',
      definition: JSON.stringify(definition),
      roleArn: 'r',
    });
    const started = service.startExecution(machine.arn, undefined, undefined);
    await service.whenIdle();
    expect(service.describeExecution(started.executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'States.Timeout',
    });
    await new Promise((resolve) => setTimeout(resolve, 700)); // the late answer arrives
    const history = service.history(started.executionArn);
    expect(history.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskTimedOut',
      'ExecutionFailed',
    ]);
    expect(history[4]?.details).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'States.Timeout',
    });
    service.stop();
  });
});

describe('the executions store', () => {
  it('marks executions a crashed process left RUNNING as FAILED when opened again', () => {
    const directory = join(workDir, 'crash');
    const before = new ExecutionStore(directory);
    before.insert({
      executionArn: 'arn:aws:states:us-east-1:0:execution:m:e',
      stateMachineArn: 'arn:aws:states:us-east-1:0:stateMachine:m',
      name: 'e',
      status: 'RUNNING',
      input: '{}',
      startDate: 1,
    });
    before.appendEvent('arn:aws:states:us-east-1:0:execution:m:e', 1, 'ExecutionStarted');
    // no close(): the process died
    const after = new ExecutionStore(directory);
    expect(after.markInterrupted(5)).toBe(1);
    expect(after.get('arn:aws:states:us-east-1:0:execution:m:e')).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'the embedded cloud stopped while the execution ran',
      stopDate: 5,
    });
    expect(after.events('arn:aws:states:us-east-1:0:execution:m:e').map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'ExecutionFailed',
    ]);
    expect(after.markInterrupted(6)).toBe(0);
    before.close();
    after.close();
  });
});
