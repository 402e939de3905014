import { afterAll, describe, expect, it } from 'vitest';
import type { LambdaFunctionSpec } from '../../../emulator/cloudformation/cloud-model.ts';
import { AsyncInvoker } from '../../../emulator/lambda/async-invoker.ts';
import { LambdaRunner } from '../../../emulator/lambda/runner.ts';
import { echoAsset, fixtureFunction } from './fixture-function.ts';

const spec = fixtureFunction;

const runner = new LambdaRunner({
  region: 'eu-west-1',
  endpoints: { s3: 'http://127.0.0.1:1111', dynamodb: 'http://127.0.0.1:2222' },
});
afterAll(() => runner.stop());

interface EchoResult {
  event: unknown;
  env: Record<string, string>;
  invocations: number;
  context: { functionName: string; memoryLimitInMB: string; invokedFunctionArn: string; remainingMs: number };
}

async function echo(target: LambdaFunctionSpec, event: unknown): Promise<EchoResult> {
  const outcome = await runner.invoke(target, event);
  if (!outcome.ok) throw new Error(`${outcome.error.errorType}: ${outcome.error.errorMessage}`);
  return outcome.payload as EchoResult;
}

describe('LambdaRunner', () => {
  const one = spec('one', 'index.handler', { environment: { ONLY_ONE: '1', AWS_REGION: 'ignored' } });
  const two = spec('two', 'index.handler', { environment: { ONLY_TWO: '2' }, memoryMb: 512 });

  it('gives each function only its own environment plus the Lambda and endpoint variables', async () => {
    const [a, b] = await Promise.all([echo(one, { n: 1 }), echo(two, { n: 2 })]);
    expect(a.event).toEqual({ n: 1 });
    expect(a.env).toMatchObject({
      ONLY_ONE: '1',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1111',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:2222',
      AWS_LAMBDA_FUNCTION_NAME: 'one',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      LAMBDA_TASK_ROOT: echoAsset,
      _HANDLER: 'index.handler',
    });
    expect(a.env.ONLY_TWO).toBeUndefined();
    expect(b.env.ONLY_ONE).toBeUndefined();
    expect(b.env).toMatchObject({ ONLY_TWO: '2', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' });
    // nothing of the test process leaks in (vitest sets VITEST in its own environment)
    expect(a.env.VITEST).toBeUndefined();
  });

  it('passes a Lambda context with the remaining time', async () => {
    const result = await echo(one, {});
    expect(result.context).toMatchObject({
      functionName: 'one',
      memoryLimitInMB: '256',
      invokedFunctionArn: one.arn,
    });
    expect(result.context.remainingMs).toBeGreaterThan(8000);
    expect(result.context.remainingMs).toBeLessThanOrEqual(10_000);
  });

  it('keeps an environment warm between invocations', async () => {
    const warm = spec('warm', 'index.handler');
    const first = await echo(warm, {});
    const second = await echo(warm, {});
    expect(second.invocations).toBe(first.invocations + 1);
  });

  it('returns a structured error when the function throws, and records its logs', async () => {
    const failing = spec('failing', 'index.fail');
    const outcome = await runner.invoke(failing, {});
    expect(outcome).toMatchObject({
      ok: false,
      error: { errorType: 'TypeError', errorMessage: 'always fails' },
    });
    const logs = runner.logs('failing');
    expect(logs.some((line) => line.startsWith('START RequestId:'))).toBe(true);
    expect(logs).toContain('failing on purpose');
    expect(logs.some((line) => line.startsWith('REPORT RequestId:'))).toBe(true);
  });

  it('reports a missing handler export or module the way Lambda does', async () => {
    const noExport = await runner.invoke(spec('noexport', 'index.nothing'), {});
    expect(noExport).toMatchObject({ ok: false, error: { errorType: 'Runtime.HandlerNotFound' } });
    const noModule = await runner.invoke(spec('nomodule', 'missing.handler'), {});
    expect(noModule).toMatchObject({ ok: false, error: { errorType: 'Runtime.ImportModuleError' } });
  });

  it('enforces the timeout and starts a fresh environment afterwards', async () => {
    const slow = spec('slow', 'index.slow', { timeoutSeconds: 1 });
    const started = Date.now();
    const outcome = await runner.invoke(slow, { sleepMs: 5000 });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(outcome).toMatchObject({
      ok: false,
      error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' },
    });
    const next = await runner.invoke(slow, { sleepMs: 10 });
    expect(next).toMatchObject({ ok: true, payload: 'finished' });
  });

  it('survives a function that exits its process', async () => {
    const crash = spec('crash', 'index.crash');
    const outcome = await runner.invoke(crash, {});
    expect(outcome).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
    // a fresh environment is started for the next invocation (which exits again)
    expect(await runner.invoke(crash, {})).toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.ExitError' },
    });
    expect((await runner.invoke(spec('after-crash', 'index.handler'), {})).ok).toBe(true);
  });

  it('replaces an environment that died while idle, even at the concurrency limit', async () => {
    const single = new LambdaRunner({
      region: 'eu-west-1',
      endpoints: { s3: 'http://127.0.0.1:1111', dynamodb: 'http://127.0.0.1:2222' },
      maxConcurrency: 1,
    });
    try {
      const target = spec('dies-idle', 'index.pid');
      const first = await single.invoke(target, {});
      if (!first.ok) throw new Error(first.error.errorMessage);
      const pid = first.payload as number;
      process.kill(pid, 'SIGKILL'); // out of memory, killed by the OS: no invocation in flight
      // reaped (so the runner has seen the exit) once signal 0 fails
      await expect
        .poll(
          () => {
            try {
              process.kill(pid, 0);
              return 'alive';
            } catch {
              return 'gone';
            }
          },
          { timeout: 5_000 },
        )
        .toBe('gone');
      // an invocation sent before the runner saw the exit fails with Runtime.ExitError; then a fresh
      // environment must come (before the fix the pool still counted the dead one and waited forever)
      let next: Awaited<ReturnType<typeof single.invoke>> | 'hung' = 'hung';
      for (let attempt = 0; attempt < 3 && (next === 'hung' || !next.ok); attempt++) {
        next = await Promise.race([
          single.invoke(target, {}),
          new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000)),
        ]);
        if (next === 'hung') break;
      }
      expect(next).toMatchObject({ ok: true });
      expect(next !== 'hung' && next.ok && next.payload).not.toBe(pid);
    } finally {
      await single.stop();
    }
  });
});

describe('AsyncInvoker', () => {
  it('retries a failing invocation twice, then records the failure', async () => {
    const lines: string[] = [];
    const invoker = new AsyncInvoker((target, event) => runner.invoke(target, event), {
      retryDelaysMs: [50, 50],
      log: (line) => lines.push(line),
    });
    const failing = spec('async-failing', 'index.fail');
    const result = await invoker.enqueue(failing, { id: 1 });
    expect(result).toEqual({ ok: false, attempts: 3, error: 'TypeError: always fails' });
    expect(runner.logs('async-failing').filter((line) => line === 'failing on purpose')).toHaveLength(3);
    expect(invoker.failures()).toEqual([
      { functionName: 'async-failing', event: { id: 1 }, error: 'TypeError: always fails', attempts: 3 },
    ]);
    expect(lines.filter((line) => line.includes('retrying'))).toHaveLength(2);
  });

  it('resolves whenIdle only after queued invocations have run', async () => {
    const invoker = new AsyncInvoker((target, event) => runner.invoke(target, event), { retryDelaysMs: [] });
    const sleeper = spec('async-slow', 'index.slow', { timeoutSeconds: 5 });
    let done = 0;
    for (let i = 0; i < 3; i++) {
      void invoker.enqueue(sleeper, { sleepMs: 300 }).then(() => {
        done++;
      });
    }
    await invoker.whenIdle(50);
    expect(done).toBe(3);
    expect(invoker.failures()).toEqual([]);
  });
});
