import { describe, expect, it } from 'vitest';
import { eventsOptionsFromEnv, resolveEventsOptions } from '../../../../emulator/s3/delivery/options.ts';
import { DeliveryPipeline, VirtualScheduler } from '../../../../emulator/s3/delivery/pipeline.ts';
import { createDeliveryProfile } from '../../../../emulator/s3/delivery/profile.ts';
import type { S3EventRecord } from '../../../../emulator/s3/event-records.ts';
import { s3Record } from './records.ts';

const kept = { removedNothing: false };
const keyOf = (record: S3EventRecord) => record.s3.object.key;

/** Feeds `records` 10 virtual ms apart through a pipeline; returns the delivered keys in order. */
function run(records: S3EventRecord[], options: Parameters<typeof resolveEventsOptions>[0]) {
  const scheduler = new VirtualScheduler();
  const delivered: S3EventRecord[] = [];
  const pipeline = new DeliveryPipeline(
    createDeliveryProfile(resolveEventsOptions(options)),
    scheduler,
    (record) => delivered.push(record),
  );
  for (const record of records) {
    pipeline.accept(record, kept);
    scheduler.advance(10);
  }
  const beforeDrain = delivered.length;
  scheduler.advance(10_000);
  return { delivered, beforeDrain, stats: pipeline.stats(), pipeline };
}

describe('the aws profile', () => {
  it('with seed 7, duplicates exactly record 0 (late) and holds back records 5, 18 and 28', () => {
    const profile = createDeliveryProfile(resolveEventsOptions({ profile: 'aws', seed: 7 }));
    const fates = Array.from({ length: 30 }, (_, i) =>
      profile
        .plan(s3Record('PutObject', `k${i}`), kept)
        .map((d) => `${d.duplicate ? 'dup' : 'orig'}@${d.delayMs}`),
    );
    const unusual = fates.flatMap((fate, i) =>
      fate.join(' ') === 'orig@0' ? [] : [`${i}: ${fate.join(' ')}`],
    );
    expect(unusual).toEqual(['0: orig@0 dup@294', '5: orig@274', '18: orig@284', '28: orig@53']);
  });

  it('replays the same deliveries for the same seed, other ones for another seed', () => {
    const records = Array.from({ length: 200 }, (_, i) => s3Record('PutObject', `key-${i % 7}`));
    const order = (seed: number) =>
      run(records, { profile: 'aws', seed }).delivered.map((r) => r.s3.object.sequencer);
    expect(order(11)).toEqual(order(11));
    expect(order(11)).not.toEqual(order(12));
  });

  it('delivers every record at least once, identical, with duplicates, reordering within a key and delays', () => {
    const records = Array.from({ length: 2_000 }, (_, i) =>
      s3Record('PutObject', `key-${i % 5}`, { size: i }),
    );
    const { delivered, stats, beforeDrain } = run(records, { profile: 'aws', seed: 20261130 });
    const bySequencer = new Map(records.map((r) => [r.s3.object.sequencer, r]));
    for (const record of delivered) expect(record).toBe(bySequencer.get(record.s3.object.sequencer));
    expect(new Set(delivered.map((r) => r.s3.object.sequencer)).size).toBe(records.length);
    expect(stats).toMatchObject({ received: 2_000, dropped: 0, pending: 0 });
    expect(stats.delivered).toBe(2_000 + stats.duplicates);
    // the default rates: about 10 % duplicates (half of them late), about 10 % held back
    expect(stats.duplicates / 2_000).toBeGreaterThan(0.08);
    expect(stats.duplicates / 2_000).toBeLessThan(0.12);
    expect(stats.lateDuplicates / stats.duplicates).toBeGreaterThan(0.35);
    expect(stats.heldBack / 2_000).toBeGreaterThan(0.08);
    expect(stats.heldBack / 2_000).toBeLessThan(0.12);
    // within a key, some record arrives after a newer one of the same key
    const newest = new Map<string, string>();
    let olderAfterNewer = 0;
    for (const record of delivered) {
      const seen = newest.get(keyOf(record));
      if (seen !== undefined && record.s3.object.sequencer < seen) olderAfterNewer++;
      if (seen === undefined || record.s3.object.sequencer > seen)
        newest.set(keyOf(record), record.s3.object.sequencer);
    }
    expect(olderAfterNewer).toBeGreaterThan(100);
    // delays are pending work: not everything was delivered when the last record came in
    expect(beforeDrain).toBeLessThan(delivered.length);
  });

  it('obeys its knobs: no duplicates, no reordering when both rates are 0; all duplicates at 1', () => {
    const records = Array.from({ length: 300 }, (_, i) => s3Record('PutObject', `k${i}`));
    const plain = run(records, { profile: 'aws', seed: 1, duplicateRate: 0, reorderRate: 0 });
    expect(plain.delivered).toEqual(records);
    const doubled = run(records, {
      profile: 'aws',
      seed: 1,
      duplicateRate: 1,
      lateDuplicateShare: 0,
      reorderRate: 0,
    });
    expect(doubled.delivered).toEqual(records.flatMap((record) => [record, record]));
  });

  it('whenDrained waits for held-back records', async () => {
    const scheduler = new VirtualScheduler();
    const delivered: S3EventRecord[] = [];
    const pipeline = new DeliveryPipeline(
      createDeliveryProfile(
        resolveEventsOptions({ profile: 'aws', seed: 3, reorderRate: 1, maxDelayMs: 50 }),
      ),
      scheduler,
      (record) => delivered.push(record),
    );
    pipeline.accept(s3Record('PutObject', 'late'), kept);
    let drained = false;
    const waiting = pipeline.whenDrained().then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect([drained, delivered.length, pipeline.stats().pending]).toEqual([false, 0, 1]);
    scheduler.advance(50);
    await waiting;
    expect([drained, delivered.length]).toEqual([true, 1]);
  });
});

describe('the ideal profile', () => {
  it('delivers each record once, at once, in order, even for a delete that removed nothing', () => {
    const records = [
      s3Record('PutObject', 'a'),
      s3Record('DeleteObject', 'missing'),
      s3Record('PutObject', 'a'),
    ];
    const scheduler = new VirtualScheduler();
    const delivered: S3EventRecord[] = [];
    const pipeline = new DeliveryPipeline(
      createDeliveryProfile(resolveEventsOptions({ profile: 'ideal' })),
      scheduler,
      (record) => delivered.push(record),
    );
    pipeline.accept(records[0] as S3EventRecord, kept);
    pipeline.accept(records[1] as S3EventRecord, { removedNothing: true });
    pipeline.accept(records[2] as S3EventRecord, kept);
    expect(delivered).toEqual(records);
    expect(scheduler.pending).toBe(0);
  });
});

describe('events options', () => {
  it.each([
    [{ profile: 'azure' }, /events\.profile must be one of ideal, aws, localstack-4\.14/],
    [{ profile: 'aws', duplicateRate: 1.5 }, /events\.duplicateRate must be a number between 0 and 1/],
    [{ profile: 'aws', reorderRate: -0.1 }, /events\.reorderRate/],
    [{ profile: 'aws', maxDelayMs: 2.5 }, /events\.maxDelayMs must be an integer/],
    [{ profile: 'aws', seed: 1.5 }, /events\.seed must be an integer/],
    [{ profile: 'aws', maxDelayMs: 0 }, /maxDelayMs must be at least 1/],
  ])('rejects %j naming the field', (options, message) => {
    expect(() => resolveEventsOptions(options as never)).toThrow(message);
  });

  it('fills defaults and draws a seed when none is given', () => {
    expect(resolveEventsOptions({ profile: 'aws' }, () => 42)).toEqual({
      profile: 'aws',
      seed: 42,
      duplicateRate: 0.1,
      lateDuplicateShare: 0.5,
      reorderRate: 0.1,
      maxDelayMs: 300,
    });
  });

  it('reads EVENTS and its knobs from the environment', () => {
    expect(eventsOptionsFromEnv({})).toBeUndefined();
    expect(eventsOptionsFromEnv({ EVENTS: 'aws', EVENTS_SEED: '5', EVENTS_DUPLICATE_RATE: '0.3' })).toEqual({
      profile: 'aws',
      seed: 5,
      duplicateRate: 0.3,
    });
    expect(() => eventsOptionsFromEnv({ EVENTS: 'aws', EVENTS_SEED: 'x' })).toThrow(
      /EVENTS_SEED must be a number/,
    );
  });
});
