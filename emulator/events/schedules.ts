import { randomUUID } from 'node:crypto';
import type { LambdaFunctionSpec, ScheduleRule } from '../cloudformation/cloud-model.ts';

/** The event EventBridge hands a scheduled rule's Lambda target (unless the target sets Input). */
export function scheduledEvent(
  rule: ScheduleRule,
  region: string,
  accountId: string,
  now = new Date(),
): unknown {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: accountId,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [rule.arn],
    detail: {},
  };
}

/** The period of a `rate(...)` expression in milliseconds; undefined for cron() and anything else. */
export function ratePeriodMs(expression: string | undefined): number | undefined {
  const match = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression ?? '');
  if (!match) return undefined;
  const unit = (match[2] as string).replace(/s$/, '');
  const unitMs = unit === 'minute' ? 60_000 : unit === 'hour' ? 3_600_000 : 86_400_000;
  return Number(match[1]) * unitMs;
}

export interface ScheduleRunner {
  /** Queues an async invocation; settles after its last attempt. */
  enqueue(spec: LambdaFunctionSpec, event: unknown): Promise<{ ok: boolean; error?: string }>;
  find(key: string): LambdaFunctionSpec;
  readonly region: string;
  readonly accountId: string;
}

/** Invokes a rule's Lambda targets as EventBridge does (async, retried); fails naming what failed. */
export async function runScheduleRule(rule: ScheduleRule, runner: ScheduleRunner): Promise<void> {
  const results = await Promise.all(
    rule.targets
      .filter((target) => target.arn.includes(':lambda:'))
      .map((target) =>
        runner.enqueue(
          runner.find(target.arn),
          target.input ? JSON.parse(target.input) : scheduledEvent(rule, runner.region, runner.accountId),
        ),
      ),
  );
  const failed = results.filter((result) => !result.ok);
  if (failed.length > 0)
    throw new Error(`schedule ${rule.logicalId}: ${failed.map((f) => f.error).join('; ')}`);
}
