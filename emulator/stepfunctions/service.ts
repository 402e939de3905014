import { definitionProblems, parseDefinition, structureProblems, taskStates } from './definition.ts';
import {
  type ExecutionHost,
  type ExecutionOutcome,
  type RunningExecution,
  runExecution,
  type StateMachineRecord,
} from './execution.ts';
import { SfnError } from './protocol.ts';
import { type ExecutionRecord, ExecutionStore, INTERRUPTED_CAUSE, INTERRUPTED_ERROR } from './store.ts';
import { classifyResource, type TaskResource } from './task-resources.ts';
import type { TaskDependencies } from './tasks.ts';

export type { StateMachineRecord } from './execution.ts';

/**
 * Step Functions state machines and their executions: definitions checked and refused here
 * (definition.ts), executions run by execution.ts, kept in store.ts. EXPRESS state machines run
 * exactly like STANDARD ones.
 */
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

const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;

/** Names as AWS allows them: 1-80 characters, no blanks, brackets, wildcards, special or control characters. */
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
  private readonly active = new Map<string, RunningExecution>();
  private readonly store: ExecutionStore;
  private readonly options: StepFunctionsServiceOptions;
  private stopped = false;

  /** What running executions see of this service. */
  private readonly host: ExecutionHost;

  constructor(options: StepFunctionsServiceOptions) {
    this.options = options;
    this.host = {
      region: options.region,
      tasks: options.tasks,
      isOpen: (arn: string) => this.isOpen(arn),
      append: (arn: string, type: string, key?: string, details?: Record<string, unknown>) =>
        this.store.appendEvent(arn, Date.now(), type, key, details),
      close: (arn: string, outcome: ExecutionOutcome) => this.close(arn, outcome, Date.now()),
      ...(options.log ? { log: options.log } : {}),
    };
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
    const running = runExecution(this.host, machine, record, value);
    this.active.set(executionArn, running);
    void running.done.finally(() => this.active.delete(executionArn));
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
    this.close(arn, { status: 'ABORTED', ...(error ? { error } : {}), ...(cause ? { cause } : {}) }, now);
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
    } catch (err) {
      throw new SfnError('InvalidDefinition', (err as Error).message);
    }
    const invalid = structureProblems(parsed);
    if (invalid.length > 0)
      throw new SfnError('InvalidDefinition', `Invalid State Machine Definition: ${invalid.join('; ')}`);
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

  private isOpen(arn: string): boolean {
    return !this.stopped && this.store.get(arn)?.status === 'RUNNING';
  }

  /** Ends a running execution once: its status, then the closing history event. */
  private close(arn: string, outcome: ExecutionOutcome, now: number): void {
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
}
