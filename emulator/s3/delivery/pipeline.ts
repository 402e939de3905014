import type { S3EventRecord } from '../event-records.ts';
import type { S3ChangeFacts } from './options.ts';
import type { DeliveryProfile } from './profile.ts';

/** Runs a task after a delay; the real one uses timers, tests use VirtualScheduler. */
export interface DeliveryScheduler {
  after(delayMs: number, task: () => void): void;
}

export interface DeliveryStats {
  /** Records that came from S3. */
  readonly received: number;
  /** Deliveries made (originals and duplicates). */
  readonly delivered: number;
  /** Records the profile sends no event for (LocalStack's missing-key deletes, lifecycle). */
  readonly dropped: number;
  readonly duplicates: number;
  /** Duplicates delivered after a delay rather than right after their original. */
  readonly lateDuplicates: number;
  /** Originals held back so that later records could overtake them. */
  readonly heldBack: number;
  /** Deliveries scheduled and not made yet. */
  readonly pending: number;
}

/**
 * Applies a profile to a stream of records: `accept` each record as S3 emits it; `deliver` is called
 * for each planned delivery, at once for a delay of 0 (in the order accepted) or via the scheduler.
 */
export class DeliveryPipeline {
  readonly #profile: DeliveryProfile;
  readonly #scheduler: DeliveryScheduler;
  readonly #deliver: (record: S3EventRecord) => void;
  readonly #drainWaiters: (() => void)[] = [];
  #stats = {
    received: 0,
    delivered: 0,
    dropped: 0,
    duplicates: 0,
    lateDuplicates: 0,
    heldBack: 0,
    pending: 0,
  };

  constructor(
    profile: DeliveryProfile,
    scheduler: DeliveryScheduler,
    deliver: (record: S3EventRecord) => void,
  ) {
    this.#profile = profile;
    this.#scheduler = scheduler;
    this.#deliver = deliver;
  }

  get profile(): DeliveryProfile {
    return this.#profile;
  }

  accept(record: S3EventRecord, facts: S3ChangeFacts): void {
    this.#stats.received++;
    const planned = this.#profile.plan(record, facts);
    if (planned.length === 0) this.#stats.dropped++;
    const original = planned.find((delivery) => !delivery.duplicate);
    if (original && original.delayMs > 0) this.#stats.heldBack++;
    for (const delivery of planned) {
      if (delivery.duplicate) {
        this.#stats.duplicates++;
        if (delivery.delayMs > (original?.delayMs ?? 0)) this.#stats.lateDuplicates++;
      }
      if (delivery.delayMs === 0) this.#send(delivery.record);
      else {
        this.#stats.pending++;
        this.#scheduler.after(delivery.delayMs, () => {
          this.#stats.pending--;
          this.#send(delivery.record);
          if (this.#stats.pending === 0) for (const wake of this.#drainWaiters.splice(0)) wake();
        });
      }
    }
  }

  #send(record: S3EventRecord): void {
    this.#stats.delivered++;
    this.#deliver(record);
  }

  stats(): DeliveryStats {
    return { ...this.#stats };
  }

  /** Forgets scheduled deliveries whose timers were cancelled (the cloud stopping); returns how many. */
  forgetPending(): number {
    const forgotten = this.#stats.pending;
    this.#stats.pending = 0;
    for (const wake of this.#drainWaiters.splice(0)) wake();
    return forgotten;
  }

  /** Resolves once no delivery is scheduled (held-back records and late duplicates are pending work). */
  whenDrained(): Promise<void> {
    if (this.#stats.pending === 0) return Promise.resolve();
    return new Promise((wake) => this.#drainWaiters.push(wake));
  }
}

/** A scheduler on a virtual clock, for tests: tasks run in due order (ties: in scheduling order) on advance(). */
export class VirtualScheduler implements DeliveryScheduler {
  #now = 0;
  #sequence = 0;
  readonly #tasks: { due: number; sequence: number; task: () => void }[] = [];

  get now(): number {
    return this.#now;
  }

  get pending(): number {
    return this.#tasks.length;
  }

  after(delayMs: number, task: () => void): void {
    this.#tasks.push({ due: this.#now + delayMs, sequence: this.#sequence++, task });
  }

  /** Moves the clock forward by `ms`, running what falls due (also tasks those tasks schedule). */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      this.#tasks.sort((a, b) => a.due - b.due || a.sequence - b.sequence);
      const next = this.#tasks[0];
      if (!next || next.due > until) break;
      this.#tasks.shift();
      this.#now = next.due;
      next.task();
    }
    this.#now = until;
  }
}

/** Real timers; `cancelAll` drops what is still scheduled (the cloud stopping). */
export class TimerScheduler implements DeliveryScheduler {
  readonly #timers = new Set<NodeJS.Timeout>();

  after(delayMs: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      task();
    }, delayMs);
    this.#timers.add(timer);
  }

  cancelAll(): number {
    const count = this.#timers.size;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    return count;
  }
}
