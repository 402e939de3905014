import type { S3EventRecord } from '../event-records.ts';
import { type EventsOptions, NO_FACTS, resolveEventsOptions, type S3ChangeFacts } from './options.ts';
import { DeliveryPipeline, type DeliveryStats, TimerScheduler } from './pipeline.ts';
import { createDeliveryProfile, type DeliveryProfile } from './profile.ts';

/** The S3 server's event stream: today's passes the record only, the new one also its facts. */
export interface S3ChangeStream {
  onEvent(listener: (record: S3EventRecord, facts?: S3ChangeFacts) => void): () => void;
}

/**
 * The thin adapter between the S3 server and the notifications: the S3 records pass through a
 * delivery profile on real timers, and come out as an event source (`onEvent`) for the router.
 */
export interface ProfiledEventSource {
  readonly profile: DeliveryProfile;
  onEvent(listener: (record: S3EventRecord) => void): () => void;
  stats(): DeliveryStats;
  /** Resolves once nothing is held back (late duplicates, delayed records). */
  whenDrained(): Promise<void>;
  /** Stops listening to S3 and drops what is still scheduled; returns how many deliveries were dropped. */
  stop(): number;
}

export function profiledEventSource(
  upstream: S3ChangeStream,
  options: EventsOptions,
  log: (line: string) => void = () => {},
): ProfiledEventSource {
  const resolved = resolveEventsOptions(options);
  const profile = createDeliveryProfile(resolved);
  const listeners = new Set<(record: S3EventRecord) => void>();
  const scheduler = new TimerScheduler();
  const pipeline = new DeliveryPipeline(profile, scheduler, (record) => {
    for (const listener of [...listeners]) {
      try {
        listener(record);
      } catch (err) {
        log(
          `an event listener threw on ${record.eventName}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  });
  const unsubscribe = upstream.onEvent((record, facts) => pipeline.accept(record, facts ?? NO_FACTS));
  return {
    profile,
    onEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    stats: () => pipeline.stats(),
    whenDrained: () => pipeline.whenDrained(),
    stop() {
      unsubscribe();
      scheduler.cancelAll();
      return pipeline.forgetPending();
    },
  };
}

/** One line for logs: the profile, its rates and the seed to replay it. */
export function describeProfile(profile: DeliveryProfile): string {
  const o = profile.options;
  if (o.profile === 'ideal') return 'events: ideal (each record once, in order)';
  const pct = (value: number) => `${Math.round(value * 1000) / 10} %`;
  return `events: ${o.profile}, seed ${o.seed} (EVENTS_SEED=${o.seed} replays it): duplicates ${pct(o.duplicateRate)} (${pct(o.lateDuplicateShare)} of them late), held back ${pct(o.reorderRate)}, delays up to ${o.maxDelayMs} ms`;
}
