// The worker of the Step Functions fixture app. `mode` picks what it does: `ok` doubles `value`,
// `flaky` fails with errorType Flaky on its first attempt per id (attempts counted in a file, so any
// execution environment sees them), `fail` throws a WorkerError, `echo` returns its event.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

class WorkerError extends Error {
  constructor(message) {
    super(message);
    this.name = 'WorkerError';
  }
}

class Flaky extends Error {
  constructor(message) {
    super(message);
    this.name = 'Flaky';
  }
}

export const handler = async (event) => {
  if (event.mode === 'fail') throw new WorkerError(`cannot work on ${event.id}`);
  if (event.mode === 'flaky') {
    const file = join(tmpdir(), `sfn-fixture-attempts-${event.id}`);
    const attempts = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
    writeFileSync(file, String(attempts + 1));
    if (attempts === 0) throw new Flaky(`first attempt on ${event.id} fails`);
  }
  return { doubled: event.value * 2, attempt: event.mode };
};

export const echo = async (event) => ({ echoed: event, sfnEndpoint: process.env.AWS_ENDPOINT_URL_SFN });

// Starts the Worker state machine through @aws-sdk/client-sfn (the runtime's SDK), reaching the
// embedded Step Functions through AWS_ENDPOINT_URL_SFN like any function would.
export const start = async (event) => {
  const { SFNClient, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
  const client = new SFNClient({});
  const started = await client.send(
    new StartExecutionCommand({
      stateMachineArn: process.env.STATE_MACHINE_ARN,
      name: event.name,
      input: JSON.stringify(event.input),
    }),
  );
  return { executionArn: started.executionArn };
};
