import { afterAll, describe, expect, it } from 'vitest';
import { AsyncInvoker } from '../../../emulator/lambda/async-invoker.ts';
import { FaultInjector, type FaultOptions } from '../../../emulator/lambda/faults.ts';
import { LambdaRunner } from '../../../emulator/lambda/runner.ts';
import { seededRandom } from '../../../emulator/services/seeded-random.ts';
import { fixtureFunction } from './fixture-function.ts';

const spec = fixtureFunction;

const runners: LambdaRunner[] = [];
function runnerWith(faults: FaultOptions): { runner: LambdaRunner; injector: FaultInjector } {
  const injector = new FaultInjector(faults);
  const runner = new LambdaRunner({
    region: 'eu-west-1',
    endpoints: { s3: 'http://127.0.0.1:1111', dynamodb: 'http://127.0.0.1:2222' },
    maxConcurrency: 4,
    faults: injector,
  });
  runners.push(runner);
  return { runner, injector };
}
afterAll(() => Promise.all(runners.map((runner) => runner.stop())));

describe('seededRandom', () => {
  it('is reproducible for a seed and stays in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const drawn = Array.from({ length: 1000 }, () => a());
    expect(drawn).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...drawn)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...drawn)).toBeLessThan(1);
    expect(seededRandom(8)()).not.toBe(drawn[0]);
  });
});

describe('crash injection', () => {
  it('kills handlers mid-invocation; async retries end every event handled by a spared last attempt', async () => {
    const { runner, injector } = runnerWith({
      crashRate: 0.5,
      seed: 42,
      functions: ['faulty'],
      spareFinalAttempt: true,
    });
    const faulty = spec('faulty', 'index.slow'); // ~50 ms per invocation
    await runner.prewarm(faulty);
    const retryLines: string[] = [];
    const invoker = new AsyncInvoker((target, event, attempt) => runner.invoke(target, event, attempt), {
      retryDelaysMs: [20, 20],
      log: (line) => retryLines.push(line),
    });
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, id) => invoker.enqueue(faulty, { sleepMs: 50, id })),
    );

    const { invocations, crashes } = injector.stats();
    const attempts = results.reduce((sum, result) => sum + result.attempts, 0);
    expect(invocations).toBe(attempts);
    // crashes really happen (a planned crash of a handler that finishes first does not count)...
    expect(crashes).toBeGreaterThan(3);
    // ...each one is a failed attempt that was retried, and every event ends handled, none failed
    expect(results.every((result) => result.ok)).toBe(true);
    expect(attempts - results.length).toBe(crashes);
    expect(retryLines.filter((line) => line.includes('Runtime.ExitError'))).toHaveLength(crashes);
    expect(invoker.failures()).toEqual([]);
    const errors = runner.logs('faulty').filter((line) => line.includes('ERROR Runtime.ExitError'));
    expect(errors).toHaveLength(crashes);
    expect(errors[0]).toContain('injected crash');
  });

  it('records an event whose every attempt crashes as failed when the last attempt is not spared', async () => {
    const { runner, injector } = runnerWith({ crashRate: 1, seed: 1 });
    const faulty = spec('always-crashing', 'index.slow');
    await runner.prewarm(faulty);
    const invoker = new AsyncInvoker((target, event, attempt) => runner.invoke(target, event, attempt), {
      retryDelaysMs: [20, 20],
    });
    const result = await invoker.enqueue(faulty, { sleepMs: 200 }); // the crash lands within 50 ms
    expect(result).toMatchObject({ ok: false, attempts: 3 });
    expect(injector.stats()).toEqual({ invocations: 3, crashes: 3 });
    expect(invoker.failures()).toHaveLength(1);
    expect(invoker.failures()[0]?.error).toMatch(/^Runtime\.ExitError: .*injected crash/);
  });

  it('leaves other functions, and sync invocations of spared functions, alone', async () => {
    const { runner, injector } = runnerWith({
      crashRate: 1,
      seed: 3,
      functions: ['target'],
      spareFinalAttempt: true,
    });
    const other = spec('other', 'index.slow');
    const target = spec('target', 'index.slow');
    await Promise.all([runner.prewarm(other), runner.prewarm(target)]);
    for (let i = 0; i < 5; i++) {
      expect(await runner.invoke(other, { sleepMs: 20 }, { finalAttempt: false })).toMatchObject({
        ok: true,
      });
      // a sync invoke is its own final attempt
      expect(await runner.invoke(target, { sleepMs: 20 })).toMatchObject({ ok: true });
    }
    expect(injector.stats()).toEqual({ invocations: 5, crashes: 0 });
  });
});
