import type { LambdaFunctionSpec } from '../cloudformation/cloud-model.ts';
import type { InvokeAttempt, InvokeOutcome } from './runner.ts';

/**
 * Lambda's asynchronous invocation (S3 notifications, schedules): the caller does not wait, a failed
 * invocation is retried twice after a delay, and what still fails is recorded. `whenIdle` lets tests
 * and the demo wait until everything queued has run.
 */
export interface AsyncFailure {
  readonly functionName: string;
  readonly event: unknown;
  readonly error: string;
  readonly attempts: number;
}

export interface AsyncInvokerOptions {
  /** Delay before each retry; its length is the number of retries. Lambda: 2 retries (about 1 min, 2 min). */
  readonly retryDelaysMs?: readonly number[];
  readonly log?: (line: string) => void;
}

type Invoke = (spec: LambdaFunctionSpec, event: unknown, attempt: InvokeAttempt) => Promise<InvokeOutcome>;

export class AsyncInvoker {
  private readonly invoke: Invoke;
  private readonly retryDelaysMs: readonly number[];
  private readonly log: (line: string) => void;
  private readonly failureList: AsyncFailure[] = [];
  private inFlight = 0;
  /** Bumped on every enqueue: whenIdle waits for a quiet period with no new work. */
  private generation = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(invoke: Invoke, options: AsyncInvokerOptions = {}) {
    this.invoke = invoke;
    this.retryDelaysMs = options.retryDelaysMs ?? [1000, 2000];
    this.log = options.log ?? (() => {});
  }

  /** Queues an invocation; the promise settles after the last attempt (it never rejects). */
  enqueue(
    spec: LambdaFunctionSpec,
    event: unknown,
  ): Promise<{ ok: boolean; attempts: number; error?: string }> {
    this.inFlight++;
    this.generation++;
    return this.run(spec, event).finally(() => {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  private async run(
    spec: LambdaFunctionSpec,
    event: unknown,
  ): Promise<{ ok: boolean; attempts: number; error?: string }> {
    let lastError = '';
    for (let attempt = 1; ; attempt++) {
      let outcome: InvokeOutcome;
      try {
        outcome = await this.invoke(spec, event, { finalAttempt: attempt > this.retryDelaysMs.length });
      } catch (err) {
        outcome = {
          ok: false,
          requestId: '',
          error: { errorType: 'Runtime.Error', errorMessage: (err as Error).message },
        };
      }
      if (outcome.ok) return { ok: true, attempts: attempt };
      lastError = `${outcome.error.errorType}: ${outcome.error.errorMessage}`;
      // the cloud is shutting down: nothing to retry into, and not the function's failure
      if (outcome.error.errorType === 'Runtime.Stopped')
        return { ok: false, attempts: attempt, error: lastError };
      const delay = this.retryDelaysMs[attempt - 1];
      if (delay === undefined) break;
      this.log(
        `${spec.name}: async invocation failed (attempt ${attempt}), retrying in ${delay} ms: ${lastError}`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    const attempts = this.retryDelaysMs.length + 1;
    this.failureList.push({ functionName: spec.name, event, error: lastError, attempts });
    this.log(`${spec.name}: async invocation failed after ${attempts} attempts: ${lastError}`);
    return { ok: false, attempts, error: lastError };
  }

  failures(): readonly AsyncFailure[] {
    return [...this.failureList];
  }

  /**
   * Resolves once nothing is queued or running and no new work arrived for `settleMs`: events from
   * the S3 server arrive shortly after the request that caused them has been answered.
   */
  async whenIdle(settleMs = 150): Promise<void> {
    for (;;) {
      if (this.inFlight > 0) await new Promise<void>((wake) => this.idleWaiters.push(wake));
      const seen = this.generation;
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      if (this.inFlight === 0 && this.generation === seen) return;
    }
  }
}
