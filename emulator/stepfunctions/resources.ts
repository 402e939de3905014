import { existsSync, readFileSync, statSync } from 'node:fs';
import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { physicalName } from '../cloudformation/naming.ts';
import {
  optionalString,
  type PhysicalResource,
  type ResourceHandler,
} from '../cloudformation/resource-types.ts';
import { definitionProblems, substitute, templateDefinition } from './definition.ts';

/**
 * AWS::StepFunctions::StateMachine, created on the embedded Step Functions through its API (like
 * topics on the embedded SNS): DefinitionString (Fn::Join/Fn::Sub already resolved by the engine),
 * Definition, DefinitionS3Location from the assembly's assets, DefinitionSubstitutions. Ref is the
 * ARN; Fn::GetAtt Arn, Name. RoleArn is kept, not enforced; logging and tracing are accepted.
 */
const TYPE = 'AWS::StepFunctions::StateMachine';

/** The custom-resources Provider's waiter: its isComplete polling is not wired to the provisioner. */
const PROVIDER_WAITER = 'framework-isComplete-task';

export const stepFunctionsStateMachine: ResourceHandler = {
  types: [TYPE],
  unsupported(properties) {
    const definition = templateDefinition(properties);
    if (JSON.stringify(definition ?? properties.DefinitionString ?? '').includes(PROVIDER_WAITER))
      return [
        "it is the waiter of CDK's custom-resources Provider with an isComplete handler: the embedded custom resource provisioner does not poll isComplete (Providers with onEvent only are supported)",
      ];
    const type = properties.StateMachineType;
    const problems =
      type !== undefined && typeof type === 'string' && type !== 'STANDARD' && type !== 'EXPRESS'
        ? [`StateMachineType ${type} is not STANDARD or EXPRESS`]
        : [];
    return [...problems, ...(definition ? definitionProblems(definition) : [])];
  },
  async create(ctx, logicalId, properties): Promise<PhysicalResource> {
    const place = `stack ${ctx.stack}, resource ${logicalId} (${TYPE})`;
    const at = { stack: ctx.stack, logicalId };
    const client = ctx.clients.sfn;
    if (!client) throw new Error(`${place}: this cloud has no embedded Step Functions`);
    const name =
      optionalString(properties, 'StateMachineName', at) ??
      physicalName({ seed: ctx.seed, stack: ctx.stack, logicalId, maxLength: 80 });
    const type = optionalString(properties, 'StateMachineType', at) ?? 'STANDARD';
    const roleArn =
      optionalString(properties, 'RoleArn', at) ??
      `arn:${ctx.partition}:iam::${ctx.accountId}:role/embedded-step-functions`;
    const definition = substitute(
      definitionText(ctx.assets, properties, place),
      properties.DefinitionSubstitutions as Record<string, unknown> | undefined,
    );
    if (type === 'EXPRESS')
      ctx.logOnce(
        'sfn-express',
        'Step Functions: EXPRESS state machines run like STANDARD ones here (same history, kept executions)',
      );
    let arn: string;
    try {
      const created = await client.send(
        new CreateStateMachineCommand({ name, definition, roleArn, type: type as 'STANDARD' }),
      );
      arn = created.stateMachineArn ?? '';
    } catch (err) {
      throw new Error(`${place}: ${(err as Error).message}`);
    }
    return { ref: arn, attributes: { Arn: arn, Name: name, StateMachineRevisionId: 'INITIAL' } };
  },
};

function definitionText(
  assets: ReadonlyMap<string, string>,
  properties: Record<string, unknown>,
  place: string,
): string {
  if (typeof properties.DefinitionString === 'string') return properties.DefinitionString;
  if (properties.Definition && typeof properties.Definition === 'object')
    return JSON.stringify(properties.Definition);
  const location = properties.DefinitionS3Location as { Key?: unknown } | undefined;
  if (location && typeof location.Key === 'string') {
    const file = assets.get(location.Key) ?? assets.get(location.Key.replace(/\.[^.]+$/, ''));
    if (!file || !existsSync(file) || !statSync(file).isFile())
      throw new Error(`${place}: DefinitionS3Location ${location.Key} is not a file asset of this assembly`);
    return readFileSync(file, 'utf8');
  }
  throw new Error(`${place}: one of DefinitionString, Definition or DefinitionS3Location is required`);
}
