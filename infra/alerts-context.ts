import type { App } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { ALERT_ENV } from '../handlers/alerts/schema.ts';
import { type AlertMetric, parseThresholds, type Thresholds } from '../handlers/alerts/thresholds.ts';
import { bindTable } from './constructs/grants.ts';

export interface AlertsSettings {
  readonly defaults: Thresholds;
  readonly email: string | undefined;
  readonly apiP95Ms: number;
}

/** Seed 003's example alarm: a bucket over 80 GB. */
export const defaultAlertBytes = 80_000_000_000;

function contextNumber(app: App, name: string): number | undefined {
  const raw = app.node.tryGetContext(name);
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`context value "${name}" must be a whole number >= 0, got "${raw}"`);
  return value;
}

/**
 * Alert settings from context: `alertBytes` (current bytes; default 80 GB), `alertStoredBytes` and
 * `alertObjects` (off unless given), `alertHysteresisPercent` (default 10: re-armed below 90 % of
 * the line), `alertEmail` (subscribed to the alerts topic), `alertApiP95Ms` (default 1000).
 * Thresholds are defaults: a bucket gets them on first use, the API changes them at run time.
 */
export function alertsSettings(app: App): AlertsSettings {
  const percent = contextNumber(app, 'alertHysteresisPercent') ?? 10;
  if (percent > 100)
    throw new Error(`context value "alertHysteresisPercent" must be 0 to 100, got ${percent}`);
  const lines: [AlertMetric, number | undefined][] = [
    ['currentBytes', contextNumber(app, 'alertBytes') ?? defaultAlertBytes],
    ['storedBytes', contextNumber(app, 'alertStoredBytes')],
    ['objectCount', contextNumber(app, 'alertObjects')],
  ];
  const raw: Record<string, unknown> = {};
  for (const [metric, threshold] of lines) {
    if (threshold !== undefined)
      raw[metric] = { threshold, hysteresis: Math.floor((threshold * percent) / 100) };
  }
  const email = app.node.tryGetContext('alertEmail');
  if (email !== undefined && (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)))
    throw new Error(`context value "alertEmail" must be an email address, got "${email}"`);
  return {
    defaults: parseThresholds(raw),
    email: email || undefined,
    apiP95Ms: contextNumber(app, 'alertApiP95Ms') ?? 1000,
  };
}

/** Lets a totals writer (tracker, reconciler) decide alerts: the alerts table and the defaults. */
export function bindAlertsTable(fn: LambdaFunction, table: ITable, defaults: Thresholds): void {
  bindTable(fn, table, ALERT_ENV.alertsTable, ['dynamodb:GetItem', 'dynamodb:PutItem']);
  fn.addEnvironment(ALERT_ENV.defaultThresholds, JSON.stringify(defaults));
}
