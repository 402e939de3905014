import { optionalString, page, requiredString, SfnError, timestamp } from './protocol.ts';
import type { StateMachineRecord, StepFunctionsService } from './service.ts';
import type { ExecutionRecord } from './store.ts';

/** The API's operations, by X-Amz-Target name: request members in, response members out. */
export type Operation = (request: Record<string, unknown>, service: StepFunctionsService) => unknown;

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

function describeMachine(machine: StateMachineRecord) {
  return {
    stateMachineArn: machine.arn,
    name: machine.name,
    status: 'ACTIVE',
    definition: machine.definition,
    roleArn: machine.roleArn,
    type: machine.type,
    creationDate: timestamp(machine.creationDate),
    loggingConfiguration: { level: 'OFF', includeExecutionData: false },
    tracingConfiguration: { enabled: false },
  };
}

function executionSummary(record: ExecutionRecord) {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: timestamp(record.startDate),
    ...(record.stopDate !== undefined ? { stopDate: timestamp(record.stopDate) } : {}),
  };
}

function describeExecution(record: ExecutionRecord) {
  return {
    ...executionSummary(record),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
  };
}

export const OPERATIONS: Record<string, Operation> = {
  CreateStateMachine(request, service) {
    const machine = service.createStateMachine({
      name: requiredString(request, 'name'),
      definition: requiredString(request, 'definition'),
      roleArn: requiredString(request, 'roleArn'),
      ...(optionalString(request, 'type') ? { type: optionalString(request, 'type') as string } : {}),
    });
    return { stateMachineArn: machine.arn, creationDate: timestamp(machine.creationDate) };
  },
  UpdateStateMachine(request, service) {
    const definition = optionalString(request, 'definition');
    const roleArn = optionalString(request, 'roleArn');
    const updated = service.updateStateMachine(requiredString(request, 'stateMachineArn'), {
      ...(definition ? { definition } : {}),
      ...(roleArn ? { roleArn } : {}),
    });
    return { updateDate: timestamp(updated) };
  },
  DescribeStateMachine: (request, service) =>
    describeMachine(service.describeStateMachine(requiredString(request, 'stateMachineArn'))),
  DescribeStateMachineForExecution: (request, service) => {
    const { status: _status, ...machine } = describeMachine(
      service.machineOf(requiredString(request, 'executionArn')),
    );
    return { ...machine, updateDate: machine.creationDate };
  },
  ListStateMachines(request, service) {
    const { items, nextToken } = page(service.listStateMachines(), request);
    return {
      stateMachines: items.map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: machine.type,
        creationDate: timestamp(machine.creationDate),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  },
  StartExecution(request, service) {
    const record = service.startExecution(
      requiredString(request, 'stateMachineArn'),
      optionalString(request, 'name'),
      optionalString(request, 'input'),
    );
    return { executionArn: record.executionArn, startDate: timestamp(record.startDate) };
  },
  async StartSyncExecution(request, service) {
    const record = service.startExecution(
      requiredString(request, 'stateMachineArn'),
      optionalString(request, 'name'),
      optionalString(request, 'input'),
    );
    await service.whenDone(record.executionArn);
    const done = service.describeExecution(record.executionArn);
    return {
      ...describeExecution(done),
      billingDetails: { billedDurationInMilliseconds: 0, billedMemoryUsedInMB: 0 },
    };
  },
  DescribeExecution: (request, service) =>
    describeExecution(service.describeExecution(requiredString(request, 'executionArn'))),
  StopExecution(request, service) {
    const error = optionalString(request, 'error');
    const cause = optionalString(request, 'cause');
    return {
      stopDate: timestamp(service.stopExecution(requiredString(request, 'executionArn'), error, cause)),
    };
  },
  ListExecutions(request, service) {
    const status = optionalString(request, 'statusFilter');
    if (status !== undefined && !STATUSES.includes(status))
      throw new SfnError(
        'ValidationException',
        `1 validation error detected: Value '${status}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`,
      );
    const all = service.listExecutions(requiredString(request, 'stateMachineArn'), status);
    const { items, nextToken } = page(all, request);
    return { executions: items.map(executionSummary), ...(nextToken ? { nextToken } : {}) };
  },
  GetExecutionHistory(request, service) {
    const events = service.history(requiredString(request, 'executionArn'));
    const ordered = request.reverseOrder === true ? [...events].reverse() : events;
    const withData = request.includeExecutionData !== false;
    const { items, nextToken } = page(ordered, request);
    return {
      events: items.map((event) => {
        const details = event.details && !withData ? withoutData(event.details) : event.details;
        return {
          timestamp: timestamp(event.timestamp),
          type: event.type,
          id: event.id,
          previousEventId: event.previousEventId,
          ...(event.detailsKey && details ? { [event.detailsKey]: details } : {}),
        };
      }),
      ...(nextToken ? { nextToken } : {}),
    };
  },
};

/** includeExecutionData false: inputs, outputs and parameters left out, as AWS does. */
function withoutData(details: Record<string, unknown>): Record<string, unknown> {
  const { input: _i, output: _o, parameters: _p, ...rest } = details;
  return rest;
}
