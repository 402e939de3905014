import type { ResourceHandler } from '../resource-types.ts';

/**
 * `AWS::StepFunctions::StateMachine`, only to refuse it up front with the reason: Step Functions are
 * not emulated, and the one state machine apps commonly carry without using Step Functions
 * themselves is the waiter of CDK's custom-resources `Provider` with an `isComplete` handler.
 * Not a supported type: it stays out of the registry's list.
 */
export const stateMachineRefusal: ResourceHandler = {
  types: ['AWS::StepFunctions::StateMachine'],
  unsupported(properties) {
    const definition = JSON.stringify(properties.DefinitionString ?? properties.Definition ?? '');
    if (definition.includes('framework-isComplete-task'))
      return [
        "it is the waiter of CDK's custom-resources Provider with an isComplete handler: Step Functions are not emulated, so isComplete cannot be polled (Providers with onEvent only are supported)",
      ];
    return ['Step Functions state machines are not emulated'];
  },
  async create(ctx, logicalId) {
    throw new Error(
      `stack ${ctx.stack}, resource ${logicalId}: Step Functions state machines are not emulated`,
    );
  },
};
