import { StateMachine } from 'aws-local-stepfunctions';
import { allStates, definitionProblems, parseDefinition, taskStates } from './definition.ts';
import { historyEntries, type InterpreterEvent, json, resourceNames } from './history.ts';
import { SfnError } from './protocol.ts';
import {
  type ExecutionRecord,
  type ExecutionStatus,
  ExecutionStore,
  INTERRUPTED_CAUSE,
  INTERRUPTED_ERROR,
} from './store.ts';
import { classifyResource, type TaskResource } from './task-resources.ts';
import { runTask, type TaskDependencies } from './tasks.ts';

/**
 * Step Functions state machines and their executions, run by `aws-local-stepfunctions` (an ASL
 * interpreter): Task states are overridden to call this cloud's functions and services (tasks.ts),
 * its event log becomes the execution's history (history.ts), and executions are kept in
 * store.ts. EXPRESS state machines run exactly like STANDARD ones.
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

export interface StepFunctionsServiceOptions {
  readonly region: string;
  readonly accountId: string;
  /** `<stateDir>/stepfunctions`; null: executions in memory. */
  readonly directory: string | null;
  readonly tasks: TaskDependencies;
  /** Whether a function ARN a Task names directly is in this cloud (checked at CreateStateMachine). */
  readonly functionExists?: (arn: string) => boolean;
  readonly log?: (line: string) => void;
}

interface Running {
  readonly abort: () => void;
  readonly done: Promise<void>;
  stopRequest?: { error?: string; cause?: string };
}

/** setTimeout's limit (2^31 - 1 ms): longer timeouts would fire at once. */
const MAX_TIMEOUT_SECONDS = 2_000_000;
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;

/** State machine and execution names as AWS allows them: 1-80 characters, no blanks, brackets, wildcards, special or control characters. */
function validName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || FORBIDDEN.test(name)) return false;
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
  }
  return true;
}

export class StepFunctionsService {
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly active = new Map<string, Running>();
  private readonly store: ExecutionStore;
  private readonly options: StepFunctionsServiceOptions;
  private stopped = false;

  constructor(options: StepFunctionsServiceOptions) {
    this.options = options;
    this.store = new ExecutionStore(options.directory);
    const interrupted = this.store.markInterrupted(Date.now());
    if (interrupted > 0)
      options.log?.(
        `Step Functions: ${interrupted} execution(s) still running when the cloud last stopped were marked FAILED`,
      );
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.options.region}:${this.options.accountId}:stateMachine:${name}`;
  }

  createStateMachine(request: {
    name: string;
    definition: string;
    roleArn: string;
    type?: string;
  }): StateMachineRecord {
    if (!validName(request.name))
      throw new SfnError('InvalidName', `Invalid State Machine Name: '${request.name}'`);
    const arn = this.stateMachineArn(request.name);
    const existing = this.machines.get(arn);
    const type = (request.type ?? 'STANDARD') as StateMachineRecord['type'];
    if (type !== 'STANDARD' && type !== 'EXPRESS')
      throw new SfnError('ValidationException', `type must be STANDARD or EXPRESS, got ${request.type}`);
    if (existing) {
      if (existing.definition === request.definition && existing.roleArn === request.roleArn) return existing;
      throw new SfnError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const record = this.compile(arn, request.name, type, request.definition, request.roleArn, Date.now());
    this.machines.set(arn, record);
    return record;
  }

  updateStateMachine(arn: string, change: { definition?: string; roleArn?: string }): number {
    const existing = this.requireMachine(arn);
    const record = this.compile(
      arn,
      existing.name,
      existing.type,
      change.definition ?? existing.definition,
      change.roleArn ?? existing.roleArn,
      existing.creationDate,
    );
    this.machines.set(arn, record);
    return Date.now();
  }

  describeStateMachine(arn: string): StateMachineRecord {
    return this.requireMachine(arn);
  }

  listStateMachines(): StateMachineRecord[] {
    return [...this.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** StartExecution: the same name and input as a running execution give that one back, as on AWS. */
  startExecution(arn: string, name: string | undefined, input: string | undefined): ExecutionRecord {
    if (this.stopped) throw new SfnError('ServiceUnavailable', 'the embedded cloud is stopping', 503);
    const machine = this.requireMachine(arn);
    const executionName = name ?? crypto.randomUUID();
    if (!validName(executionName))
      throw new SfnError('InvalidName', `Invalid Execution Name: '${executionName}'`);
    const text = input ?? '{}';
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new SfnError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${(err as Error).message}'`,
      );
    }
    const executionArn = `arn:aws:states:${this.options.region}:${this.options.accountId}:execution:${machine.name}:${executionName}`;
    const existing = this.store.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === text) return existing;
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: arn,
      name: executionName,
      status: 'RUNNING',
      input: text,
      startDate: Date.now(),
    };
    this.store.insert(record);
    this.store.appendEvent(
      executionArn,
      record.startDate,
      'ExecutionStarted',
      'executionStartedEventDetails',
      {
        input: text,
        inputDetails: { truncated: false },
        roleArn: machine.roleArn,
      },
    );
    this.run(machine, record, value);
    return record;
  }

  describeExecution(arn: string): ExecutionRecord {
    const record = this.store.get(arn);
    if (!record) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  /** The machine an execution ran (DescribeStateMachineForExecution). */
  machineOf(executionArn: string): StateMachineRecord {
    return this.requireMachine(this.describeExecution(executionArn).stateMachineArn);
  }

  listExecutions(stateMachineArn: string, status?: string): ExecutionRecord[] {
    this.requireMachine(stateMachineArn);
    return this.store.list(stateMachineArn, status);
  }

  history(arn: string) {
    this.describeExecution(arn);
    return this.store.events(arn);
  }

  /** StopExecution: ABORTED with the given error and cause; a closed execution keeps its end. */
  stopExecution(arn: string, error?: string, cause?: string): number {
    const record = this.describeExecution(arn);
    const running = this.active.get(arn);
    if (record.status !== 'RUNNING' || !running) return record.stopDate ?? Date.now();
    const now = Date.now();
    running.stopRequest = { ...(error ? { error } : {}), ...(cause ? { cause } : {}) };
    this.close(arn, { status: 'ABORTED', ...running.stopRequest }, now);
    running.abort();
    return now;
  }

  /** Resolves when the execution has ended (StartSyncExecution). */
  async whenDone(executionArn: string): Promise<void> {
    await this.active.get(executionArn)?.done;
  }

  /** How many executions are running now. */
  running(): number {
    return this.active.size;
  }

  /** Resolves when no execution is running (and none was started meanwhile). */
  async whenIdle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((r) => r.done));
  }

  /** Running executions end FAILED now (their tasks cannot finish once the cloud stops). */
  stop(): void {
    if (this.stopped) return;
    const now = Date.now();
    for (const [arn, running] of this.active) {
      this.close(arn, { status: 'FAILED', error: INTERRUPTED_ERROR, cause: INTERRUPTED_CAUSE }, now);
      running.abort();
    }
    this.stopped = true;
    this.active.clear();
    this.store.close();
  }

  private requireMachine(arn: string): StateMachineRecord {
    if (!/^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(arn))
      throw new SfnError('InvalidArn', `Invalid Arn: '${arn}'`);
    const machine = this.machines.get(arn);
    if (!machine) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private compile(
    arn: string,
    name: string,
    type: StateMachineRecord['type'],
    definition: string,
    roleArn: string,
    creationDate: number,
  ): StateMachineRecord {
    let parsed: Record<string, unknown>;
    try {
      parsed = parseDefinition(definition, `state machine ${name}`);
      // the interpreter's own validation (asl-validator): structure, reachability, JSONPaths
      new StateMachine(parsed as never, { validationOptions: { checkArn: false } });
    } catch (err) {
      throw new SfnError('InvalidDefinition', (err as Error).message);
    }
    const problems = definitionProblems(parsed);
    const tasks = new Map<string, TaskResource>();
    for (const task of taskStates(parsed)) {
      const kind = classifyResource(task.resource);
      tasks.set(task.name, kind);
      if (
        kind.type === 'lambda-function' &&
        this.options.functionExists &&
        !this.options.functionExists(task.resource)
      )
        problems.push(
          `state ${JSON.stringify(task.name)}: Resource ${task.resource}: no such function in this cloud`,
        );
    }
    if (problems.length > 0)
      throw new SfnError(
        'InvalidDefinition',
        `the embedded Step Functions cannot run state machine ${name}: ${problems.join('; ')}`,
      );
    return { arn, name, type, definition, roleArn, creationDate, parsed, tasks };
  }

  private run(machine: StateMachineRecord, record: ExecutionRecord, input: unknown): void {
    const arn = record.executionArn;
    const interpreter = new StateMachine(interpreterDefinition(machine.parsed) as never, {
      validationOptions: { noValidate: true },
    });
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, kind] of machine.tasks)
      handlers[stateName] = (taskInput) => this.task(arn, machine, stateName, kind, taskInput);
    const execution = interpreter.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      context: {
        Execution: { Id: arn, Name: record.name, RoleArn: machine.roleArn },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    const recorded = (async () => {
      for await (const event of execution.eventLogs) {
        if (!this.isOpen(arn)) continue;
        for (const entry of historyEntries(event as InterpreterEvent))
          this.store.appendEvent(arn, Date.now(), entry.type, entry.detailsKey, entry.details);
      }
    })();
    const done = execution.result.then(
      async (output) => {
        await recorded;
        this.close(arn, { status: 'SUCCEEDED', output: json(output) }, Date.now());
      },
      async (err: Error) => {
        await recorded.catch(() => {});
        if (err.name === 'ExecutionTimeoutError')
          return this.close(arn, { status: 'TIMED_OUT', error: 'States.Timeout' }, Date.now());
        if (err.name === 'ExecutionAbortedError') return; // closed by stopExecution or stop()
        const cause = (err as { cause?: { name?: string; message?: string } }).cause;
        this.close(
          arn,
          {
            status: 'FAILED',
            error: cause?.name ?? 'States.Runtime',
            ...(cause?.message !== undefined ? { cause: cause.message } : { cause: err.message }),
          },
          Date.now(),
        );
      },
    );
    const entry: Running = {
      abort: execution.abort,
      done: done.finally(() => this.active.delete(arn)),
    };
    this.active.set(arn, entry);
  }

  private isOpen(arn: string): boolean {
    return !this.stopped && this.store.get(arn)?.status === 'RUNNING';
  }

  /** Ends a running execution once: its status, then the closing history event. */
  private close(
    arn: string,
    outcome: { status: ExecutionStatus; output?: string; error?: string; cause?: string },
    now: number,
  ): void {
    if (this.stopped || this.store.get(arn)?.status !== 'RUNNING') return;
    this.store.finish(arn, outcome, now);
    const failure = {
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.cause ? { cause: outcome.cause } : {}),
    };
    const [type, key, details]: [string, string, Record<string, unknown>] =
      outcome.status === 'SUCCEEDED'
        ? [
            'ExecutionSucceeded',
            'executionSucceededEventDetails',
            { output: outcome.output, outputDetails: { truncated: false } },
          ]
        : outcome.status === 'ABORTED'
          ? ['ExecutionAborted', 'executionAbortedEventDetails', failure]
          : outcome.status === 'TIMED_OUT'
            ? ['ExecutionTimedOut', 'executionTimedOutEventDetails', failure]
            : ['ExecutionFailed', 'executionFailedEventDetails', failure];
    this.store.appendEvent(arn, now, type, key, details);
  }

  /** One Task call, recorded as AWS records it (TaskScheduled/Started/Succeeded/Failed). */
  private async task(
    arn: string,
    machine: StateMachineRecord,
    stateName: string,
    kind: TaskResource,
    input: unknown,
  ): Promise<unknown> {
    // the interpreter's log is read asynchronously: let it catch up so the events keep their order
    await new Promise((resolve) => setImmediate(resolve));
    const resource = String(allStates(machine.parsed).find(([name]) => name === stateName)?.[1].Resource);
    const record = (type: string, key?: string, details?: Record<string, unknown>) => {
      if (this.isOpen(arn)) this.store.appendEvent(arn, Date.now(), type, key, details);
    };
    const lambda = kind.type === 'lambda-function';
    const names = resourceNames(resource);
    if (lambda) {
      record('LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', {
        resource,
        input: json(input),
        inputDetails: { truncated: false },
      });
      record('LambdaFunctionStarted');
    } else {
      record('TaskScheduled', 'taskScheduledEventDetails', {
        ...names,
        region: this.options.region,
        parameters: json(input),
      });
      record('TaskStarted', 'taskStartedEventDetails', names);
    }
    try {
      const output = await runTask(kind, input, this.options.tasks);
      if (lambda)
        record('LambdaFunctionSucceeded', 'lambdaFunctionSucceededEventDetails', {
          output: json(output),
          outputDetails: { truncated: false },
        });
      else
        record('TaskSucceeded', 'taskSucceededEventDetails', {
          ...names,
          output: json(output),
          outputDetails: { truncated: false },
        });
      return output;
    } catch (err) {
      const failure = { error: (err as Error).name, cause: (err as Error).message };
      if (lambda) record('LambdaFunctionFailed', 'lambdaFunctionFailedEventDetails', failure);
      else record('TaskFailed', 'taskFailedEventDetails', { ...names, ...failure });
      throw err;
    }
  }
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
