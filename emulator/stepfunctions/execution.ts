import { allStates } from './definition.ts';
import { historyEntries, type InterpreterEvent, json, resourceNames } from './history.ts';
import type { ExecutionRecord, ExecutionStatus } from './store.ts';
import type { TaskResource } from './task-resources.ts';
import { runTask, type TaskDependencies } from './tasks.ts';

/**
 * One execution in `aws-local-stepfunctions` (an ASL interpreter): its Task states are overridden to
 * call this cloud (tasks.ts) and recorded as AWS records them; the interpreter's event log becomes
 * the rest of the history (history.ts). The service (service.ts) owns the record and its end.
 */
export interface StateMachineRecord {
  readonly arn: string;
  readonly name: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly definition: string;
  readonly roleArn: string;
  readonly creationDate: number;
  readonly parsed: Record<string, unknown>;
  readonly tasks: ReadonlyMap<string, TaskResource>;
}

export interface ExecutionOutcome {
  readonly status: ExecutionStatus;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** What an execution needs from the service that runs it. */
export interface ExecutionHost {
  readonly region: string;
  readonly tasks: TaskDependencies;
  /** Still RUNNING (not stopped, not closed): only then is history written. */
  isOpen(executionArn: string): boolean;
  append(executionArn: string, type: string, detailsKey?: string, details?: Record<string, unknown>): void;
  /** Ends the execution (once: later calls are ignored). */
  close(executionArn: string, outcome: ExecutionOutcome): void;
  log?(line: string): void;
}

export interface RunningExecution {
  abort(): void;
  readonly done: Promise<void>;
}

/** setTimeout's limit (2^31 - 1 ms): longer timeouts would fire at once. */
const MAX_TIMEOUT_SECONDS = 2_000_000;

export function runExecution(
  host: ExecutionHost,
  machine: StateMachineRecord,
  record: ExecutionRecord,
  input: unknown,
): RunningExecution {
  const arn = record.executionArn;
  let aborted = false;
  let abort = () => {
    aborted = true;
  };
  // Task calls started per state, and those the interpreter timed out (their late answers are not history)
  const attempts = new Map<string, number>();
  const timedOut = new Set<string>();

  const task = async (stateName: string, kind: TaskResource, taskInput: unknown): Promise<unknown> => {
    // the interpreter's log is read asynchronously: let it catch up so the events keep their order
    await new Promise((resolve) => setImmediate(resolve));
    const attempt = (attempts.get(stateName) ?? 0) + 1;
    attempts.set(stateName, attempt);
    const write = (type: string, key?: string, details?: Record<string, unknown>) => {
      if (host.isOpen(arn) && !timedOut.has(`${stateName}\u0000${attempt}`))
        host.append(arn, type, key, details);
    };
    return recordedCall(write, host, resourceOf(machine, stateName), kind, taskInput);
  };

  const history = async (events: AsyncIterable<unknown>): Promise<void> => {
    for await (const event of events) {
      if (!host.isOpen(arn)) continue;
      const stateName = (event as InterpreterEvent).state?.name ?? '';
      for (const entry of historyEntries(event as InterpreterEvent)) {
        let details = entry.details;
        if (entry.type === 'TaskTimedOut') {
          // the timeout comes from the interpreter: name the resource as the other Task events do
          details = { ...resourceNames(resourceOf(machine, stateName)), ...entry.details };
          timedOut.add(`${stateName}\u0000${attempts.get(stateName) ?? 0}`);
        }
        host.append(arn, entry.type, entry.detailsKey, details);
      }
    }
  };

  const done = (async () => {
    // loaded on the first execution, not at start-up: the interpreter's module graph is large
    const { StateMachine } = await interpreterModule();
    if (aborted || !host.isOpen(arn)) return;
    const interpreter = new StateMachine(interpreterDefinition(machine.parsed) as never, {
      validationOptions: { noValidate: true },
    });
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, kind] of machine.tasks)
      handlers[stateName] = (taskInput) => task(stateName, kind, taskInput);
    const execution = interpreter.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      context: {
        Execution: { Id: arn, Name: record.name, RoleArn: machine.roleArn },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    abort = execution.abort;
    const recorded = history(execution.eventLogs as AsyncIterable<unknown>);
    try {
      const output = await execution.result;
      await recorded;
      host.close(arn, { status: 'SUCCEEDED', output: json(output) });
    } catch (err) {
      await recorded.catch(() => {});
      const name = (err as Error).name;
      if (name === 'ExecutionTimeoutError')
        return host.close(arn, { status: 'TIMED_OUT', error: 'States.Timeout' });
      if (name === 'ExecutionAbortedError') return; // closed by StopExecution or the cloud stopping
      const cause = (err as { cause?: { name?: string; message?: string } }).cause;
      host.close(arn, {
        status: 'FAILED',
        error: cause?.name ?? 'States.Runtime',
        cause: cause?.message ?? (err as Error).message,
      });
    }
  })().catch((err: Error) => {
    host.log?.(`Step Functions: execution ${arn} broke the interpreter: ${err.message}`);
    host.close(arn, { status: 'FAILED', error: 'States.Runtime', cause: err.message });
  });
  return { abort: () => abort(), done };
}

/** One Task call, recorded as AWS records it (TaskScheduled/Started/Succeeded/Failed, LambdaFunction* for function ARNs). */
async function recordedCall(
  write: (type: string, key?: string, details?: Record<string, unknown>) => void,
  host: ExecutionHost,
  resource: string,
  kind: TaskResource,
  input: unknown,
): Promise<unknown> {
  const lambda = kind.type === 'lambda-function';
  const names = resourceNames(resource);
  if (lambda) {
    write('LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', {
      resource,
      input: json(input),
      inputDetails: { truncated: false },
    });
    write('LambdaFunctionStarted');
  } else {
    write('TaskScheduled', 'taskScheduledEventDetails', {
      ...names,
      region: host.region,
      parameters: json(input),
    });
    write('TaskStarted', 'taskStartedEventDetails', names);
  }
  try {
    const output = await runTask(kind, input, host.tasks);
    const result = { output: json(output), outputDetails: { truncated: false } };
    if (lambda) write('LambdaFunctionSucceeded', 'lambdaFunctionSucceededEventDetails', result);
    else write('TaskSucceeded', 'taskSucceededEventDetails', { ...names, ...result });
    return output;
  } catch (err) {
    const failure = { error: (err as Error).name, cause: (err as Error).message };
    if (lambda) write('LambdaFunctionFailed', 'lambdaFunctionFailedEventDetails', failure);
    else write('TaskFailed', 'taskFailedEventDetails', { ...names, ...failure });
    throw err;
  }
}

let interpreter: Promise<typeof import('aws-local-stepfunctions')> | undefined;
const interpreterModule = () => {
  interpreter ??= import('aws-local-stepfunctions');
  return interpreter;
};

function resourceOf(machine: StateMachineRecord, stateName: string | undefined): string {
  return String(allStates(machine.parsed).find(([name]) => name === stateName)?.[1].Resource ?? '');
}

/** A copy for the interpreter: Task timeouts default to AWS's "none" instead of its 60 s. */
function interpreterDefinition(parsed: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(parsed);
  if (typeof copy.TimeoutSeconds === 'number')
    copy.TimeoutSeconds = Math.min(copy.TimeoutSeconds, MAX_TIMEOUT_SECONDS);
  for (const [, state] of allStates(copy)) {
    if (state.Type !== 'Task') continue;
    if (typeof state.TimeoutSeconds === 'number')
      state.TimeoutSeconds = Math.min(state.TimeoutSeconds, MAX_TIMEOUT_SECONDS);
    else if (state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = MAX_TIMEOUT_SECONDS;
  }
  return copy;
}
