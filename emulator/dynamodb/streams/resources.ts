import { createHash } from 'node:crypto';
import type { CloudModel } from '../../cloudformation/cloud-model.ts';
import type { PhysicalResource, ResourceHandler } from '../../cloudformation/resource-types.ts';
import { parseStreamMapping, type StreamMappingSpec } from './mapping.ts';

// Mappings per cloud model, kept here so the shared model needs no new field.
const mappings = new WeakMap<CloudModel, StreamMappingSpec[]>();

/** The DynamoDB stream mappings the deployed stacks declared. */
export function streamMappingsOf(model: CloudModel): readonly StreamMappingSpec[] {
  return mappings.get(model) ?? [];
}

/**
 * AWS::Lambda::EventSourceMapping on a DynamoDB stream: recorded, then polled by the local cloud
 * once every stack is deployed (streams/poller.ts). Other sources (SQS, Kinesis, Kafka) stop the
 * deployment with a message naming the resource.
 */
export const lambdaEventSourceMapping: ResourceHandler = {
  types: ['AWS::Lambda::EventSourceMapping'],
  async create(ctx, logicalId, properties): Promise<PhysicalResource> {
    // a UUID, as Lambda names mappings, stable for a state folder
    const hex = createHash('sha256').update([ctx.seed, ctx.stack, logicalId].join('\0')).digest('hex');
    const id = [
      hex.slice(0, 8),
      hex.slice(8, 12),
      hex.slice(12, 16),
      hex.slice(16, 20),
      hex.slice(20, 32),
    ].join('-');
    const spec = parseStreamMapping(properties, { stack: ctx.stack, logicalId, id });
    if (!spec)
      throw new Error(
        `stack ${ctx.stack}, resource ${logicalId} (AWS::Lambda::EventSourceMapping): only DynamoDB stream sources are supported by the embedded cloud, got ${String(properties.EventSourceArn)}`,
      );
    const list = mappings.get(ctx.model) ?? [];
    mappings.set(ctx.model, [...list.filter((m) => m.id !== id), spec]);
    return {
      ref: id,
      attributes: {
        Id: id,
        EventSourceMappingArn: `arn:${ctx.partition}:lambda:${ctx.region}:${ctx.accountId}:event-source-mapping:${id}`,
      },
    };
  },
};
