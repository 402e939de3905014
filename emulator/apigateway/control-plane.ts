import type { IncomingMessage, ServerResponse } from 'node:http';
import { generateApiKeyValue } from './usage-plan-resources.ts';
import type {
  ApiKeyRecord,
  Quota,
  QuotaPeriod,
  Throttle,
  UsagePlanRecord,
  UsagePlans,
} from './usage-plans.ts';

/**
 * The part of API Gateway's control plane (REST-JSON, as the AWS SDK and CLI call it) that API keys
 * and usage plans need, on the same local port as the APIs: GetApiKey(s) (with values),
 * CreateApiKey, DeleteApiKey, GetUsagePlans, CreateUsagePlan, DeleteUsagePlan, CreateUsagePlanKey,
 * DeleteUsagePlanKey. So `aws apigateway get-api-key --api-key <id> --include-value
 * --endpoint-url <api endpoint>` works, and so do functions calling GetApiKey through
 * `AWS_ENDPOINT_URL_API_GATEWAY`. Requests are not signed-checked (IAM is not emulated).
 */
type Json = Record<string, unknown>;

class ControlPlaneError extends Error {
  readonly status: number;
  readonly errorType: string;
  constructor(status: number, errorType: string, message: string) {
    super(message);
    this.status = status;
    this.errorType = errorType;
  }
}

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

function keyJson(key: ApiKeyRecord, includeValue: boolean): Json {
  return {
    id: key.id,
    name: key.name,
    enabled: key.enabled,
    ...(key.description ? { description: key.description } : {}),
    ...(includeValue ? { value: key.value } : {}),
    createdDate: epochSeconds(key.createdDate),
    lastUpdatedDate: epochSeconds(key.createdDate),
    stageKeys: [],
    tags: {},
  };
}

const throttleJson = (t: Throttle) => ({ rateLimit: t.rateLimit, burstLimit: t.burstLimit });

function planJson(plan: UsagePlanRecord): Json {
  return {
    id: plan.id,
    name: plan.name,
    ...(plan.description ? { description: plan.description } : {}),
    apiStages: plan.apiStages.map((s) => ({
      apiId: s.apiId,
      stage: s.stage,
      ...(Object.keys(s.throttle).length
        ? { throttle: Object.fromEntries(Object.entries(s.throttle).map(([m, t]) => [m, throttleJson(t)])) }
        : {}),
    })),
    ...(plan.throttle ? { throttle: throttleJson(plan.throttle) } : {}),
    ...(plan.quota ? { quota: { ...plan.quota } } : {}),
    tags: {},
  };
}

function throttleFrom(raw: unknown, where: string): Throttle | undefined {
  if (raw === undefined || raw === null) return undefined;
  const t = raw as Json;
  const rateLimit = Number(t.rateLimit ?? Number.POSITIVE_INFINITY);
  const burstLimit = Number(t.burstLimit ?? Number.POSITIVE_INFINITY);
  if (Number.isNaN(rateLimit) || rateLimit < 0 || Number.isNaN(burstLimit) || burstLimit < 0)
    throw new ControlPlaneError(
      400,
      'BadRequestException',
      `${where}: rateLimit and burstLimit must be >= 0`,
    );
  return { rateLimit, burstLimit };
}

function quotaFrom(raw: unknown): Quota | undefined {
  if (raw === undefined || raw === null) return undefined;
  const q = raw as Json;
  const limit = Number(q.limit);
  const offset = Number(q.offset ?? 0);
  if (!Number.isInteger(limit) || limit < 0 || !['DAY', 'WEEK', 'MONTH'].includes(String(q.period)))
    throw new ControlPlaneError(
      400,
      'BadRequestException',
      'quota: limit >= 0 and period DAY, WEEK or MONTH required',
    );
  return { limit, period: String(q.period) as QuotaPeriod, offset: Number.isInteger(offset) ? offset : 0 };
}

async function readJson(request: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new ControlPlaneError(400, 'BadRequestException', 'the request body is not JSON');
  }
}

/** A short id like API Gateway's (10 lowercase letters and digits for keys, 6 for plans). */
function newId(length: number, taken: (id: string) => boolean): string {
  for (;;) {
    const id = generateApiKeyValue().toLowerCase().slice(0, length);
    if (!taken(id)) return id;
  }
}

export interface ControlPlaneContext {
  readonly plans: UsagePlans;
  readonly isStage: (apiId: string, stage: string) => boolean;
}

/** Answers a control-plane request; false when the path is not one of them (the caller answers 404). */
export async function handleControlPlane(
  ctx: ControlPlaneContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<boolean> {
  const method = (request.method ?? 'GET').toUpperCase();
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'apikeys' && parts[0] !== 'usageplans') return false;
  const send = (status: number, body?: Json) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    response.end(text);
  };
  try {
    const result = await route(ctx, method, parts, url, request);
    if (!result)
      throw new ControlPlaneError(404, 'NotFoundException', `No operation for ${method} ${url.pathname}`);
    send(result.status, result.body);
  } catch (err) {
    const known = err instanceof ControlPlaneError ? err : undefined;
    const status = known?.status ?? 500;
    response.setHeader('x-amzn-errortype', known?.errorType ?? 'InternalFailure');
    send(status, { message: (err as Error).message });
  }
  return true;
}

async function route(
  ctx: ControlPlaneContext,
  method: string,
  parts: string[],
  url: URL,
  request: IncomingMessage,
): Promise<{ status: number; body?: Json } | undefined> {
  const { plans } = ctx;
  const notFound = (what: string) =>
    new ControlPlaneError(404, 'NotFoundException', `Invalid ${what} identifier specified`);
  const [collection, id, sub, subId] = parts;
  if (collection === 'apikeys') {
    if (!id && method === 'GET') {
      const includeValues = url.searchParams.get('includeValues') === 'true';
      const nameQuery = url.searchParams.get('name');
      const items = [...plans.keys.values()]
        .filter((k) => !nameQuery || k.name.startsWith(nameQuery))
        .map((k) => keyJson(k, includeValues));
      return { status: 200, body: { item: items } };
    }
    if (!id && method === 'POST') {
      const body = await readJson(request);
      const value = body.value === undefined ? generateApiKeyValue() : String(body.value);
      if (value.length < 20)
        throw new ControlPlaneError(
          400,
          'BadRequestException',
          'API Key value should be at least 20 characters',
        );
      const key: ApiKeyRecord = {
        id: newId(10, (k) => plans.keys.has(k)),
        name: String(body.name ?? ''),
        value,
        enabled: body.enabled === true,
        ...(body.description ? { description: String(body.description) } : {}),
        createdDate: new Date(),
      };
      plans.keys.set(key.id, key);
      return { status: 201, body: keyJson(key, true) };
    }
    if (id && !sub && method === 'GET') {
      const key = plans.keys.get(id);
      if (!key) throw notFound('API Key');
      return { status: 200, body: keyJson(key, url.searchParams.get('includeValue') === 'true') };
    }
    if (id && !sub && method === 'DELETE') {
      if (!plans.deleteKey(id)) throw notFound('API Key');
      return { status: 202 };
    }
    return undefined;
  }
  // usageplans
  if (!id && method === 'GET') {
    const keyId = url.searchParams.get('keyId');
    const items = [...plans.plans.values()].filter((p) => !keyId || p.keyIds.has(keyId)).map(planJson);
    return { status: 200, body: { item: items } };
  }
  if (!id && method === 'POST') {
    const body = await readJson(request);
    const apiStages = ((body.apiStages ?? []) as Json[]).map((s, i) => {
      const apiId = String(s.apiId);
      const stage = String(s.stage);
      if (!ctx.isStage(apiId, stage))
        throw new ControlPlaneError(
          400,
          'BadRequestException',
          `Invalid stage identifier specified: ${apiId}/${stage}`,
        );
      const overrides = Object.entries((s.throttle ?? {}) as Json).map(
        ([m, t]) => [m, throttleFrom(t, `apiStages[${i}].throttle["${m}"]`)] as const,
      );
      return {
        apiId,
        stage,
        throttle: Object.fromEntries(overrides.filter(([, t]) => t)) as Record<string, Throttle>,
      };
    });
    const throttle = throttleFrom(body.throttle, 'throttle');
    const quota = quotaFrom(body.quota);
    const plan: UsagePlanRecord = {
      id: newId(6, (p) => plans.plans.has(p)),
      name: String(body.name ?? ''),
      ...(body.description ? { description: String(body.description) } : {}),
      apiStages,
      ...(throttle ? { throttle } : {}),
      ...(quota ? { quota } : {}),
      keyIds: new Set(),
    };
    plans.plans.set(plan.id, plan);
    return { status: 201, body: planJson(plan) };
  }
  const plan = id ? plans.plans.get(id) : undefined;
  if (!plan) throw notFound('Usage Plan');
  if (!sub && method === 'GET') return { status: 200, body: planJson(plan) };
  if (!sub && method === 'DELETE') {
    plans.plans.delete(plan.id);
    return { status: 202 };
  }
  if (sub !== 'keys') return undefined;
  if (!subId && method === 'POST') {
    const body = await readJson(request);
    const key = plans.keys.get(String(body.keyId));
    if (!key || body.keyType !== 'API_KEY') throw notFound('API Key');
    plan.keyIds.add(key.id);
    return { status: 201, body: { id: key.id, type: 'API_KEY', name: key.name, value: key.value } };
  }
  if (!subId && method === 'GET') {
    const items = [...plan.keyIds].flatMap((k) => {
      const key = plans.keys.get(k);
      return key ? [{ id: key.id, type: 'API_KEY', name: key.name, value: key.value }] : [];
    });
    return { status: 200, body: { item: items } };
  }
  if (subId && method === 'DELETE') {
    if (!plan.keyIds.delete(subId)) throw notFound('API Key');
    return { status: 202 };
  }
  return undefined;
}
