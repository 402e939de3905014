import type { AssemblyStack } from './assembly.ts';
import { physicalName, shortId } from './naming.ts';
import type { PhysicalResource, ResourceHandler } from './resource-types.ts';

const WHY: Record<string, string> = {
  'AWS::IAM::Role': 'IAM is not enforced',
  'AWS::IAM::Policy': 'IAM is not enforced',
  'AWS::IAM::ManagedPolicy': 'IAM is not enforced',
  'AWS::Lambda::Permission': 'every caller may invoke every function',
  'AWS::S3::BucketPolicy': 'bucket policies are not enforced',
  'AWS::CDK::Metadata': 'CDK analytics only',
  'AWS::Logs::LogGroup': 'function logs are kept in memory by the runner',
  'AWS::SNS::TopicPolicy': 'topic policies are not enforced: every caller may publish and subscribe',
  'AWS::CloudWatch::Alarm': 'accepted, not evaluated: no metrics are kept, alarms never change state',
  'AWS::CloudWatch::Dashboard': 'accepted, not evaluated: no dashboards locally',
  'AWS::ApiGateway::Model':
    'accepted: request bodies are not checked against models (the functions check them)',
  'AWS::ApiGateway::GatewayResponse': "accepted: API Gateway's own error bodies keep their default shape",
};

/**
 * Types the embedded cloud accepts and ignores (said once per type). They still get the Ref and
 * attributes other resources and outputs may read (a managed policy's ARN, a role's Arn).
 */
export const ignored: ResourceHandler = {
  types: Object.keys(WHY),
  resolvesProperties: false,
  async create(ctx, logicalId, _properties, type): Promise<PhysicalResource> {
    ctx.logOnce(`ignored-${type}`, `accepting and ignoring ${type} (${WHY[type]})`);
    const name = physicalName({ seed: ctx.seed, stack: ctx.stack, logicalId, maxLength: 64 });
    const iam = `arn:${ctx.partition}:iam::${ctx.accountId}`;
    switch (type) {
      case 'AWS::IAM::Role':
        return {
          ref: name,
          attributes: { Arn: `${iam}:role/${name}`, RoleId: shortId(ctx.seed, [name], 21).toUpperCase() },
        };
      case 'AWS::IAM::ManagedPolicy':
        return { ref: `${iam}:policy/${name}`, attributes: { PolicyArn: `${iam}:policy/${name}` } };
      case 'AWS::Logs::LogGroup':
        return {
          ref: name,
          attributes: { Arn: `arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:${name}:*` },
        };
      case 'AWS::CloudWatch::Alarm':
        return {
          ref: name,
          attributes: { Arn: `arn:${ctx.partition}:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${name}` },
        };
      default:
        return { ref: name, attributes: {} };
    }
  },
};

/** The accepted-and-ignored resources of an assembly (for `make embedded-up`'s listing), in stack order. */
export function ignoredResources(
  stacks: readonly AssemblyStack[],
): { stack: string; logicalId: string; type: string; why: string }[] {
  return stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources)
      .filter(([, resource]) => WHY[resource.Type] !== undefined)
      .map(([logicalId, resource]) => ({
        stack: stack.name,
        logicalId,
        type: resource.Type,
        why: WHY[resource.Type] as string,
      })),
  );
}
