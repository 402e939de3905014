import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { LambdaNotification } from '../cloudformation/cloud-model.ts';
import { physicalName } from '../cloudformation/naming.ts';
import {
  type DeployContext,
  errorName,
  optionalString,
  type PhysicalResource,
  type ResourceHandler,
} from '../cloudformation/resource-types.ts';

interface LambdaConfiguration {
  Event?: unknown;
  Function?: unknown;
  Id?: unknown;
  Filter?: { S3Key?: { Rules?: { Name?: unknown; Value?: unknown }[] } };
}

/** AWS::S3::Bucket: a bucket on the embedded S3, plus its native Lambda notifications for the router. */
export const s3Bucket: ResourceHandler = {
  types: ['AWS::S3::Bucket'],
  async create(ctx, logicalId, properties): Promise<PhysicalResource> {
    const where = { stack: ctx.stack, logicalId };
    const name =
      optionalString(properties, 'BucketName', where) ??
      physicalName({ seed: ctx.seed, stack: ctx.stack, logicalId, maxLength: 63, lowercase: true });
    try {
      await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: name }));
    } catch (err) {
      // a restart on the same state directory finds its buckets again
      if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(errorName(err))) {
        throw new Error(
          `stack ${ctx.stack}, resource ${logicalId}: CreateBucket ${name} failed: ${(err as Error).message}`,
        );
      }
    }
    ctx.model.notifications.set(name, lambdaNotifications(ctx, logicalId, name, properties));
    if (properties.LifecycleConfiguration) {
      ctx.logOnce(
        's3-lifecycle',
        'note: S3 lifecycle rules are recorded but not run by the embedded S3 (no expirations)',
      );
    }
    return {
      ref: name,
      attributes: {
        Arn: `arn:${ctx.partition}:s3:::${name}`,
        DomainName: `${name}.s3.amazonaws.com`,
        RegionalDomainName: `${name}.s3.${ctx.region}.amazonaws.com`,
        DualStackDomainName: `${name}.s3.dualstack.${ctx.region}.amazonaws.com`,
        WebsiteURL: `http://${name}.s3-website-${ctx.region}.amazonaws.com`,
      },
    };
  },
};

function lambdaNotifications(
  ctx: DeployContext,
  logicalId: string,
  bucket: string,
  properties: Record<string, unknown>,
): LambdaNotification[] {
  const config = (properties.NotificationConfiguration ?? {}) as Record<string, unknown>;
  for (const other of ['QueueConfigurations', 'TopicConfigurations', 'EventBridgeConfiguration']) {
    if (config[other]) {
      ctx.logOnce(
        `s3-${other}`,
        `note: bucket ${other} are not delivered by the embedded cloud (stack ${ctx.stack})`,
      );
    }
  }
  const fail = (message: string): never => {
    throw new Error(`stack ${ctx.stack}, resource ${logicalId}: NotificationConfiguration ${message}`);
  };
  const configurations = (config.LambdaConfigurations ?? []) as LambdaConfiguration[];
  return configurations.map((entry) => {
    if (typeof entry.Event !== 'string') return fail('has a LambdaConfiguration without an Event');
    if (typeof entry.Function !== 'string') return fail('has a LambdaConfiguration without a Function ARN');
    const rule = (name: string) => {
      const found = entry.Filter?.S3Key?.Rules?.find((r) => String(r.Name).toLowerCase() === name);
      return found === undefined ? undefined : String(found.Value);
    };
    return {
      bucket,
      event: entry.Event,
      functionArn: entry.Function,
      ...(typeof entry.Id === 'string' ? { id: entry.Id } : {}),
      ...(rule('prefix') !== undefined ? { prefix: rule('prefix') } : {}),
      ...(rule('suffix') !== undefined ? { suffix: rule('suffix') } : {}),
    };
  });
}
