import type { LambdaFunctionSpec } from '../cloudformation/cloud-model.ts';
import { seededRandom } from '../services/seeded-random.ts';

/**
 * Crash injection for fault campaigns (opt-in, off by default): a chosen share of invocations has its
 * execution environment killed (SIGKILL) at a random moment while the handler runs, as a Lambda
 * environment dies on an out-of-memory error or a host failure. The runner reports it as
 * `Runtime.ExitError`, so async invocations are retried as Lambda retries them.
 */
export interface FaultOptions {
  /** Share of invocations (0..1) that get a crash planned; one that finishes first is not crashed. */
  readonly crashRate: number;
  /** Seed of the PRNG that picks the invocations and the crash moments. */
  readonly seed: number;
  /** Logical id prefixes of the functions to crash; every function when omitted. */
  readonly functions?: readonly string[];
  /** Never crash the last attempt of an async event (nor a sync invocation, which has no retry). */
  readonly spareFinalAttempt?: boolean;
  /**
   * Clock skew per execution environment: each new environment of a function the faults apply to
   * gets its own offset, drawn uniformly from [-clockSkewMs, +clockSkewMs] (its `Date.now()` and
   * `new Date()` are shifted by it), as if every writer ran on a machine with its own clock. 0 by default.
   */
  readonly clockSkewMs?: number;
}

export interface FaultStats {
  /** Invocations of the functions the faults apply to. */
  readonly invocations: number;
  /** Invocations killed by an injected crash. */
  readonly crashes: number;
}

export class FaultInjector {
  private readonly options: FaultOptions;
  private readonly random: () => number;
  /** A stream of its own, so that skew does not change which invocations crash for a seed. */
  private readonly skewRandom: () => number;
  /** Moving average of each function's invocation time: crash moments are drawn within it. */
  private readonly typicalMs = new Map<string, number>();
  private invocations = 0;
  private crashes = 0;

  constructor(options: FaultOptions) {
    if (!(options.crashRate >= 0 && options.crashRate <= 1))
      throw new Error(`faults.crashRate must be between 0 and 1, got ${options.crashRate}`);
    if (!((options.clockSkewMs ?? 0) >= 0))
      throw new Error(`faults.clockSkewMs must be >= 0, got ${options.clockSkewMs}`);
    this.options = options;
    this.random = seededRandom(options.seed);
    this.skewRandom = seededRandom(options.seed + 1);
  }

  /** The clock offset for a new execution environment of `spec` (0 when the faults do not apply). */
  clockOffsetMs(spec: LambdaFunctionSpec): number {
    const skew = this.options.clockSkewMs ?? 0;
    if (skew === 0 || !this.applies(spec)) return 0;
    return Math.round((this.skewRandom() * 2 - 1) * skew);
  }

  applies(spec: LambdaFunctionSpec): boolean {
    const prefixes = this.options.functions;
    return !prefixes || prefixes.some((prefix) => spec.logicalId.startsWith(prefix));
  }

  /**
   * Called once per invocation: the delay after which to kill its environment, or undefined for no
   * crash, counted from the start of the handler (after the init phase of a fresh environment).
   * `finalAttempt`: no retry follows this attempt.
   */
  plan(spec: LambdaFunctionSpec, finalAttempt: boolean): number | undefined {
    if (!this.applies(spec)) return undefined;
    this.invocations++;
    if (finalAttempt && this.options.spareFinalAttempt) return undefined;
    if (this.random() >= this.options.crashRate) return undefined;
    return this.random() * (this.typicalMs.get(spec.arn) ?? 50);
  }

  /** Records how an invocation of a function the faults apply to ended (`warm`: no init phase in it). */
  observe(spec: LambdaFunctionSpec, outcome: { durationMs: number; crashed: boolean; warm: boolean }): void {
    if (outcome.crashed) this.crashes++;
    if (outcome.crashed || !outcome.warm) return;
    const durationMs = outcome.durationMs;
    const typical = this.typicalMs.get(spec.arn);
    this.typicalMs.set(spec.arn, typical === undefined ? durationMs : 0.9 * typical + 0.1 * durationMs);
  }

  stats(): FaultStats {
    return { invocations: this.invocations, crashes: this.crashes };
  }
}
