import { describe, expect, it } from 'vitest';
import type { S3ChangeFacts } from '../../../../emulator/s3/delivery/options.ts';
import { profiledEventSource, type S3ChangeStream } from '../../../../emulator/s3/delivery/source.ts';
import type { S3EventRecord } from '../../../../emulator/s3/event-records.ts';
import { s3Record } from './records.ts';

/** A stream like the S3 server's: listeners get what emit() is given (facts or, like today's server, none). */
function stream(): S3ChangeStream & { emit(record: S3EventRecord, facts?: S3ChangeFacts): void } {
  const listeners = new Set<(record: S3EventRecord, facts?: S3ChangeFacts) => void>();
  return {
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(record, facts) {
      for (const listener of listeners)
        (listener as (r: S3EventRecord, f?: S3ChangeFacts) => void)(record, facts);
    },
  };
}

describe('profiledEventSource (real timers)', () => {
  it('holds records back for real and whenDrained resolves once they are out', async () => {
    const upstream = stream();
    const source = profiledEventSource(upstream, { profile: 'aws', seed: 1, reorderRate: 1, maxDelayMs: 40 });
    const delivered: string[] = [];
    source.onEvent((record) => delivered.push(record.s3.object.key));
    upstream.emit(s3Record('PutObject', 'a'));
    upstream.emit(s3Record('PutObject', 'b'));
    expect(delivered).toEqual([]);
    expect(source.stats().pending).toBe(2);
    await source.whenDrained();
    expect(delivered.sort()).toEqual(['a', 'b']);
    source.stop();
  });

  it('treats missing facts as "removed something" and passes facts on to the profile', () => {
    const upstream = stream();
    const source = profiledEventSource(upstream, { profile: 'localstack-4.14', seed: 1, reorderRate: 0 });
    const delivered: string[] = [];
    source.onEvent((record) => delivered.push(record.s3.object.key));
    upstream.emit(s3Record('DeleteObject', 'today'));
    upstream.emit(s3Record('DeleteObject', 'missing'), { removedNothing: true });
    upstream.emit(s3Record('DeleteObject', 'there'), { removedNothing: false });
    expect(delivered).toEqual(['today', 'there']);
    expect(source.stats()).toMatchObject({ received: 3, delivered: 2, dropped: 1 });
    source.stop();
  });

  it('stop() stops listening and drops what is still scheduled', async () => {
    const upstream = stream();
    const source = profiledEventSource(upstream, { profile: 'aws', seed: 2, reorderRate: 1, maxDelayMs: 20 });
    const delivered: string[] = [];
    source.onEvent((record) => delivered.push(record.s3.object.key));
    upstream.emit(s3Record('PutObject', 'a'));
    expect(source.stop()).toBe(1);
    upstream.emit(s3Record('PutObject', 'b'));
    await source.whenDrained();
    await new Promise((wake) => setTimeout(wake, 40));
    expect(delivered).toEqual([]);
    expect(source.stats().received).toBe(1);
  });
});
