import { describe, expect, it } from 'vitest';
import { defaultScenario, planFromRequest } from '../../handlers/driver/scenario.ts';

describe('driver scenario', () => {
  it('plays the seeds scenario by default: totals 18, 27, 0 and 2 bytes', () => {
    let total = 0;
    const totals: number[] = [];
    const sizes = new Map<string, number>();
    for (const step of defaultScenario) {
      total -= sizes.get(step.key) ?? 0;
      sizes.delete(step.key);
      if (step.action === 'put') {
        sizes.set(step.key, Buffer.byteLength(step.body));
        total += Buffer.byteLength(step.body);
      }
      totals.push(total);
    }
    expect(totals).toEqual([18, 27, 0, 2]);
    expect(planFromRequest(undefined, 1500)).toEqual({
      steps: defaultScenario,
      pauseMs: 1500,
      windowSeconds: 300,
    });
  });

  it('takes a custom scenario and pause, and names the bad field otherwise', () => {
    expect(
      planFromRequest({ scenario: [{ action: 'delete', key: 'a' }], pauseMs: 0, windowSeconds: 30 }, 1),
    ).toEqual({ steps: [{ action: 'delete', key: 'a' }], pauseMs: 0, windowSeconds: 30 });
    expect(() => planFromRequest({ scenario: [] }, 1)).toThrow('"scenario"');
    expect(() => planFromRequest({ scenario: [{ action: 'copy', key: 'a' }] }, 1)).toThrow('scenario[0]');
    expect(() => planFromRequest({ scenario: [{ action: 'put', key: 'a' }] }, 1)).toThrow(
      'scenario[0]".body',
    );
    expect(() => planFromRequest({ pauseMs: -1 }, 1)).toThrow('"pauseMs"');
    expect(() => planFromRequest({ windowSeconds: 0 }, 1)).toThrow('"windowSeconds"');
  });
});
