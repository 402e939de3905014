import { type AlertMetric, alertMetrics, type Thresholds } from './thresholds.ts';

/**
 * The crossing decision (pure). Each watched metric is either armed or fired. An armed metric
 * fires when its value reaches the threshold (value >= threshold) and stays fired, however often
 * the value moves above the line, until the value falls below threshold - hysteresis: then it is
 * armed again. So a value hovering around the line gives one alert, not one per event.
 *
 * The fired state lives in the bucket's totals item (the revision it fired at, per metric), and is
 * decided from the totals as read and written with the new totals in the same conditioned
 * transaction: a crossing belongs to exactly one totals revision.
 */

/** Metric -> the totals revision it fired at; an absent metric is armed. */
export type FiredState = Readonly<Partial<Record<AlertMetric, number>>>;

export type MetricValues = Readonly<Record<AlertMetric, number>>;

export interface Crossing {
  readonly metric: AlertMetric;
  readonly value: number;
  readonly threshold: number;
  readonly hysteresis: number;
}

export interface CrossingDecision {
  readonly fired: FiredState;
  readonly crossings: readonly Crossing[];
}

/** What the totals with `revision` do to the fired state, and the crossings that fire with them. */
export function decideCrossings(
  thresholds: Thresholds,
  before: FiredState,
  values: MetricValues,
  revision: number,
): CrossingDecision {
  const fired: Partial<Record<AlertMetric, number>> = {};
  const crossings: Crossing[] = [];
  for (const metric of alertMetrics) {
    const line = thresholds[metric];
    // a metric no longer watched forgets its state: watching it again starts armed
    if (!line) continue;
    const value = values[metric];
    const firedAt = before[metric];
    if (firedAt === undefined) {
      if (value >= line.threshold) {
        fired[metric] = revision;
        crossings.push({ metric, value, threshold: line.threshold, hysteresis: line.hysteresis });
      }
    } else if (value >= line.threshold - line.hysteresis) {
      fired[metric] = firedAt; // still at or above the re-arm line: stays fired
    }
  }
  return { fired, crossings };
}

export function sameFiredState(a: FiredState, b: FiredState): boolean {
  return alertMetrics.every((metric) => a[metric] === b[metric]);
}
