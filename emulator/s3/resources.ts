import {
  CreateBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  type LifecycleRule as SdkLifecycleRule,
} from '@aws-sdk/client-s3';
import type { LambdaNotification } from '../cloudformation/cloud-model.ts';
import { physicalName } from '../cloudformation/naming.ts';
import {
  type DeployContext,
  errorName,
  optionalString,
  type PhysicalResource,
  type ResourceHandler,
} from '../cloudformation/resource-types.ts';
import { type LifecycleRule, rulesFromCloudFormation } from './lifecycle.ts';
import { destinationsFrom, setDestinations } from './notifications.ts';

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
    const where2 = `stack ${ctx.stack}, resource ${logicalId}`;
    const versioning = properties.VersioningConfiguration as { Status?: unknown } | undefined;
    if (versioning !== undefined) {
      if (versioning.Status !== 'Enabled' && versioning.Status !== 'Suspended') {
        throw new Error(`${where2}: VersioningConfiguration.Status must be Enabled or Suspended`);
      }
      await ctx.clients.s3.send(
        new PutBucketVersioningCommand({
          Bucket: name,
          VersioningConfiguration: { Status: versioning.Status },
        }),
      );
    }
    if (properties.LifecycleConfiguration !== undefined) {
      const rules = rulesFromCloudFormation(properties.LifecycleConfiguration, where2);
      await ctx.clients.s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: name,
          LifecycleConfiguration: { Rules: rules.map(sdkRule) },
        }),
      );
    }
    // the template's Tags become the bucket's tag set (CDK's auto-delete-objects provider reads its tag)
    if (Array.isArray(properties.Tags) && properties.Tags.length > 0) {
      const tags = properties.Tags as { Key?: unknown; Value?: unknown }[];
      await ctx.clients.s3.send(
        new PutBucketTaggingCommand({
          Bucket: name,
          Tagging: { TagSet: tags.map((tag) => ({ Key: String(tag.Key), Value: String(tag.Value ?? '') })) },
        }),
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
  if (config.EventBridgeConfiguration)
    ctx.logOnce(
      's3-EventBridgeConfiguration',
      `note: bucket EventBridgeConfiguration is not delivered by the embedded cloud (stack ${ctx.stack})`,
    );
  // queues and topics (SQS, SNS): s3/notifications.ts routes them
  setDestinations(
    ctx.model,
    bucket,
    destinationsFrom(config, bucket, 'template', `stack ${ctx.stack}, resource ${logicalId}`),
  );
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

/** A lifecycle rule in the SDK's shape (the embedded S3 reads it back from the XML). */
function sdkRule(rule: LifecycleRule): SdkLifecycleRule {
  const tags = rule.tags.map((t) => ({ Key: t.key, Value: t.value }));
  const sizes = {
    ...(rule.sizeGreaterThan !== undefined ? { ObjectSizeGreaterThan: rule.sizeGreaterThan } : {}),
    ...(rule.sizeLessThan !== undefined ? { ObjectSizeLessThan: rule.sizeLessThan } : {}),
  };
  const conditions = tags.length + (rule.prefix ? 1 : 0) + Object.keys(sizes).length;
  const Filter =
    conditions > 1
      ? {
          And: {
            ...(rule.prefix ? { Prefix: rule.prefix } : {}),
            ...(tags.length ? { Tags: tags } : {}),
            ...sizes,
          },
        }
      : tags[0]
        ? { Tag: tags[0] }
        : { Prefix: rule.prefix, ...sizes };
  const expiration =
    rule.expirationDays !== undefined || rule.expirationDate !== undefined || rule.expiredObjectDeleteMarker
      ? {
          Expiration: {
            ...(rule.expirationDays !== undefined ? { Days: rule.expirationDays } : {}),
            ...(rule.expirationDate !== undefined ? { Date: new Date(rule.expirationDate) } : {}),
            ...(rule.expiredObjectDeleteMarker ? { ExpiredObjectDeleteMarker: true } : {}),
          },
        }
      : {};
  return {
    ...(rule.id !== undefined ? { ID: rule.id } : {}),
    Status: rule.enabled ? 'Enabled' : 'Disabled',
    Filter,
    ...expiration,
    ...(rule.noncurrentDays !== undefined
      ? {
          NoncurrentVersionExpiration: {
            NoncurrentDays: rule.noncurrentDays,
            ...(rule.newerNoncurrentVersions !== undefined
              ? { NewerNoncurrentVersions: rule.newerNoncurrentVersions }
              : {}),
          },
        }
      : {}),
    ...(rule.abortDaysAfterInitiation !== undefined
      ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: rule.abortDaysAfterInitiation } }
      : {}),
  };
}
