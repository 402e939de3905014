/** The driver's scenario: a list of object changes played against the tracked bucket (pure). */
import { maxWindowSeconds } from '../plotting/request.ts';

export type ScenarioStep =
  | { readonly action: 'put'; readonly key: string; readonly body: string }
  | { readonly action: 'delete'; readonly key: string };

/** The seeds' scenario. Bucket totals after each step: 18, 27, 0 and 2 bytes. */
export const defaultScenario: readonly ScenarioStep[] = [
  { action: 'put', key: 'assignment1.txt', body: 'Empty Assignment 1' },
  { action: 'put', key: 'assignment1.txt', body: 'Empty Assignment 2222222222' },
  { action: 'delete', key: 'assignment1.txt' },
  { action: 'put', key: 'assignment2.txt', body: '33' },
];

export interface DriverRequest {
  readonly scenario?: unknown;
  readonly pauseMs?: unknown;
  readonly windowSeconds?: unknown;
}

export interface DriverPlan {
  readonly steps: readonly ScenarioStep[];
  readonly pauseMs: number;
  readonly windowSeconds: number;
}

/** A request the driver refuses; its message names the field. */
export class DriverRequestError extends Error {
  override name = 'DriverRequestError';
}

/** Bounds that keep one run inside the function's timeout and S3's limits. */
export const driverLimits = {
  steps: 100,
  pauseMs: 60_000,
  keyBytes: 1024,
  bodyBytes: 1024 * 1024,
} as const;

const fields = ['scenario', 'pauseMs', 'windowSeconds'];

export function planFromRequest(request: unknown, defaultPauseMs: number): DriverPlan {
  if (request === undefined || request === null) return planFromFields({}, defaultPauseMs);
  if (typeof request !== 'object' || Array.isArray(request)) {
    throw new DriverRequestError(
      `the driver request must be a JSON object with the optional fields ${fields.join(', ')}, got ${describe(request)}`,
    );
  }
  const unknown = Object.keys(request).find((name) => !fields.includes(name));
  if (unknown !== undefined) {
    throw new DriverRequestError(
      `driver request field ${JSON.stringify(unknown)} is unknown: the fields are ${fields.join(', ')}`,
    );
  }
  return planFromFields(request as DriverRequest, defaultPauseMs);
}

function planFromFields(request: DriverRequest, defaultPauseMs: number): DriverPlan {
  const steps = request.scenario === undefined ? defaultScenario : parseSteps(request.scenario);
  const pauseMs =
    request.pauseMs === undefined
      ? defaultPauseMs
      : boundedInt(request.pauseMs, 'pauseMs', 0, driverLimits.pauseMs);
  const windowSeconds =
    request.windowSeconds === undefined
      ? 300
      : boundedInt(request.windowSeconds, 'windowSeconds', 1, maxWindowSeconds);
  return { steps, pauseMs, windowSeconds };
}

function boundedInt(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new DriverRequestError(
      `driver request field "${field}" must be an integer from ${min} to ${max}, got ${describe(value)}`,
    );
  }
  return value;
}

/** A value in a message: JSON (undefined has none), cut to a readable length. */
function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function parseSteps(value: unknown): ScenarioStep[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > driverLimits.steps) {
    throw new DriverRequestError(
      `driver request field "scenario" must be an array of 1 to ${driverLimits.steps} steps, got ${describe(value)}`,
    );
  }
  return value.map((step, i) => {
    const where = `driver request field "scenario[${i}]"`;
    if (typeof step !== 'object' || step === null || Array.isArray(step))
      throw new DriverRequestError(`${where} must be an object`);
    const { action, key, body, ...rest } = step as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined)
      throw new DriverRequestError(`${where}.${extra} is unknown: a step has action, key and body`);
    if (typeof key !== 'string' || key === '' || Buffer.byteLength(key) > driverLimits.keyBytes)
      throw new DriverRequestError(
        `${where}.key must be a string of 1 to ${driverLimits.keyBytes} UTF-8 bytes`,
      );
    if (/\p{Cs}/u.test(key))
      throw new DriverRequestError(`${where}.key must be well-formed Unicode (no lone surrogates)`);
    if (action === 'delete') {
      if (body !== undefined) throw new DriverRequestError(`${where}.body must be absent for a delete`);
      return { action, key };
    }
    if (action === 'put') {
      if (typeof body !== 'string' || Buffer.byteLength(body) > driverLimits.bodyBytes)
        throw new DriverRequestError(
          `${where}.body must be a string of at most ${driverLimits.bodyBytes} bytes for a put`,
        );
      return { action, key, body };
    }
    throw new DriverRequestError(`${where}.action must be "put" or "delete", got ${describe(action)}`);
  });
}
