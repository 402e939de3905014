import { createHash } from 'node:crypto';
import type { CloudModel } from '../cloudformation/cloud-model.ts';
import { physicalName } from '../cloudformation/naming.ts';
import {
  type DeployContext,
  optionalString,
  type PhysicalResource,
  type ResourceHandler,
} from '../cloudformation/resource-types.ts';
import { tableOfStreamArn } from '../dynamodb/streams/mapping.ts';
import { lambdaEventSourceMapping as streamEventSourceMapping } from '../dynamodb/streams/resources.ts';
import { SqsError } from './errors.ts';
import { isSqsArn, parseSqsMapping, type SqsMappingSpec } from './mapping.ts';
import type { SqsService } from './service.ts';

/**
 * AWS::SQS::Queue (on the embedded SQS, directly: no HTTP), AWS::SQS::QueuePolicy and
 * QueueInlinePolicy (accepted, not enforced: IAM is not emulated), and AWS::Lambda::EventSourceMapping,
 * whose SQS mappings are recorded here (polled by event-source.ts once the stacks are deployed) and
 * whose other sources go to the DynamoDB stream handler.
 */
const services = new WeakMap<CloudModel, SqsService>();
const mappings = new WeakMap<CloudModel, SqsMappingSpec[]>();

/** Makes the embedded SQS the one this cloud's queues are created on (before deploying). */
export function attachSqs(model: CloudModel, service: SqsService): void {
  services.set(model, service);
}

export function sqsMappingsOf(model: CloudModel): readonly SqsMappingSpec[] {
  return mappings.get(model) ?? [];
}

function sqs(ctx: DeployContext, place: string): SqsService {
  const service = services.get(ctx.model);
  if (!service) throw new Error(`${place}: this cloud has no embedded SQS`);
  return service;
}

/** CloudFormation gives numbers, booleans and JSON objects (RedrivePolicy); SQS attributes are strings. */
function attributeText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

const QUEUE_PROPERTIES = [
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'DelaySeconds',
  'FifoThroughputLimit',
  'KmsDataKeyReusePeriodSeconds',
  'KmsMasterKeyId',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'RedriveAllowPolicy',
  'RedrivePolicy',
  'SqsManagedSseEnabled',
  'VisibilityTimeout',
];

export const sqsQueue: ResourceHandler = {
  types: ['AWS::SQS::Queue'],
  async create(ctx, logicalId, properties): Promise<PhysicalResource> {
    const place = `stack ${ctx.stack}, resource ${logicalId} (AWS::SQS::Queue)`;
    const service = sqs(ctx, place);
    const fifo = properties.FifoQueue === true || properties.FifoQueue === 'true';
    const name =
      optionalString(properties, 'QueueName', { stack: ctx.stack, logicalId }) ??
      `${physicalName({ seed: ctx.seed, stack: ctx.stack, logicalId, maxLength: fifo ? 75 : 80 })}${fifo ? '.fifo' : ''}`;
    const attributes: Record<string, string> = {};
    for (const key of QUEUE_PROPERTIES)
      if (properties[key] !== undefined) attributes[key] = attributeText(properties[key]);
    const tags = Object.fromEntries(
      ((properties.Tags ?? []) as { Key?: unknown; Value?: unknown }[]).map((tag) => [
        String(tag.Key),
        String(tag.Value ?? ''),
      ]),
    );
    try {
      const existing = service.queueByName(name);
      // a restart on the same state folder finds its queue: the template's attributes are applied again
      if (existing) {
        if (existing.fifo !== fifo)
          throw new Error(`queue ${name} exists as a ${existing.fifo ? 'FIFO' : 'standard'} queue`);
        service.setQueueAttributes(existing, attributes);
        service.tagQueue(existing, tags);
      } else service.createQueue(name, { ...attributes, ...(fifo ? { FifoQueue: 'true' } : {}) }, tags);
    } catch (err) {
      const reason = err instanceof SqsError ? `${err.errorName}: ${err.message}` : (err as Error).message;
      throw new Error(`${place}: CreateQueue ${name} failed: ${reason}`);
    }
    const url = service.queueUrl(name);
    return { ref: url, attributes: { Arn: service.queueArn(name), QueueName: name, QueueUrl: url } };
  },
};

export const sqsQueuePolicy: ResourceHandler = {
  types: ['AWS::SQS::QueuePolicy', 'AWS::SQS::QueueInlinePolicy'],
  async create(ctx, logicalId, _properties, type): Promise<PhysicalResource> {
    ctx.logOnce('sqs-queue-policy', `accepting ${type} without enforcing it (IAM is not emulated)`);
    return { ref: `${ctx.stack}-${logicalId}`, attributes: {} };
  },
};

/** Lambda's mapping id: a UUID, stable for a state folder (the DynamoDB handler derives it the same way). */
function mappingId(ctx: DeployContext, logicalId: string): string {
  const hex = createHash('sha256').update([ctx.seed, ctx.stack, logicalId].join('\0')).digest('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join(
    '-',
  );
}

export const eventSourceMapping: ResourceHandler = {
  types: ['AWS::Lambda::EventSourceMapping'],
  /** What no mapping here can do, named before anything starts (sources behind an intrinsic are judged at deploy). */
  unsupported(properties) {
    const problems: string[] = [];
    const source = properties.EventSourceArn;
    if (typeof source === 'string' && !isSqsArn(source) && !tableOfStreamArn(source))
      problems.push(`event source ${source} is not supported (SQS queues and DynamoDB streams are)`);
    for (const key of [
      'SelfManagedEventSource',
      'AmazonManagedKafkaEventSourceConfig',
      'SelfManagedKafkaEventSourceConfig',
    ])
      if (properties[key] !== undefined) problems.push(`${key}: Kafka sources are not supported`);
    if (properties.FilterCriteria !== undefined)
      problems.push('FilterCriteria (event filtering) is not supported by the embedded cloud');
    return problems;
  },
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    if (!isSqsArn(properties.EventSourceArn))
      return streamEventSourceMapping.create(ctx, logicalId, properties, type);
    const place = `stack ${ctx.stack}, resource ${logicalId} (AWS::Lambda::EventSourceMapping)`;
    const id = mappingId(ctx, logicalId);
    const spec = parseSqsMapping(properties, { stack: ctx.stack, logicalId, id });
    const service = sqs(ctx, place);
    const queue = service.queueOfArn(spec.queueArn);
    if (!queue) throw new Error(`${place}: EventSourceArn ${spec.queueArn} is not a queue of this cloud`);
    const fn = ctx.model.findFunction(spec.functionName);
    if (!fn) throw new Error(`${place}: FunctionName ${spec.functionName} is not a function of this cloud`);
    // Lambda refuses the mapping when a batch could come back while the function still runs
    const visibility = Number(service.queueAttributes(queue, ['VisibilityTimeout']).VisibilityTimeout);
    if (visibility < fn.timeoutSeconds)
      throw new Error(
        `${place}: Queue visibility timeout: ${visibility} seconds is less than Function timeout: ${fn.timeoutSeconds} seconds`,
      );
    mappings.set(ctx.model, [...(mappings.get(ctx.model) ?? []).filter((m) => m.id !== id), spec]);
    return {
      ref: id,
      attributes: {
        Id: id,
        EventSourceMappingArn: `arn:${ctx.partition}:lambda:${ctx.region}:${ctx.accountId}:event-source-mapping:${id}`,
      },
    };
  },
};

export const sqsHandlers: readonly ResourceHandler[] = [sqsQueue, sqsQueuePolicy, eventSourceMapping];
