/**
 * The interpreter's event log in Step Functions' own history events (pure): `TaskStateEntered`,
 * `ChoiceStateExited`, `MapIterationStarted`... Task calls and the execution's start and end are
 * recorded by the service itself (service.ts), where their facts are known.
 */
export interface HistoryEntry {
  readonly type: string;
  readonly detailsKey?: string;
  readonly details?: Record<string, unknown>;
}

/** The aws-local-stepfunctions event shapes this reads (its EventLog type, loosely). */
export interface InterpreterEvent {
  readonly type: string;
  readonly state?: {
    readonly name: string;
    readonly type: string;
    readonly input?: unknown;
    readonly output?: unknown;
  };
  readonly parentState?: { readonly name: string; readonly type: string };
  readonly index?: number;
  readonly Error?: string;
  readonly Cause?: unknown;
}

export const json = (value: unknown) => JSON.stringify(value ?? null);
const untruncated = { truncated: false };

/** `arn:aws:states:::lambda:invoke` -> resourceType `lambda`, resource `invoke` (aws-sdk: `aws-sdk:s3`). */
export function resourceNames(resource: string): { resourceType: string; resource: string } {
  const path = resource.replace(/^arn:[^:]+:states:::/, '');
  const cut = path.lastIndexOf(':');
  return { resourceType: path.slice(0, cut), resource: path.slice(cut + 1) };
}

export function historyEntries(event: InterpreterEvent): HistoryEntry[] {
  const state = event.state;
  switch (event.type) {
    case 'StateEntered': {
      if (!state) return [];
      const entered: HistoryEntry = {
        type: `${state.type}StateEntered`,
        detailsKey: 'stateEnteredEventDetails',
        details: { name: state.name, input: json(state.input), inputDetails: untruncated },
      };
      if (state.type === 'Map' || state.type === 'Parallel')
        return [entered, { type: `${state.type}StateStarted` }];
      return [entered];
    }
    case 'StateExited': {
      if (!state) return [];
      const exited: HistoryEntry = {
        type: `${state.type}StateExited`,
        detailsKey: 'stateExitedEventDetails',
        details: { name: state.name, output: json(state.output), outputDetails: untruncated },
      };
      if (state.type === 'Map' || state.type === 'Parallel')
        return [{ type: `${state.type}StateSucceeded` }, exited];
      return [exited];
    }
    case 'StateFailed':
      // a Task's timeout comes from the interpreter's race, not from the call (recorded by the service)
      if (state?.type === 'Task' && event.Error === 'States.Timeout')
        return [
          {
            type: 'TaskTimedOut',
            detailsKey: 'taskTimedOutEventDetails',
            details: { error: 'States.Timeout', cause: String(event.Cause ?? '') },
          },
        ];
      if (state && (state.type === 'Map' || state.type === 'Parallel'))
        return [{ type: `${state.type}StateFailed` }];
      return [];
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed': {
      const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
      return [
        { type: event.type, detailsKey: key, details: { name: event.parentState?.name, index: event.index } },
      ];
    }
    default:
      return [];
  }
}
