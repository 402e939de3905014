import type { ApiMethod, RestApiModel } from '../cloudformation/cloud-model.ts';
import { schemaProblem } from './json-schema.ts';

/**
 * API Gateway REST routing rules, pure: full resource paths, matching a request to a method
 * (literal segments before `{param}` before `{proxy+}`, an exact method before ANY), the request
 * validator's required parameters, and the binary media type rules.
 */
export interface RouteMatch {
  readonly method: ApiMethod;
  /** The resource path template, e.g. `/plot` or `/items/{id}`. */
  readonly resourcePath: string;
  readonly pathParameters: Readonly<Record<string, string>>;
}

/** The full path of a resource (`/` for the root), following ParentId up to the root. */
export function resourcePath(api: RestApiModel, resourceId: string): string {
  const parts: string[] = [];
  let current = resourceId;
  for (let depth = 0; current !== api.rootResourceId; depth++) {
    const resource = api.resources.get(current);
    if (!resource || depth > 100) return `/<unknown resource ${resourceId}>`;
    parts.unshift(resource.pathPart);
    current = resource.parentId;
  }
  return `/${parts.join('/')}`;
}

function matchSegments(
  template: string[],
  actual: string[],
): { ranks: number[]; params: Record<string, string> } | null {
  const ranks: number[] = [];
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const part = template[i] as string;
    const greedy = /^\{(.+)\+\}$/.exec(part);
    if (greedy) {
      if (i !== template.length - 1 || actual.length <= i) return null;
      params[greedy[1] as string] = actual.slice(i).join('/');
      ranks.push(2);
      return { ranks, params };
    }
    const value = actual[i];
    if (value === undefined) return null;
    const param = /^\{(.+)\}$/.exec(part);
    if (param) {
      params[param[1] as string] = value;
      ranks.push(1);
    } else if (part === value) ranks.push(0);
    else return null;
  }
  return template.length === actual.length ? { ranks, params } : null;
}

const compareRanks = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return b.length - a.length;
};

/** The method serving `httpMethod path` (path without the stage, e.g. `/plot`), if any. */
export function matchRoute(api: RestApiModel, httpMethod: string, path: string): RouteMatch | undefined {
  const actual = path.split('/').filter(Boolean).map(safeDecode);
  let best: { match: RouteMatch; ranks: number[]; any: boolean } | undefined;
  for (const method of api.methods) {
    if (method.httpMethod !== 'ANY' && method.httpMethod !== httpMethod.toUpperCase()) continue;
    const template = resourcePath(api, method.resourceId);
    const matched = matchSegments(template.split('/').filter(Boolean), actual);
    if (!matched) continue;
    const candidate = {
      match: { method, resourcePath: template, pathParameters: matched.params },
      ranks: matched.ranks,
      any: method.httpMethod === 'ANY',
    };
    const order = best ? compareRanks(candidate.ranks, best.ranks) : -1;
    if (order < 0 || (order === 0 && best?.any && !candidate.any)) best = candidate;
  }
  return best?.match;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Required parameters missing from a request, when the method's validator checks parameters. */
export function missingParameters(
  api: RestApiModel,
  method: ApiMethod,
  request: { readonly query: URLSearchParams; readonly headers: Readonly<Record<string, unknown>> },
): string[] {
  const validator = method.validatorId ? api.validators.get(method.validatorId) : undefined;
  if (!validator?.parameters) return [];
  return method.requiredParameters
    .filter(({ location, name }) => {
      if (location === 'querystring') return !request.query.has(name);
      if (location === 'header') return request.headers[name.toLowerCase()] === undefined;
      return false; // path parameters are guaranteed by routing
    })
    .map(({ name }) => name);
}

function mediaTypeMatches(pattern: string, actual: string): boolean {
  const [pType, pSub] = pattern.toLowerCase().split('/');
  const [aType, aSub] = actual.toLowerCase().split('/');
  return (pType === '*' || pType === aType) && (pSub === '*' || pSub === aSub);
}

/** Whether a base64 proxy response goes out as bytes: the first Accept type matches a binary media type. */
export function acceptsBinary(binaryMediaTypes: readonly string[], accept: string | undefined): boolean {
  if (binaryMediaTypes.includes('*/*')) return true;
  const first = accept?.split(',')[0]?.split(';')[0]?.trim();
  return first ? binaryMediaTypes.some((type) => mediaTypeMatches(type, first)) : false;
}

/** Whether a request body is handed to the function base64-encoded (its Content-Type is binary). */
export function isBinaryBody(binaryMediaTypes: readonly string[], contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim();
  return type ? binaryMediaTypes.some((pattern) => mediaTypeMatches(pattern, type)) : false;
}

/** Why a body fails the method's model when its validator checks bodies (undefined: it passes). */
export function bodyProblem(
  api: RestApiModel,
  method: ApiMethod,
  contentType: string | undefined,
  body: Buffer,
): string | undefined {
  const validator = method.validatorId ? api.validators.get(method.validatorId) : undefined;
  if (!validator?.body || !method.requestModels) return undefined;
  const type = contentType?.split(';')[0]?.trim().toLowerCase() || 'application/json';
  const modelName = Object.entries(method.requestModels).find(([key]) => key.toLowerCase() === type)?.[1];
  const schema = modelName ? api.models?.get(modelName) : undefined;
  if (!schema) return undefined; // 'Empty' and unknown models accept anything
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return 'not JSON';
  }
  return schemaProblem(value, schema);
}
