import { seededRandom } from '../../services/seeded-random.ts';
import type { S3EventRecord } from '../event-records.ts';
import { toLocalStackRecord } from './localstack-4.14.ts';
import type { DeliveryProfileName, ResolvedEventsOptions, S3ChangeFacts } from './options.ts';

/** One delivery of a record to the notified functions, `delayMs` after the record left S3 (0: at once). */
export interface PlannedDelivery {
  readonly record: S3EventRecord;
  readonly delayMs: number;
  readonly duplicate: boolean;
}

export interface DeliveryProfile {
  readonly name: DeliveryProfileName;
  readonly options: ResolvedEventsOptions;
  /**
   * LocalStack matches prefix/suffix filters against the encoded key (notifications.py,
   * `_matching_filter(config.get("Filter"), ctx.key_name)` with `key_name=quote(key)`); S3 against the key.
   */
  readonly filtersMatchEncodedKey: boolean;
  /**
   * What becomes of one record from S3, in order of arrival: none (dropped), one, or more (duplicates),
   * each with its delay. Deterministic for a seed and a sequence of records: every record draws the
   * same count of random numbers whatever is decided, so record i's fate depends only on (seed, i).
   */
  plan(record: S3EventRecord, facts: S3ChangeFacts): PlannedDelivery[];
}

const DRAWS_PER_RECORD = 5;

/** The profile for resolved options (resolveEventsOptions). Pure apart from its own seeded PRNGs. */
export function createDeliveryProfile(options: ResolvedEventsOptions): DeliveryProfile {
  const random = seededRandom(options.seed);
  // ids inside rewritten records come from their own stream, so they never shift the delivery decisions
  const idRandom = seededRandom(options.seed ^ 0x5bd1e995);
  const delay = (r: number) => 1 + Math.floor(r * options.maxDelayMs);
  return {
    name: options.profile,
    options,
    filtersMatchEncodedKey: options.profile === 'localstack-4.14',
    plan(record, facts) {
      const draws = Array.from({ length: DRAWS_PER_RECORD }, random) as [
        number,
        number,
        number,
        number,
        number,
      ];
      const [duplicateDraw, lateDraw, lateDelayDraw, holdDraw, holdDelayDraw] = draws;
      const delivered =
        options.profile === 'localstack-4.14' ? toLocalStackRecord(record, facts, idRandom) : record;
      if (!delivered) return [];
      const original: PlannedDelivery = {
        record: delivered,
        delayMs: holdDraw < options.reorderRate ? delay(holdDelayDraw) : 0,
        duplicate: false,
      };
      if (!(duplicateDraw < options.duplicateRate)) return [original];
      // a duplicate is the same record again: right after the original, or late
      const duplicate: PlannedDelivery = {
        record: delivered,
        delayMs:
          lateDraw < options.lateDuplicateShare ? original.delayMs + delay(lateDelayDraw) : original.delayMs,
        duplicate: true,
      };
      return [original, duplicate];
    },
  };
}
