import type { Crossing } from './crossing.ts';
import { ALERTS } from './schema.ts';
import { type AlertMetric, isAlertMetric, parseThresholds, type Thresholds } from './thresholds.ts';

/** DynamoDB items of the alerts table (see schema.ts). */

export interface AlertConfig {
  readonly thresholds: Thresholds;
  readonly version: number;
  readonly updatedAt: string;
  readonly source: 'defaults' | 'api';
}

export function configKey(bucket: string): Record<string, string> {
  return { [ALERTS.partitionKey]: bucket, [ALERTS.sortKey]: ALERTS.configItem };
}

export function configItem(bucket: string, config: AlertConfig): Record<string, unknown> {
  return {
    ...configKey(bucket),
    thresholds: config.thresholds,
    version: config.version,
    updated_at: config.updatedAt,
    source: config.source,
  };
}

export function toConfig(item: Record<string, unknown>): AlertConfig {
  return {
    thresholds: parseThresholds(item.thresholds ?? {}),
    version: Number(item.version ?? 0),
    updatedAt: String(item.updated_at ?? ''),
    source: item.source === 'api' ? 'api' : 'defaults',
  };
}

/** One fired alert as the outbox keeps it, and as the publisher sends it. */
export interface OutboxAlert {
  /** Stable: `<bucket>/<metric>/<revision>`; the same crossing can never get another id. */
  readonly alertId: string;
  readonly bucket: string;
  readonly metric: AlertMetric;
  readonly value: number;
  readonly threshold: number;
  readonly hysteresis: number;
  /** The totals revision whose commit crossed the line (the history point carries it too). */
  readonly revision: number;
  /** The time of that history point. */
  readonly timeMs: number;
  readonly state: 'pending' | 'published';
}

export function outboxSortKey(revision: number, metric: AlertMetric): string {
  return `${ALERTS.outboxPrefix}${String(revision).padStart(12, '0')}#${metric}`;
}

export function alertId(bucket: string, metric: AlertMetric, revision: number): string {
  return `${bucket}/${metric}/${revision}`;
}

export function outboxAlert(
  bucket: string,
  crossing: Crossing,
  revision: number,
  timeMs: number,
): OutboxAlert {
  return {
    alertId: alertId(bucket, crossing.metric, revision),
    bucket,
    metric: crossing.metric,
    value: crossing.value,
    threshold: crossing.threshold,
    hysteresis: crossing.hysteresis,
    revision,
    timeMs,
    state: 'pending',
  };
}

export function outboxItem(alert: OutboxAlert): Record<string, unknown> {
  return {
    [ALERTS.partitionKey]: alert.bucket,
    [ALERTS.sortKey]: outboxSortKey(alert.revision, alert.metric),
    alert_id: alert.alertId,
    metric: alert.metric,
    value: alert.value,
    threshold: alert.threshold,
    hysteresis: alert.hysteresis,
    revision: alert.revision,
    time_ms: alert.timeMs,
    time: new Date(alert.timeMs).toISOString(),
    state: alert.state,
  };
}

/** An outbox row back from an item (a table read or a stream image); undefined for other items. */
export function toOutboxAlert(item: Record<string, unknown>): OutboxAlert | undefined {
  const sortKey = item[ALERTS.sortKey];
  if (typeof sortKey !== 'string' || !sortKey.startsWith(ALERTS.outboxPrefix)) return undefined;
  const metric = String(item.metric);
  if (!isAlertMetric(metric)) throw new Error(`outbox row ${sortKey}: unknown metric ${metric}`);
  const bucket = String(item[ALERTS.partitionKey]);
  const revision = Number(item.revision);
  return {
    alertId: typeof item.alert_id === 'string' ? item.alert_id : alertId(bucket, metric, revision),
    bucket,
    metric,
    value: Number(item.value),
    threshold: Number(item.threshold),
    hysteresis: Number(item.hysteresis ?? 0),
    revision,
    timeMs: Number(item.time_ms),
    state: item.state === 'published' ? 'published' : 'pending',
  };
}
