import { physicalName } from '../cloudformation/naming.ts';
import {
  optionalString,
  type PhysicalResource,
  type ResourceHandler,
} from '../cloudformation/resource-types.ts';

/** AWS::Events::Rule: schedules and their Lambda targets, run on demand by the local cloud. */
export const eventsRule: ResourceHandler = {
  types: ['AWS::Events::Rule'],
  async create(ctx, logicalId, properties): Promise<PhysicalResource> {
    const where = { stack: ctx.stack, logicalId };
    const name =
      optionalString(properties, 'Name', where) ??
      physicalName({ seed: ctx.seed, stack: ctx.stack, logicalId, maxLength: 64 });
    const arn = `arn:${ctx.partition}:events:${ctx.region}:${ctx.accountId}:rule/${name}`;
    const scheduleExpression = optionalString(properties, 'ScheduleExpression', where);
    if (!scheduleExpression) {
      ctx.logOnce(
        'events-pattern',
        'note: EventBridge rules with an event pattern are recorded but never triggered',
      );
    }
    const targets = ((properties.Targets ?? []) as Record<string, unknown>[]).map((target) => ({
      id: String(target.Id),
      arn: String(target.Arn),
      ...(typeof target.Input === 'string' ? { input: target.Input } : {}),
    }));
    for (const target of targets) {
      if (!target.arn.includes(':lambda:')) {
        ctx.logOnce(
          `events-target-${target.arn}`,
          `note: rule ${logicalId} target ${target.arn} is not a function: never invoked`,
        );
      }
    }
    ctx.model.rules.push({
      stack: ctx.stack,
      logicalId,
      name,
      arn,
      ...(scheduleExpression ? { scheduleExpression } : {}),
      enabled: properties.State !== 'DISABLED',
      targets,
    });
    return { ref: name, attributes: { Arn: arn } };
  },
};
