import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, expect, inject, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../emulator/local-cloud.ts';
import { FIXTURE_ASSEMBLY } from './fixture-app.ts';

/**
 * Executions outlive the cloud that ran them: a finished one is found again with its history after
 * a restart on the same state folder; one still running when the cloud stopped is FAILED, not lost.
 */
const workDir = mkdtempSync(join(tmpdir(), 'sfn-restart-'));
const stateDir = join(workDir, 'state');
const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let cloud: LocalCloud | undefined;

const start = () =>
  startLocalCloud({
    assemblyDir: FIXTURE_ASSEMBLY,
    stateDir,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    log: () => {},
  });

afterAll(async () => {
  await cloud?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

it('keeps finished executions across a restart and marks interrupted ones FAILED', async () => {
  cloud = await start();
  const outputs = cloud.outputs.SfnFixture as Record<string, string>;
  let sfn = new SFNClient({ endpoint: cloud.endpoints.sfn, region, credentials });
  const done = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: outputs.WorkerArn,
      name: 'before-restart',
      input: JSON.stringify({ id: 'restart', mode: 'ok', value: 1 }),
    }),
  );
  await cloud.whenIdle();
  const running = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: outputs.SlowArn,
      input: JSON.stringify({ waitSeconds: 600 }),
    }),
  );
  expect((await sfn.send(new DescribeExecutionCommand({ executionArn: running.executionArn }))).status).toBe(
    'RUNNING',
  );
  sfn.destroy();
  await cloud.stop();

  cloud = await start();
  sfn = new SFNClient({ endpoint: cloud.endpoints.sfn, region, credentials });
  try {
    const again = cloud.outputs.SfnFixture as Record<string, string>;
    expect(again.WorkerArn).toBe(outputs.WorkerArn); // same names from the state folder's seed
    const finished = await sfn.send(new DescribeExecutionCommand({ executionArn: done.executionArn }));
    expect(finished.status).toBe('SUCCEEDED');
    expect(JSON.parse(finished.output as string).work).toEqual({ doubled: 2 });
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: done.executionArn }));
    expect(history.events?.at(-1)?.type).toBe('ExecutionSucceeded');

    const interrupted = await sfn.send(new DescribeExecutionCommand({ executionArn: running.executionArn }));
    expect(interrupted).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'the embedded cloud stopped while the execution ran',
    });
    expect(interrupted.stopDate).toBeInstanceOf(Date);
    const events = (await sfn.send(new GetExecutionHistoryCommand({ executionArn: running.executionArn })))
      .events;
    expect(events?.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'ExecutionFailed',
    ]);
    const failed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: outputs.SlowArn, statusFilter: 'FAILED' }),
    );
    expect(failed.executions?.map((e) => e.executionArn)).toEqual([running.executionArn]);
    // the name of a finished execution stays taken, as on AWS
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: outputs.WorkerArn,
          name: 'before-restart',
          input: JSON.stringify({ id: 'restart', mode: 'ok', value: 1 }),
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  } finally {
    sfn.destroy();
  }
});
