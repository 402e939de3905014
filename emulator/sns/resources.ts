import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { physicalName } from '../cloudformation/naming.ts';
import {
  type DeployContext,
  optionalString,
  type PhysicalResource,
  type ResourceHandler,
} from '../cloudformation/resource-types.ts';
import { SUPPORTED_PROTOCOLS } from './validation.ts';

/**
 * AWS::SNS::Topic and AWS::SNS::Subscription, created on the embedded SNS through its API (like
 * buckets on the embedded S3). AWS::SNS::TopicPolicy is accepted and not enforced (cloudformation/ignored.ts).
 */
const where = (ctx: DeployContext, logicalId: string, type: string) =>
  `stack ${ctx.stack}, resource ${logicalId} (${type})`;

/** CloudFormation gives booleans and JSON objects; SNS attributes are strings. */
function attributeText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function checkProtocol(protocol: string, place: string): void {
  if (!(SUPPORTED_PROTOCOLS as readonly string[]).includes(protocol))
    throw new Error(
      `${place}: protocol ${protocol} is not supported by the embedded SNS (supported: ${SUPPORTED_PROTOCOLS.join(', ')})`,
    );
}

async function subscribe(
  ctx: DeployContext,
  place: string,
  request: { TopicArn: string; Protocol: string; Endpoint: string; Attributes?: Record<string, string> },
): Promise<string> {
  checkProtocol(request.Protocol, place);
  try {
    const { SubscriptionArn } = await sns(ctx, place).send(
      new SubscribeCommand({ ...request, ReturnSubscriptionArn: true }),
    );
    return SubscriptionArn ?? '';
  } catch (err) {
    throw new Error(`${place}: Subscribe failed: ${(err as Error).message}`);
  }
}

function sns(ctx: DeployContext, place: string) {
  const client = ctx.clients.sns;
  if (!client) throw new Error(`${place}: this cloud has no embedded SNS`);
  return client;
}

export const snsTopic: ResourceHandler = {
  types: ['AWS::SNS::Topic'],
  async create(ctx, logicalId, properties): Promise<PhysicalResource> {
    const place = where(ctx, logicalId, 'AWS::SNS::Topic');
    const fifo = properties.FifoTopic === true || properties.FifoTopic === 'true';
    const name =
      optionalString(properties, 'TopicName', { stack: ctx.stack, logicalId }) ??
      `${physicalName({ seed: ctx.seed, stack: ctx.stack, logicalId, maxLength: fifo ? 251 : 256 })}${fifo ? '.fifo' : ''}`;
    const attributes: Record<string, string> = {};
    for (const key of [
      'DisplayName',
      'KmsMasterKeyId',
      'SignatureVersion',
      'TracingConfig',
      'ArchivePolicy',
      'FifoThroughputScope',
      'DataProtectionPolicy',
    ]) {
      if (properties[key] !== undefined) attributes[key] = attributeText(properties[key]);
    }
    if (fifo) attributes.FifoTopic = 'true';
    if (properties.ContentBasedDeduplication !== undefined)
      attributes.ContentBasedDeduplication = attributeText(properties.ContentBasedDeduplication);
    const tags = ((properties.Tags ?? []) as { Key?: unknown; Value?: unknown }[]).map((tag) => ({
      Key: String(tag.Key),
      Value: String(tag.Value),
    }));
    let arn: string;
    try {
      const created = await sns(ctx, place).send(
        new CreateTopicCommand({
          Name: name,
          Attributes: attributes,
          ...(tags.length ? { Tags: tags } : {}),
        }),
      );
      arn = created.TopicArn ?? '';
    } catch (err) {
      throw new Error(`${place}: CreateTopic ${name} failed: ${(err as Error).message}`);
    }
    // the inline Subscription list of the topic
    for (const inline of (properties.Subscription ?? []) as { Endpoint?: unknown; Protocol?: unknown }[]) {
      await subscribe(ctx, place, {
        TopicArn: arn,
        Protocol: String(inline.Protocol),
        Endpoint: String(inline.Endpoint),
      });
    }
    return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
  },
};

export const snsSubscription: ResourceHandler = {
  types: ['AWS::SNS::Subscription'],
  async create(ctx, logicalId, properties): Promise<PhysicalResource> {
    const place = where(ctx, logicalId, 'AWS::SNS::Subscription');
    const at = { stack: ctx.stack, logicalId };
    const topicArn = optionalString(properties, 'TopicArn', at);
    const protocol = optionalString(properties, 'Protocol', at);
    const endpoint = optionalString(properties, 'Endpoint', at);
    if (!topicArn || !protocol || !endpoint)
      throw new Error(`${place}: TopicArn, Protocol and Endpoint are required`);
    const region = optionalString(properties, 'Region', at);
    if (region && region !== ctx.region)
      throw new Error(`${place}: Region ${region}: the embedded cloud has one region (${ctx.region})`);
    const attributes: Record<string, string> = {};
    for (const key of [
      'FilterPolicy',
      'FilterPolicyScope',
      'RawMessageDelivery',
      'DeliveryPolicy',
      'RedrivePolicy',
      'SubscriptionRoleArn',
      'ReplayPolicy',
    ]) {
      if (properties[key] !== undefined) attributes[key] = attributeText(properties[key]);
    }
    const arn = await subscribe(ctx, place, {
      TopicArn: topicArn,
      Protocol: protocol,
      Endpoint: endpoint,
      Attributes: attributes,
    });
    return { ref: arn, attributes: { Arn: arn } };
  },
};

export const snsHandlers: readonly ResourceHandler[] = [snsTopic, snsSubscription];
