/** The driver's scenario: a list of object changes played against the tracked bucket (pure). */

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

export function planFromRequest(
  request: DriverRequest | null | undefined,
  defaultPauseMs: number,
): DriverPlan {
  const steps = request?.scenario === undefined ? defaultScenario : parseSteps(request.scenario);
  const pauseMs =
    request?.pauseMs === undefined ? defaultPauseMs : nonNegativeInt(request.pauseMs, 'pauseMs');
  const windowSeconds =
    request?.windowSeconds === undefined ? 300 : nonNegativeInt(request.windowSeconds, 'windowSeconds');
  if (windowSeconds === 0) throw new Error('driver request field "windowSeconds" must be greater than 0');
  return { steps, pauseMs, windowSeconds };
}

function nonNegativeInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(
      `driver request field "${field}" must be a non-negative integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function parseSteps(value: unknown): ScenarioStep[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new Error('driver request field "scenario" must be a non-empty array of steps');
  }
  return value.map((step, i) => {
    const where = `driver request field "scenario[${i}]"`;
    if (typeof step !== 'object' || step === null) throw new Error(`${where} must be an object`);
    const { action, key, body } = step as Record<string, unknown>;
    if (typeof key !== 'string' || key === '') throw new Error(`${where}.key must be a non-empty string`);
    if (action === 'delete') return { action, key };
    if (action === 'put') {
      if (typeof body !== 'string') throw new Error(`${where}.body must be a string for a put`);
      return { action, key, body };
    }
    throw new Error(`${where}.action must be "put" or "delete", got ${JSON.stringify(action)}`);
  });
}
