import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Series, type SizePoint, seriesValue } from '../../handlers/chart/types.ts';
import { HistoryReader } from '../../handlers/plotting/history-reader.ts';
import { maxSlotsPerChart } from '../../handlers/tracking/rollups.ts';
import { seedHistory } from '../../integration/support/seed-history.ts';
import { createTables, documentClient } from '../support/aws.ts';

/** The plot API's reader on DynamoDB Local, over histories long enough to be read from roll-ups. */

let db: DynamoDBDocumentClient;
let reader: HistoryReader;
const bucket = 'long-history';

// The last 1 s slot straddles `end`: 10 at its start, 20 just before `end`, 40 and 10 after it.
const SLOT = Date.UTC(2026, 0, 1, 12, 0, 0);
const END = SLOT + 500;
const lastSlot: SizePoint[] = [
  { timeMs: SLOT, sizeBytes: 10, objectCount: 1 },
  { timeMs: SLOT + 300, sizeBytes: 20, objectCount: 2 },
  { timeMs: SLOT + 700, sizeBytes: 40, objectCount: 3 },
  { timeMs: SLOT + 900, sizeBytes: 10, objectCount: 1 },
];
// More raw points in the window than a chart reads, so the reader takes the 1 s roll-ups.
const before: SizePoint[] = Array.from({ length: maxSlotsPerChart + 100 }, (_, i) => ({
  timeMs: SLOT - (maxSlotsPerChart + 100 - i) * 100,
  sizeBytes: 1000 + (i % 7),
  objectCount: 5,
}));
// Stored totals: versions pile up, so stored = current + 100 (and the stored extremes differ).
const withStored = (p: SizePoint, i: number): SizePoint => ({
  ...p,
  storedBytes: p.sizeBytes + 100 + (i % 3),
  storedVersions: p.objectCount + 1,
});
const points = [...before, ...lastSlot].map(withStored);
const windowStart = END - 200_000;

beforeAll(async () => {
  db = documentClient();
  const tables = await createTables();
  reader = new HistoryReader(db, tables.history);
  await seedHistory(db, tables, bucket, points);
}, 120_000);

afterAll(() => db?.destroy());

/** The value a step line shows at `timeMs`: the last point at or before it. */
function valueAt(series: readonly SizePoint[], timeMs: number, kind: Series): number | undefined {
  const last = series.filter((p) => p.timeMs <= timeMs).at(-1);
  return last && seriesValue(last, kind);
}

describe('HistoryReader over roll-ups', () => {
  it('ends the window on the value at `end`, not on a roll-up sample before it (issue 8 §5)', async () => {
    const read = await reader.window(bucket, windowStart, END);
    expect(read.resolution).toBe(1);
    expect(read.points.at(-1)).toMatchObject({ timeMs: SLOT + 300, sizeBytes: 20 });
    expect(valueAt(read.points, END, 'current')).toBe(valueAt(points, END, 'current'));
    expect(read.points.every((p) => p.timeMs >= windowStart && p.timeMs <= END)).toBe(true);
  });

  it('gives the value at every end inside the straddling slot, in either series', async () => {
    for (const end of [SLOT + 299, SLOT + 300, SLOT + 950]) {
      for (const series of ['current', 'stored', 'both'] as const) {
        const read = await reader.window(bucket, end - 200_000, end, series);
        for (const kind of ['current', 'stored'] as const) {
          expect(valueAt(read.points, end, kind), `${series} read, ${kind} at ${end - SLOT}`).toBe(
            valueAt(points, end, kind),
          );
        }
      }
    }
  });

  it("keeps each series' extremes: the union of both for series=both", async () => {
    const range = { from: windowStart, to: END };
    const inWindow = points.filter((p) => p.timeMs >= range.from && p.timeMs <= range.to);
    const extreme = (list: readonly SizePoint[], kind: Series, pick: (...v: number[]) => number) =>
      pick(...list.map((p) => seriesValue(p, kind)));
    const current = await reader.window(bucket, range.from, range.to, 'current');
    const stored = await reader.window(bucket, range.from, range.to, 'stored');
    const both = await reader.window(bucket, range.from, range.to, 'both');
    for (const [read, kinds] of [
      [current, ['current']],
      [stored, ['stored']],
      [both, ['current', 'stored']],
    ] as const) {
      for (const kind of kinds) {
        expect(extreme(read.points, kind, Math.max)).toBe(extreme(inWindow, kind, Math.max));
        expect(extreme(read.points, kind, Math.min)).toBe(extreme(inWindow, kind, Math.min));
      }
      expect(read.points.length).toBeLessThanOrEqual(maxSlotsPerChart * 8 + 2);
    }
    expect(both.points.length).toBeGreaterThanOrEqual(current.points.length);
  });
});
