import type { CloudModel } from '../cloudformation/cloud-model.ts';

/**
 * API keys, usage plans and throttling as API Gateway applies them to a REST API request, pure apart
 * from the clock the caller passes in. Filled by the CloudFormation handlers (usage-plan-resources.ts)
 * and the control plane (control-plane.ts), read by the API server for every routed request.
 *
 * The order is API Gateway's: a method with ApiKeyRequired needs the `x-api-key` value of an
 * enabled key that belongs to a usage plan of this API stage (403 Forbidden otherwise); then the
 * plan's throttle for that key (a method override in the plan's ApiStages replaces it for that
 * method), the plan's quota for that key, and the stage's method throttling (MethodSettings, for
 * every caller). Counters live in memory: a restart refills buckets and quotas.
 */
export interface Throttle {
  /** Steady requests per second (the bucket's refill rate). */
  readonly rateLimit: number;
  /** The bucket's size: how many requests may arrive at once. */
  readonly burstLimit: number;
}

export type QuotaPeriod = 'DAY' | 'WEEK' | 'MONTH';

export interface Quota {
  readonly limit: number;
  readonly period: QuotaPeriod;
  /** Requests already counted in the first period (AWS's `offset`). */
  readonly offset: number;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly value: string;
  readonly enabled: boolean;
  readonly description?: string;
  readonly createdDate: Date;
}

export interface UsagePlanStage {
  readonly apiId: string;
  readonly stage: string;
  /** Method overrides: `/<resource path>/<HTTP method>` (e.g. `/plot/GET`) -> throttle. */
  readonly throttle: Readonly<Record<string, Throttle>>;
}

export interface UsagePlanRecord {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly apiStages: readonly UsagePlanStage[];
  readonly throttle?: Throttle;
  readonly quota?: Quota;
  readonly keyIds: Set<string>;
}

/** One stage MethodSettings entry: `/*` and `*` match every resource path and method. */
export interface StageThrottle {
  readonly resourcePath: string;
  readonly httpMethod: string;
  readonly throttle: Throttle;
}

export interface AdmissionRequest {
  readonly apiId: string;
  readonly stage: string;
  /** The resource path template (`/plot`, `/items/{id}`). */
  readonly resourcePath: string;
  readonly httpMethod: string;
  readonly apiKeyRequired: boolean;
  /** The `x-api-key` header, if any. */
  readonly apiKey: string | undefined;
  readonly nowMs: number;
}

export type Refusal = 'forbidden' | 'throttled' | 'quota';
export type Admission =
  | { readonly ok: true; readonly apiKeyId?: string }
  | { readonly ok: false; readonly refusal: Refusal };

/** A token bucket: `burstLimit` tokens at start, refilled at `rateLimit` per second. */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;
  private readonly throttle: Throttle;
  constructor(throttle: Throttle, nowMs: number) {
    this.throttle = throttle;
    this.tokens = throttle.burstLimit;
    this.lastMs = nowMs;
  }

  take(nowMs: number): boolean {
    if (this.throttle.rateLimit === Number.POSITIVE_INFINITY) return true; // a burst limit alone does not throttle
    const elapsed = Math.max(0, nowMs - this.lastMs) / 1000;
    this.tokens = Math.min(this.throttle.burstLimit, this.tokens + elapsed * this.throttle.rateLimit);
    this.lastMs = Math.max(this.lastMs, nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Start (UTC ms) of the quota period holding `nowMs`: days at 00:00 UTC, weeks on Monday, months on the 1st. */
export function periodStart(period: QuotaPeriod, nowMs: number): number {
  const now = new Date(nowMs);
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  if (period === 'DAY') return day;
  if (period === 'WEEK') return day - ((now.getUTCDay() + 6) % 7) * 86_400_000;
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
}

export class UsagePlans {
  readonly keys = new Map<string, ApiKeyRecord>();
  readonly plans = new Map<string, UsagePlanRecord>();
  private readonly stageThrottles = new Map<string, readonly StageThrottle[]>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly quotas = new Map<string, { start: number; used: number }>();

  setStageThrottles(apiId: string, stage: string, throttles: readonly StageThrottle[]): void {
    this.stageThrottles.set(`${apiId}/${stage}`, throttles);
  }

  /** Removes a key from the plans it belongs to, then the key. */
  deleteKey(keyId: string): boolean {
    for (const plan of this.plans.values()) plan.keyIds.delete(keyId);
    return this.keys.delete(keyId);
  }

  /** The key whose value this is, when it is enabled and in a plan of the stage, with that plan. */
  private validKey(apiId: string, stage: string, value: string) {
    for (const plan of this.plans.values()) {
      const apiStage = plan.apiStages.find((s) => s.apiId === apiId && s.stage === stage);
      if (!apiStage) continue;
      for (const keyId of plan.keyIds) {
        const key = this.keys.get(keyId);
        if (key?.enabled && key.value === value) return { key, plan, apiStage };
      }
    }
    return undefined;
  }

  private bucket(id: string, throttle: Throttle, nowMs: number): TokenBucket {
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = new TokenBucket(throttle, nowMs);
      this.buckets.set(id, bucket);
    }
    return bucket;
  }

  private withinQuota(id: string, quota: Quota, nowMs: number): boolean {
    const start = periodStart(quota.period, nowMs);
    let use = this.quotas.get(id);
    if (!use) use = { start, used: quota.offset };
    else if (use.start !== start) use = { start, used: 0 };
    this.quotas.set(id, use);
    if (use.used >= quota.limit) return false;
    use.used++;
    return true;
  }

  private stageThrottle(r: AdmissionRequest): StageThrottle | undefined {
    const settings = this.stageThrottles.get(`${r.apiId}/${r.stage}`) ?? [];
    const method = r.httpMethod.toUpperCase();
    const matches = (path: string, verb: string) =>
      settings.findLast((s) => s.resourcePath === path && s.httpMethod.toUpperCase() === verb);
    return (
      matches(r.resourcePath, method) ??
      matches(r.resourcePath, '*') ??
      matches('/*', method) ??
      matches('/*', '*')
    );
  }

  /** Whether API Gateway lets this request through to the integration, or why not. */
  admit(r: AdmissionRequest): Admission {
    let apiKeyId: string | undefined;
    if (r.apiKeyRequired) {
      const found = r.apiKey ? this.validKey(r.apiId, r.stage, r.apiKey) : undefined;
      if (!found) return { ok: false, refusal: 'forbidden' };
      apiKeyId = found.key.id;
      const client = `${found.plan.id}/${found.key.id}`;
      const methodKey = `${r.resourcePath}/${r.httpMethod.toUpperCase()}`;
      const override = found.apiStage.throttle[methodKey];
      const throttle = override ?? found.plan.throttle;
      if (throttle) {
        const id = override ? `plan ${client} ${methodKey}` : `plan ${client}`;
        if (!this.bucket(id, throttle, r.nowMs).take(r.nowMs)) return { ok: false, refusal: 'throttled' };
      }
      if (found.plan.quota && !this.withinQuota(client, found.plan.quota, r.nowMs))
        return { ok: false, refusal: 'quota' };
    }
    const stage = this.stageThrottle(r);
    if (stage) {
      const id = `stage ${r.apiId}/${r.stage} ${r.resourcePath} ${r.httpMethod.toUpperCase()}`;
      if (!this.bucket(id, stage.throttle, r.nowMs).take(r.nowMs)) return { ok: false, refusal: 'throttled' };
    }
    return apiKeyId ? { ok: true, apiKeyId } : { ok: true };
  }
}

const states = new WeakMap<CloudModel, UsagePlans>();

/** The API keys and usage plans of a cloud (kept beside its model, so the engine knows no service). */
export function apiGatewayState(model: CloudModel): UsagePlans {
  let state = states.get(model);
  if (!state) {
    state = new UsagePlans();
    states.set(model, state);
  }
  return state;
}
