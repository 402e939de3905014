import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideCrossings, type FiredState } from '../../handlers/alerts/crossing.ts';
import { alertId, outboxAlert } from '../../handlers/alerts/items.ts';
import { alertMessage, alertSubject, maxSubjectLength } from '../../handlers/alerts/message.ts';
import { AlertConfigError, parseThresholds } from '../../handlers/alerts/thresholds.ts';

/** Runs a sequence of current-bytes values through the decision; returns the indexes that fired. */
function run(values: readonly number[], threshold: number, hysteresis: number): number[] {
  let fired: FiredState = {};
  const fires: number[] = [];
  values.forEach((value, i) => {
    const decision = decideCrossings(
      { currentBytes: { threshold, hysteresis } },
      fired,
      { currentBytes: value, storedBytes: 0, objectCount: 0 },
      i + 1,
    );
    fired = decision.fired;
    if (decision.crossings.length > 0) fires.push(i);
  });
  return fires;
}

/** The definition, written independently: an upward crossing counts when the alert was re-armed. */
function expectedFires(values: readonly number[], threshold: number, hysteresis: number): number[] {
  const fires: number[] = [];
  let rearmedSince = 0; // index from which a value >= threshold fires
  for (let i = 0; i < values.length; i++) {
    const last = fires.at(-1);
    const armed = last === undefined || values.slice(last + 1, i).some((v) => v < threshold - hysteresis);
    if (armed && i >= rearmedSince && (values[i] ?? 0) >= threshold) {
      fires.push(i);
      rearmedSince = i + 1;
    }
  }
  return fires;
}

describe('crossing decision', () => {
  it('fires once per upward crossing, re-armed only below threshold - hysteresis', () => {
    //                      0    1    2    3   4    5    6    7    8
    expect(run([10, 100, 120, 95, 101, 89, 100, 150, 0], 100, 10)).toEqual([1, 6]);
    // no hysteresis: every drop below the line re-arms
    expect(run([99, 100, 99, 100, 100, 99, 101], 100, 0)).toEqual([1, 3, 6]);
    // already above the line when first watched: fires at the first change
    expect(run([500, 600], 100, 10)).toEqual([0]);
  });

  it('for any sequence of totals, alerts fired = upward crossings after re-arm (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 50 }),
        (values, threshold, rawHysteresis) => {
          const hysteresis = Math.min(rawHysteresis, threshold);
          const fires = run(values, threshold, hysteresis);
          expect(fires).toEqual(expectedFires(values, threshold, hysteresis));
          // every alert is at or above the line, and between two alerts the value went below the re-arm line
          for (const [n, i] of fires.entries()) {
            expect(values[i]).toBeGreaterThanOrEqual(threshold);
            const previous = fires[n - 1];
            if (previous !== undefined)
              expect(values.slice(previous + 1, i).some((v) => v < threshold - hysteresis)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('watches each metric on its own and forgets the state of a metric no longer watched', () => {
    const thresholds = {
      currentBytes: { threshold: 10, hysteresis: 0 },
      objectCount: { threshold: 2, hysteresis: 1 },
    };
    const first = decideCrossings(thresholds, {}, { currentBytes: 10, storedBytes: 99, objectCount: 1 }, 7);
    expect(first.crossings.map((c) => c.metric)).toEqual(['currentBytes']);
    expect(first.fired).toEqual({ currentBytes: 7 });
    const second = decideCrossings(
      thresholds,
      first.fired,
      { currentBytes: 12, storedBytes: 0, objectCount: 2 },
      8,
    );
    expect(second.crossings).toEqual([{ metric: 'objectCount', value: 2, threshold: 2, hysteresis: 1 }]);
    expect(second.fired).toEqual({ currentBytes: 7, objectCount: 8 });
    expect(
      decideCrossings({}, second.fired, { currentBytes: 12, storedBytes: 0, objectCount: 2 }, 9).fired,
    ).toEqual({});
  });
});

describe('thresholds', () => {
  it('parses metrics with hysteresis defaulting to 0', () => {
    expect(
      parseThresholds({ currentBytes: { threshold: 100, hysteresis: 5 }, objectCount: { threshold: 3 } }),
    ).toEqual({
      currentBytes: { threshold: 100, hysteresis: 5 },
      objectCount: { threshold: 3, hysteresis: 0 },
    });
  });

  it.each([
    [{ bytes: { threshold: 1 } }, 'thresholds.bytes'],
    [{ currentBytes: { threshold: -1 } }, 'thresholds.currentBytes.threshold'],
    [{ currentBytes: { threshold: Number.NaN } }, 'thresholds.currentBytes.threshold'],
    [{ currentBytes: { threshold: '5' } }, 'thresholds.currentBytes.threshold'],
    [{ currentBytes: { threshold: 1.5 } }, 'thresholds.currentBytes.threshold'],
    [{ currentBytes: {} }, 'thresholds.currentBytes.threshold'],
    [{ currentBytes: { threshold: 5, extra: 1 } }, 'thresholds.currentBytes.extra'],
    [{ currentBytes: { threshold: 5, hysteresis: 6 } }, 'thresholds.currentBytes.hysteresis'],
    [{ storedBytes: [] }, 'thresholds.storedBytes'],
    [[], 'thresholds'],
  ])('refuses %j naming %s', (input, field) => {
    try {
      parseThresholds(input);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AlertConfigError);
      expect((err as AlertConfigError).field).toBe(field);
    }
  });
});

describe('alert message', () => {
  const alert = outboxAlert(
    'my-bucket',
    { metric: 'currentBytes', value: 1_610_612_736, threshold: 1_073_741_824, hysteresis: 0 },
    42,
    Date.UTC(2026, 10, 30, 8, 0, 0),
  );

  it('has a readable subject and a body with every fact and a chart link', () => {
    const message = alertMessage(alert, 'http://127.0.0.1:1/_aws/execute-api/abc/dev/plot');
    expect(message.subject).toBe('Size alert: current size 1.5 GiB >= 1 GiB in my-bucket');
    expect(message.body).toContain('reached 1.5 GiB (1,610,612,736 B)');
    expect(message.body).toContain('Revision: 42');
    expect(message.body).toContain('2026-11-30T08:00:00.000Z');
    expect(message.body).toContain('plot?bucket=my-bucket&window=86400&end=');
    expect(message.body).toContain('Live:     http://127.0.0.1:1/_aws/execute-api/abc/dev/ (');
    expect(message.attributes).toEqual({
      alert_id: alertId('my-bucket', 'currentBytes', 42),
      bucket: 'my-bucket',
      metric: 'currentBytes',
    });
    const facts = JSON.parse(message.body.split('\n').at(-1) ?? '');
    expect(facts).toMatchObject({
      bucket: 'my-bucket',
      metric: 'currentBytes',
      value: 1_610_612_736,
      revision: 42,
    });
  });

  it('keeps the subject within SNS limits for any bucket name', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 3, maxLength: 63 }), (bucket) => {
        const subject = alertSubject({ ...alert, bucket });
        expect(subject.length).toBeLessThanOrEqual(maxSubjectLength);
        expect(subject).toMatch(/^[\x20-\x7e]+$/);
      }),
    );
  });
});
