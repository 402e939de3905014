import { createHash, randomBytes } from 'node:crypto';
import { shortId } from '../cloudformation/naming.ts';
import type { DeployContext, PhysicalResource, ResourceHandler } from '../cloudformation/resource-types.ts';
import {
  apiGatewayState,
  type Quota,
  type QuotaPeriod,
  type StageThrottle,
  type Throttle,
  type UsagePlanStage,
} from './usage-plans.ts';

/**
 * AWS::ApiGateway::ApiKey, ::UsagePlan and ::UsagePlanKey, into the cloud's usage plans
 * (usage-plans.ts). A key without a Value gets a generated one like AWS's (40 letters and digits),
 * derived from the state folder's seed so that it survives a restart.
 */
type Props = Record<string, unknown>;

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 40 letters and digits: from `seedParts` when given (stable), random otherwise. */
export function generateApiKeyValue(seedParts?: readonly string[]): string {
  const bytes = seedParts
    ? Buffer.concat(
        [0, 1].map((round) =>
          createHash('sha256')
            .update([...seedParts, round].join('\0'))
            .digest(),
        ),
      )
    : randomBytes(64);
  let out = '';
  for (const byte of bytes) {
    if (byte >= 248) continue; // 248 = 62 * 4: keeps the letters uniform
    out += ALPHANUMERIC[byte % 62];
    if (out.length === 40) return out;
  }
  return generateApiKeyValue(seedParts && [...seedParts, 'more']);
}

function fail(ctx: DeployContext, logicalId: string, type: string, message: string): never {
  throw new Error(`stack ${ctx.stack}, resource ${logicalId} (${type}): ${message}`);
}

const bool = (value: unknown, fallback: boolean) =>
  value === undefined ? fallback : value === true || value === 'true';

/** A Throttle / MethodSetting as numbers, failing with the field named when it is not one. */
function throttleOf(raw: Props, rateField: string, burstField: string, where: string): Throttle {
  const rate = Number(raw[rateField] ?? Number.POSITIVE_INFINITY);
  const burst = Number(raw[burstField] ?? Number.POSITIVE_INFINITY);
  if (Number.isNaN(rate) || rate < 0) throw new Error(`${where}.${rateField} must be a number >= 0`);
  if (Number.isNaN(burst) || burst < 0) throw new Error(`${where}.${burstField} must be an integer >= 0`);
  return { rateLimit: rate, burstLimit: burst };
}

/**
 * A stage's MethodSettings with a throttle, as the usage plans read them. CloudFormation writes
 * resource paths with `/` as `~1` (`/~1plot`); `/*` and `*` match everything.
 */
export function stageThrottles(methodSettings: unknown): StageThrottle[] {
  return ((methodSettings ?? []) as Props[])
    .filter((s) => s.ThrottlingRateLimit !== undefined || s.ThrottlingBurstLimit !== undefined)
    .map((s) => {
      const raw = String(s.ResourcePath ?? '/*');
      const resourcePath =
        raw === '/*' ? raw : `/${raw.replace(/^\//, '').replaceAll('~1', '/')}`.replace(/^\/\//, '/');
      return {
        resourcePath,
        httpMethod: String(s.HttpMethod ?? '*'),
        throttle: throttleOf(s, 'ThrottlingRateLimit', 'ThrottlingBurstLimit', 'MethodSettings'),
      };
    });
}

export const apiKey: ResourceHandler = {
  types: ['AWS::ApiGateway::ApiKey'],
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    // StageKeys (CDK's RestApi.addApiKey writes them) are kept by AWS but grant nothing alone: a key
    // opens a stage only through a usage plan of that stage, as here
    const id = shortId(ctx.seed, [ctx.stack, logicalId], 10);
    const value =
      properties.Value === undefined
        ? generateApiKeyValue([ctx.seed, ctx.stack, logicalId])
        : String(properties.Value);
    if (value.length < 20)
      fail(ctx, logicalId, type, 'Value must be at least 20 characters (as API Gateway requires)');
    apiGatewayState(ctx.model).keys.set(id, {
      id,
      name: String(properties.Name ?? `${ctx.stack}-${logicalId}`),
      value,
      enabled: bool(properties.Enabled, true),
      ...(properties.Description ? { description: String(properties.Description) } : {}),
      createdDate: new Date(),
    });
    return { ref: id, attributes: { APIKeyId: id } };
  },
};

function quotaOf(raw: Props | undefined, where: string): Quota | undefined {
  if (!raw) return undefined;
  const limit = Number(raw.Limit);
  const period = String(raw.Period ?? '');
  const offset = Number(raw.Offset ?? 0);
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`${where}.Limit must be an integer >= 0`);
  if (!['DAY', 'WEEK', 'MONTH'].includes(period))
    throw new Error(`${where}.Period must be DAY, WEEK or MONTH`);
  if (!Number.isInteger(offset) || offset < 0) throw new Error(`${where}.Offset must be an integer >= 0`);
  return { limit, period: period as QuotaPeriod, offset };
}

function apiStagesOf(raw: unknown, where: string): UsagePlanStage[] {
  return ((raw ?? []) as Props[]).map((s, i) => ({
    apiId: String(s.ApiId),
    stage: String(s.Stage),
    throttle: Object.fromEntries(
      Object.entries((s.Throttle ?? {}) as Record<string, Props>).map(([method, t]) => [
        method,
        throttleOf(t, 'RateLimit', 'BurstLimit', `${where}.ApiStages[${i}].Throttle["${method}"]`),
      ]),
    ),
  }));
}

export const usagePlan: ResourceHandler = {
  types: ['AWS::ApiGateway::UsagePlan'],
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    const id = shortId(ctx.seed, [ctx.stack, logicalId], 6);
    const state = apiGatewayState(ctx.model);
    try {
      const apiStages = apiStagesOf(properties.ApiStages, 'ApiStages');
      for (const s of apiStages) {
        const api = ctx.model.restApis.get(s.apiId);
        if (!api?.stages.has(s.stage))
          throw new Error(`ApiStages: no stage ${s.stage} of REST API ${s.apiId} in this cloud`);
      }
      const throttle = properties.Throttle as Props | undefined;
      const quota = quotaOf(properties.Quota as Props | undefined, 'Quota');
      state.plans.set(id, {
        id,
        name: String(properties.UsagePlanName ?? `${ctx.stack}-${logicalId}`),
        ...(properties.Description ? { description: String(properties.Description) } : {}),
        apiStages,
        ...(throttle ? { throttle: throttleOf(throttle, 'RateLimit', 'BurstLimit', 'Throttle') } : {}),
        ...(quota ? { quota } : {}),
        keyIds: state.plans.get(id)?.keyIds ?? new Set(),
      });
    } catch (err) {
      fail(ctx, logicalId, type, (err as Error).message);
    }
    return { ref: id, attributes: { Id: id } };
  },
};

export const usagePlanKey: ResourceHandler = {
  types: ['AWS::ApiGateway::UsagePlanKey'],
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    const state = apiGatewayState(ctx.model);
    if (properties.KeyType !== 'API_KEY') fail(ctx, logicalId, type, 'KeyType must be API_KEY');
    const keyId = String(properties.KeyId);
    const plan = state.plans.get(String(properties.UsagePlanId));
    if (!plan)
      fail(
        ctx,
        logicalId,
        type,
        `UsagePlanId ${String(properties.UsagePlanId)} is not a usage plan of this cloud`,
      );
    if (!state.keys.has(keyId)) fail(ctx, logicalId, type, `KeyId ${keyId} is not an API key of this cloud`);
    plan.keyIds.add(keyId);
    return { ref: keyId, attributes: { Id: keyId } };
  },
};

export const usagePlanHandlers: readonly ResourceHandler[] = [apiKey, usagePlan, usagePlanKey];
