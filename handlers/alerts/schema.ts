/**
 * The alerts table: per bucket, its thresholds and its outbox.
 *   bucket (S, partition) | item (S, sort):
 *     "config": the bucket's thresholds (a map), version, updated_at, source ("defaults" | "api");
 *     "outbox#<revision, 12 digits>#<metric>": one alert, written in the tracker's transaction that
 *       moved the totals to that revision; state "pending", then "published" by the publisher.
 * Its stream (NEW_IMAGE) feeds the publisher: only outbox rows in state "pending" are published.
 * The fired/armed state is not here: it is the `alerts_fired` map of the ledger's totals item.
 */
export const ALERTS = {
  partitionKey: 'bucket',
  sortKey: 'item',
  configItem: 'config',
  outboxPrefix: 'outbox#',
} as const;

export const ALERT_ENV = {
  alertsTable: 'ALERTS_TABLE',
  /** The thresholds a bucket gets until the API sets its own (JSON, see parseThresholds). */
  defaultThresholds: 'ALERT_DEFAULT_THRESHOLDS',
  topicArn: 'ALERTS_TOPIC_ARN',
  plotApiUrl: 'PLOT_API_URL',
} as const;
