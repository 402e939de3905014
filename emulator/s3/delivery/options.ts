/**
 * How the embedded cloud delivers S3 event records to the functions a bucket notifies: the
 * "delivery profile" (`startLocalCloud({ events })`, `make embedded-up EVENTS=...`).
 *
 * - `ideal`: each record once, in the order the changes happened (the embedded S3 as it is).
 * - `aws`: at-least-once and unordered, as S3 documents it: duplicates (some late), records held
 *   back so that later ones overtake them, within a key and across keys. Seeded.
 * - `localstack-4.14`: the records LocalStack 4.14.0 writes (see localstack-4.14.ts).
 */
export const DELIVERY_PROFILES = ['ideal', 'aws', 'localstack-4.14'] as const;
export type DeliveryProfileName = (typeof DELIVERY_PROFILES)[number];

/** What the S3 server knows about a change beyond its record (contract with emulator/s3/server.ts). */
export interface S3ChangeFacts {
  /** A DeleteObject/DeleteObjects entry that removed nothing and created no marker (unversioned bucket, missing key). */
  readonly removedNothing: boolean;
  /**
   * The API operation, when the server says it. LocalStack drops the event of a DeleteObject that
   * removed nothing but sends one for such a DeleteObjects entry; without it, DeleteObject is assumed.
   */
  readonly operation?: string;
}

/** Today's server passes no facts: nothing is known to have been a no-op. */
export const NO_FACTS: S3ChangeFacts = { removedNothing: false };

export interface DeliveryRates {
  /** Share of records (0..1) delivered a second time. */
  readonly duplicateRate: number;
  /** Share of the duplicates (0..1) delivered late (after a random delay) rather than right after the original. */
  readonly lateDuplicateShare: number;
  /** Share of records (0..1) held back for a random delay, so later records overtake them. */
  readonly reorderRate: number;
  /** Upper bound of those delays, in ms. */
  readonly maxDelayMs: number;
}

export interface EventsOptions extends Partial<DeliveryRates> {
  readonly profile: DeliveryProfileName;
  /** Seed of the PRNG behind every random choice; a failing run replays with the same seed. */
  readonly seed?: number;
}

/** Defaults per profile: noticeable, not absurd. */
export const DEFAULT_RATES: Record<DeliveryProfileName, DeliveryRates> = {
  ideal: { duplicateRate: 0, lateDuplicateShare: 0, reorderRate: 0, maxDelayMs: 0 },
  aws: { duplicateRate: 0.1, lateDuplicateShare: 0.5, reorderRate: 0.1, maxDelayMs: 300 },
  // LocalStack hands each notification to a pool of 3 threads (notifications.py,
  // `NotificationDispatcher.__init__(num_thread=3)`, `ThreadPoolExecutor`), each making its own
  // `lambda.invoke(InvocationType="Event")`: a record can overtake one submitted just before it.
  // It never sends one twice (retries only follow a failed invocation).
  'localstack-4.14': { duplicateRate: 0, lateDuplicateShare: 0, reorderRate: 0.05, maxDelayMs: 20 },
};

export interface ResolvedEventsOptions extends DeliveryRates {
  readonly profile: DeliveryProfileName;
  readonly seed: number;
}

function rate(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1))
    throw new Error(`events.${field} must be a number between 0 and 1, got ${JSON.stringify(value)}`);
  return value;
}

/** Checks the options (errors name the field) and fills in the profile's defaults; a missing seed is drawn. */
export function resolveEventsOptions(
  options: EventsOptions,
  drawSeed: () => number = () => Math.floor(Math.random() * 2 ** 31),
): ResolvedEventsOptions {
  if (!DELIVERY_PROFILES.includes(options.profile))
    throw new Error(
      `events.profile must be one of ${DELIVERY_PROFILES.join(', ')}, got ${JSON.stringify(options.profile)}`,
    );
  const defaults = DEFAULT_RATES[options.profile];
  const seed = options.seed ?? drawSeed();
  if (!Number.isSafeInteger(seed))
    throw new Error(`events.seed must be an integer, got ${JSON.stringify(seed)}`);
  const maxDelayMs = options.maxDelayMs ?? defaults.maxDelayMs;
  if (
    typeof maxDelayMs !== 'number' ||
    !Number.isInteger(maxDelayMs) ||
    maxDelayMs < 0 ||
    maxDelayMs > 600_000
  )
    throw new Error(
      `events.maxDelayMs must be an integer from 0 to 600000, got ${JSON.stringify(maxDelayMs)}`,
    );
  const resolved = {
    profile: options.profile,
    seed,
    duplicateRate: rate(options.duplicateRate ?? defaults.duplicateRate, 'duplicateRate'),
    lateDuplicateShare: rate(options.lateDuplicateShare ?? defaults.lateDuplicateShare, 'lateDuplicateShare'),
    reorderRate: rate(options.reorderRate ?? defaults.reorderRate, 'reorderRate'),
    maxDelayMs,
  };
  if (
    maxDelayMs === 0 &&
    (resolved.reorderRate > 0 || resolved.lateDuplicateShare * resolved.duplicateRate > 0)
  )
    throw new Error('events.maxDelayMs must be at least 1 when records are held back or duplicated late');
  return resolved;
}

/**
 * Reads the options from environment variables (`make embedded-up`): EVENTS (profile), EVENTS_SEED,
 * EVENTS_DUPLICATE_RATE, EVENTS_LATE_DUPLICATE_SHARE, EVENTS_REORDER_RATE, EVENTS_MAX_DELAY_MS.
 * Undefined when EVENTS is not set.
 */
export function eventsOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): EventsOptions | undefined {
  const profile = env.EVENTS;
  if (profile === undefined || profile === '') return undefined;
  const number = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
    return value;
  };
  const fields: [keyof EventsOptions, string][] = [
    ['seed', 'EVENTS_SEED'],
    ['duplicateRate', 'EVENTS_DUPLICATE_RATE'],
    ['lateDuplicateShare', 'EVENTS_LATE_DUPLICATE_SHARE'],
    ['reorderRate', 'EVENTS_REORDER_RATE'],
    ['maxDelayMs', 'EVENTS_MAX_DELAY_MS'],
  ];
  const options: Record<string, unknown> = { profile };
  for (const [field, name] of fields) {
    const value = number(name);
    if (value !== undefined) options[field] = value;
  }
  return options as unknown as EventsOptions;
}
