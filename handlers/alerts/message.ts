import { formatBytes } from '../chart/units.ts';
import type { OutboxAlert } from './items.ts';
import type { AlertMetric } from './thresholds.ts';

/** The SNS message of one alert (pure): a subject for an inbox, a body for people and programs. */

/** SNS refuses a Subject over 100 characters, or with line breaks or control characters. */
export const maxSubjectLength = 100;

/** The chart window the alert links to: the day up to the alert. */
export const chartWindowSeconds = 86_400;

const metricLabel: Record<AlertMetric, string> = {
  currentBytes: 'current size',
  storedBytes: 'stored size',
  objectCount: 'object count',
};

function amount(metric: AlertMetric, value: number): string {
  if (metric === 'objectCount') return `${value.toLocaleString('en-US')} objects`;
  const exact = `${value.toLocaleString('en-US')} B`;
  const readable = formatBytes(value);
  return readable === `${value} B` ? exact : `${readable} (${exact})`;
}

export function alertSubject(alert: OutboxAlert): string {
  const value = alert.metric === 'objectCount' ? `${alert.value} objects` : formatBytes(alert.value);
  const line = alert.metric === 'objectCount' ? String(alert.threshold) : formatBytes(alert.threshold);
  // the facts first, the bucket last: a long bucket name is what gets shortened
  const facts = `Size alert: ${metricLabel[alert.metric]} ${value} >= ${line} in `;
  const bucket = alert.bucket.replace(/[^\x20-\x7e]/g, '?'); // printable ASCII only, as SNS requires
  const room = maxSubjectLength - facts.length;
  return facts + (bucket.length <= room ? bucket : `${bucket.slice(0, Math.max(0, room - 3))}...`);
}

/** The plot API link for the alert's bucket over the day up to the alert (no link without an API URL). */
export function chartLink(plotApiUrl: string | undefined, alert: OutboxAlert): string | undefined {
  if (!plotApiUrl) return undefined;
  const url = new URL(plotApiUrl);
  url.searchParams.set('bucket', alert.bucket);
  url.searchParams.set('window', String(chartWindowSeconds));
  url.searchParams.set('end', String(alert.timeMs + 60_000));
  return url.toString();
}

/** The live dashboard page, served at the API's root (GET / needs no key: it holds no data). */
export function dashboardLink(plotApiUrl: string): string {
  return plotApiUrl.replace(/plot\/?$/, '');
}

export interface AlertMessage {
  readonly subject: string;
  readonly body: string;
  /** SNS message attributes (String): for filter policies and for deduplication by alert id. */
  readonly attributes: Readonly<Record<string, string>>;
}

export function alertMessage(alert: OutboxAlert, plotApiUrl: string | undefined): AlertMessage {
  const link = chartLink(plotApiUrl, alert);
  const time = new Date(alert.timeMs).toISOString();
  const rearm = alert.threshold - alert.hysteresis;
  const facts = {
    alertId: alert.alertId,
    bucket: alert.bucket,
    metric: alert.metric,
    value: alert.value,
    threshold: alert.threshold,
    hysteresis: alert.hysteresis,
    time,
    revision: alert.revision,
    ...(link ? { chart: link } : {}),
  };
  const lines = [
    `Bucket ${alert.bucket}: ${metricLabel[alert.metric]} reached ${amount(alert.metric, alert.value)},`,
    `threshold ${amount(alert.metric, alert.threshold)}.`,
    `It alerts again only after falling below ${amount(alert.metric, rearm)} and crossing again.`,
    '',
    `Time:     ${time}`,
    `Revision: ${alert.revision} (the history point of the change that crossed the line)`,
    ...(link
      ? [`Chart:    ${link}`, `          (the plot API: send your API key as the x-api-key header)`]
      : []),
    ...(plotApiUrl
      ? [`Live:     ${dashboardLink(plotApiUrl)} (the dashboard page asks for the key once)`]
      : []),
    `Alert id: ${alert.alertId} (the same id means the same crossing: delivery is at least once)`,
    '',
    JSON.stringify(facts),
  ];
  return {
    subject: alertSubject(alert),
    body: lines.join('\n'),
    attributes: { alert_id: alert.alertId, bucket: alert.bucket, metric: alert.metric },
  };
}
