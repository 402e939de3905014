/**
 * Alert thresholds of a bucket: which totals are watched, the line, and the hysteresis below it
 * that re-arms an alert. Pure: parsing and validation shared by the API, the tracker and the stack.
 */

/** The totals an alert can watch: current bytes, stored bytes (every version), current object count. */
export const alertMetrics = ['currentBytes', 'storedBytes', 'objectCount'] as const;
export type AlertMetric = (typeof alertMetrics)[number];

export interface Threshold {
  /** Fires when the value reaches this (value >= threshold). */
  readonly threshold: number;
  /** Re-armed once the value falls below threshold - hysteresis. */
  readonly hysteresis: number;
}

export type Thresholds = Readonly<Partial<Record<AlertMetric, Threshold>>>;

export class AlertConfigError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'AlertConfigError';
    this.field = field;
  }
}

export function isAlertMetric(name: string): name is AlertMetric {
  return (alertMetrics as readonly string[]).includes(name);
}

// DynamoDB numbers are exact to 38 digits, JSON to 2^53: thresholds stay integers below 2^53.
const maxThreshold = Number.MAX_SAFE_INTEGER;

function nonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new AlertConfigError(
      field,
      `must be a finite number, got ${JSON.stringify(value) ?? String(value)}`,
    );
  if (value < 0) throw new AlertConfigError(field, `must be >= 0, got ${value}`);
  if (!Number.isInteger(value) || value > maxThreshold)
    throw new AlertConfigError(field, `must be a whole number up to ${maxThreshold}, got ${value}`);
  return value;
}

function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new AlertConfigError(field, 'must be a JSON object');
  return value as Record<string, unknown>;
}

/** A field name as it appears in a path: plain when it is an identifier, JSON-quoted otherwise. */
export function fieldName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : JSON.stringify(name);
}

function rejectUnknown(object: Record<string, unknown>, known: readonly string[], at: string): void {
  for (const name of Object.keys(object)) {
    if (!known.includes(name))
      throw new AlertConfigError(
        at ? `${at}.${fieldName(name)}` : fieldName(name),
        `unknown field (known: ${known.join(', ')})`,
      );
  }
}

/**
 * `{ "currentBytes": { "threshold": 1000, "hysteresis": 100 }, ... }`: every metric optional,
 * hysteresis optional (default 0) and at most the threshold. Throws AlertConfigError naming the field.
 */
export function parseThresholds(value: unknown, at = 'thresholds'): Thresholds {
  const object = plainObject(value, at);
  rejectUnknown(object, alertMetrics, at);
  const out: Partial<Record<AlertMetric, Threshold>> = {};
  for (const metric of alertMetrics) {
    const raw = object[metric];
    if (raw === undefined) continue;
    const field = `${at}.${metric}`;
    const entry = plainObject(raw, field);
    rejectUnknown(entry, ['threshold', 'hysteresis'], field);
    if (entry.threshold === undefined) throw new AlertConfigError(`${field}.threshold`, 'is required');
    const threshold = nonNegativeInteger(entry.threshold, `${field}.threshold`);
    const hysteresis =
      entry.hysteresis === undefined ? 0 : nonNegativeInteger(entry.hysteresis, `${field}.hysteresis`);
    if (hysteresis > threshold)
      throw new AlertConfigError(
        `${field}.hysteresis`,
        `must be <= threshold (${threshold}), got ${hysteresis}: the alert could never re-arm`,
      );
    out[metric] = { threshold, hysteresis };
  }
  return out;
}

/** Thresholds from an environment variable holding their JSON (empty or unset: none). */
export function thresholdsFromEnv(raw: string | undefined, name: string): Thresholds {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`environment variable ${name} is not JSON: ${raw}`);
  }
  try {
    return parseThresholds(parsed);
  } catch (err) {
    throw new Error(`environment variable ${name}: ${(err as Error).message}`);
  }
}

export function hasThresholds(thresholds: Thresholds): boolean {
  return alertMetrics.some((metric) => thresholds[metric] !== undefined);
}
