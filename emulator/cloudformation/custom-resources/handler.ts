import { destinationsFrom, setDestinations } from '../../s3/notifications.ts';
import type { LambdaNotification } from '../cloud-model.ts';
import type { DeployContext, PhysicalResource, ResourceHandler } from '../resource-types.ts';
import { serviceTimeoutMs, serviceTokenKind } from './protocol.ts';

/**
 * `AWS::CloudFormation::CustomResource` and every `Custom::*` type: Lambda-backed providers of the
 * assembly, driven by the real protocol (provisioner.ts). Two of CDK's own types are done natively
 * instead (see NATIVE): their providers would call services the embedded cloud does not have.
 */
export const customResource: ResourceHandler = {
  types: ['AWS::CloudFormation::CustomResource'],
  unsupported(properties, type) {
    if (type in NATIVE) return [];
    const problems: string[] = [];
    const token = properties.ServiceToken;
    // a token behind an intrinsic (Fn::GetAtt of a function) is judged when it resolves
    if (token === undefined || typeof token === 'string') {
      const kind = serviceTokenKind(token);
      if (kind !== 'lambda') problems.push(kind.problem);
    }
    if (properties.ServiceTimeout !== undefined && typeof properties.ServiceTimeout !== 'object') {
      try {
        serviceTimeoutMs(properties.ServiceTimeout);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    return problems;
  },
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    const native = NATIVE[type];
    if (native) return native(ctx, logicalId, properties);
    const provisioner = ctx.customResources;
    if (!provisioner)
      throw new Error(
        `stack ${ctx.stack}, resource ${logicalId} (${type}): custom resources need the local cloud`,
      );
    return provisioner.deploy(ctx.stack, logicalId, type, properties);
  },
};

/** Whether a type is a custom resource type (`Custom::` and 1..60 characters of [A-Za-z0-9_@-] after it). */
export function isCustomResourceType(type: string): boolean {
  return /^Custom::[A-Za-z0-9_@-]{1,60}$/.test(type);
}

type NativeHandler = (
  ctx: DeployContext,
  logicalId: string,
  properties: Record<string, unknown>,
) => Promise<PhysicalResource>;

const NATIVE: Record<string, NativeHandler> = {
  /**
   * CDK's log retention (Lambda `logRetention`): its provider calls CloudWatch Logs, which the
   * embedded cloud does not have (function logs are kept in memory by the runner): accepted, no-op.
   */
  async 'Custom::LogRetention'(ctx, _logicalId, properties) {
    ctx.logOnce(
      'custom-log-retention',
      'accepting Custom::LogRetention without running its provider (no CloudWatch Logs: function logs stay in memory)',
    );
    return { ref: String(properties.LogGroupName ?? ''), attributes: {} };
  },
  /**
   * CDK's `bucket.addEventNotification` (inline Python calling PutBucketNotificationConfiguration):
   * the same NotificationConfiguration applied natively to the embedded S3's notification routing.
   */
  async 'Custom::S3BucketNotifications'(ctx, logicalId, properties) {
    const bucket = String(properties.BucketName ?? '');
    const where = `stack ${ctx.stack}, resource ${logicalId} (Custom::S3BucketNotifications)`;
    if (!bucket) throw new Error(`${where}: BucketName is missing`);
    const config = (properties.NotificationConfiguration ?? {}) as Record<string, unknown>;
    if (config.EventBridgeConfiguration)
      ctx.logOnce(
        's3-EventBridgeConfiguration',
        `note: bucket EventBridgeConfiguration is not delivered by the embedded cloud (stack ${ctx.stack})`,
      );
    const added = lambdaConfigurations(config.LambdaFunctionConfigurations, bucket, where);
    // Managed (a bucket of this app): the configuration replaces the bucket's; otherwise it is added
    const managed = String(properties.Managed ?? 'true') !== 'false';
    const kept = managed ? [] : (ctx.model.notifications.get(bucket) ?? []);
    ctx.model.notifications.set(bucket, [...kept, ...added]);
    // queue and topic configurations (SQS, SNS) go to s3/notifications.ts's routing the same way
    setDestinations(ctx.model, bucket, destinationsFrom(config, bucket, 'api', where), managed);
    return { ref: `${bucket}-notifications`, attributes: {} };
  },
};

interface FunctionConfiguration {
  Id?: unknown;
  Events?: unknown;
  LambdaFunctionArn?: unknown;
  Filter?: { Key?: { FilterRules?: { Name?: unknown; Value?: unknown }[] } };
}

function lambdaConfigurations(value: unknown, bucket: string, where: string): LambdaNotification[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: LambdaFunctionConfigurations must be a list`);
  return (value as FunctionConfiguration[]).flatMap((entry, index) => {
    const field = `LambdaFunctionConfigurations[${index}]`;
    if (typeof entry.LambdaFunctionArn !== 'string')
      throw new Error(`${where}: ${field}.LambdaFunctionArn must be a function ARN`);
    if (!Array.isArray(entry.Events) || entry.Events.length === 0)
      throw new Error(`${where}: ${field}.Events must be a non-empty list`);
    const rule = (name: string) => {
      const found = entry.Filter?.Key?.FilterRules?.find((r) => String(r.Name).toLowerCase() === name);
      return found === undefined ? undefined : String(found.Value);
    };
    const prefix = rule('prefix');
    const suffix = rule('suffix');
    return entry.Events.map((event) => ({
      bucket,
      event: String(event),
      functionArn: entry.LambdaFunctionArn as string,
      ...(typeof entry.Id === 'string' ? { id: entry.Id } : {}),
      ...(prefix !== undefined ? { prefix } : {}),
      ...(suffix !== undefined ? { suffix } : {}),
    }));
  });
}
