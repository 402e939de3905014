import type { LedgerStoreOptions } from '../tracking/ledger-store.ts';
import { ALERT_ENV } from './schema.ts';
import { type Thresholds, thresholdsFromEnv } from './thresholds.ts';

/** The alerts table and default thresholds from the environment (no table: alerts are off). */
export function alertStoreOptions(env: NodeJS.ProcessEnv = process.env): {
  table: string | undefined;
  defaults: Thresholds;
  options: LedgerStoreOptions;
} {
  const table = env[ALERT_ENV.alertsTable] || undefined;
  const defaults = thresholdsFromEnv(env[ALERT_ENV.defaultThresholds], ALERT_ENV.defaultThresholds);
  return { table, defaults, options: { alertDefaults: defaults } };
}
