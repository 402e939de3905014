import { DETECTIONS } from '../schema.ts';
import { RequestError } from './request-error.ts';

export const LABELS = ['cat', 'dog', 'other'] as const;
export type Label = (typeof LABELS)[number];
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/** GET /images?label=&limit=&next=, checked. `next` is the opaque cursor a previous page returned. */
export interface ListQuery {
  readonly label: Label;
  readonly limit: number;
  readonly startKey?: Record<string, string>;
}

export function parseListQuery(params: Record<string, string | undefined> | null): ListQuery {
  const label = params?.label;
  if (label === undefined || label === '') throw new RequestError('label: required (cat, dog or other)');
  if (!(LABELS as readonly string[]).includes(label)) {
    throw new RequestError(`label: must be cat, dog or other, got "${label.slice(0, 40)}"`);
  }
  let limit = DEFAULT_LIMIT;
  if (params?.limit !== undefined) {
    limit = Number(params.limit);
    if (!/^\d+$/.test(params.limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new RequestError(
        `limit: must be an integer from 1 to ${MAX_LIMIT}, got "${params.limit.slice(0, 20)}"`,
      );
    }
  }
  const next = params?.next;
  return { label: label as Label, limit, ...(next ? { startKey: decodeCursor(next, label) } : {}) };
}

const CURSOR_KEYS = [DETECTIONS.partitionKey, DETECTIONS.labelKey, DETECTIONS.timeKey];

export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | undefined {
  if (!lastKey) return undefined;
  return Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url');
}

function decodeCursor(next: string, label: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(next, 'base64url').toString('utf8'));
  } catch {
    throw new RequestError('next: not a cursor this API returned');
  }
  const ok =
    typeof parsed === 'object' &&
    parsed !== null &&
    Object.keys(parsed).length === CURSOR_KEYS.length &&
    CURSOR_KEYS.every((k) => typeof (parsed as Record<string, unknown>)[k] === 'string');
  if (!ok) throw new RequestError('next: not a cursor this API returned');
  if ((parsed as Record<string, string>)[DETECTIONS.labelKey] !== label) {
    throw new RequestError('next: this cursor belongs to another label');
  }
  return parsed as Record<string, string>;
}
