import { Compile, parse } from 'velocityjs';
import { evaluateJsonPath } from './json-path.ts';

/**
 * API Gateway mapping templates (VTL), run by velocityjs with the variables API Gateway gives them:
 * `$input` (body, json, path, params), `$util`, `$context` (with `authorizer`, `requestOverride`,
 * `responseOverride`) and `$stageVariables`. Pure: strings in, string and overrides out.
 */
export interface TemplateInput {
  /** The payload the template maps: the request body, or the integration's response body. */
  readonly body: string;
  readonly params: {
    readonly path: Readonly<Record<string, string>>;
    readonly querystring: Readonly<Record<string, string>>;
    readonly header: Readonly<Record<string, string>>;
  };
  /** $context, without the overrides (added here). */
  readonly context: Readonly<Record<string, unknown>>;
  readonly stageVariables: Readonly<Record<string, string>>;
}

export interface TemplateOverrides {
  readonly request: {
    readonly header: Record<string, string>;
    readonly querystring: Record<string, string>;
    readonly path: Record<string, string>;
  };
  readonly response: { readonly header: Record<string, string>; readonly status?: number };
}

export interface RenderedTemplate {
  readonly output: string;
  readonly overrides: TemplateOverrides;
}

/** Java's rendering: a Map prints as `{a=1, b=x}`; lists print as JSON (what API Gateway shows). */
function javaLike(value: unknown): unknown {
  if (Array.isArray(value)) {
    const list = value.map(javaLike);
    Object.defineProperty(list, 'toString', { value: () => JSON.stringify(value), enumerable: false });
    return list;
  }
  if (value !== null && typeof value === 'object') {
    const map: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) map[key] = javaLike(item);
    Object.defineProperty(map, 'toString', {
      value: () =>
        `{${Object.entries(map)
          .map(([key, item]) => `${key}=${item === null ? 'null' : String(item)}`)
          .join(', ')}}`,
      enumerable: false,
    });
    return map;
  }
  return value;
}

function parseBody(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** commons-lang StringEscapeUtils.escapeJavaScript, which `$util.escapeJavaScript` is. */
export function escapeJavaScript(value: unknown): string {
  const text = String(value ?? '');
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code > 0xffff) {
      // a surrogate pair, each half escaped as Java's UTF-16 chars are
      for (let i = 0; i < char.length; i++)
        out += `\\u${char.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
    } else if (code > 0x7f) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (code < 32) {
      const named: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
      out += named[code] ?? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    } else if (char === "'" || char === '"' || char === '\\' || char === '/') out += `\\${char}`;
    else out += char;
  }
  return out;
}

/** Java's URLEncoder (UTF-8): space as `+`, only `.-*_` and alphanumerics kept. */
export function urlEncode(value: unknown): string {
  return encodeURIComponent(String(value ?? ''))
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export const util = {
  escapeJavaScript,
  parseJson: (text: unknown) => javaLike(JSON.parse(String(text))),
  urlEncode,
  urlDecode: (value: unknown) => decodeURIComponent(String(value ?? '').replace(/\+/g, ' ')),
  base64Encode: (value: unknown) => Buffer.from(String(value ?? ''), 'utf8').toString('base64'),
  base64Decode: (value: unknown) => Buffer.from(String(value ?? ''), 'base64').toString('utf8'),
};

function inputVariable(input: TemplateInput) {
  const document = () => parseBody(input.body);
  return {
    body: input.body,
    json(path: unknown = '$') {
      const value = evaluateJsonPath(document(), String(path));
      return value === undefined ? '""' : JSON.stringify(value);
    },
    path(path: unknown = '$') {
      const value = evaluateJsonPath(document(), String(path));
      // nothing there renders empty (undefined, with the silent renderer)
      return value === undefined || value === null ? undefined : javaLike(value);
    },
    params(name?: unknown) {
      if (name === undefined) return javaLike(input.params);
      const key = String(name);
      const lowerHeader = Object.entries(input.params.header).find(
        ([header]) => header.toLowerCase() === key.toLowerCase(),
      )?.[1];
      return input.params.path[key] ?? input.params.querystring[key] ?? lowerHeader ?? '';
    },
  };
}

const ASTS = new Map<string, ReturnType<typeof parse>>();

/** A template's syntax tree, parsed once (an API has a fixed set of templates). */
function parsed(template: string): ReturnType<typeof parse> {
  let ast = ASTS.get(template);
  if (!ast) {
    ast = parse(template);
    if (ASTS.size < 1000) ASTS.set(template, ast);
  }
  return ast;
}

/** Renders a mapping template; a template that velocityjs cannot parse throws (500 at the caller). */
export function renderTemplate(template: string, input: TemplateInput): RenderedTemplate {
  const overrides = {
    request: { header: {}, querystring: {}, path: {} },
    response: { header: {} } as { header: Record<string, string>; status?: number },
  };
  const requestOverride = { ...overrides.request };
  const responseOverride: Record<string, unknown> = { header: overrides.response.header };
  const context = {
    ...(javaLike(input.context) as Record<string, unknown>),
    requestOverride,
    responseOverride,
  };
  const variables = {
    input: inputVariable(input),
    util,
    context,
    stageVariables: javaLike(input.stageVariables),
  };
  // silent: a reference to nothing renders empty, as in API Gateway (not as its own text)
  const output = new Compile(parsed(template), { escape: false }).render(variables, undefined, true);
  const status = Number(responseOverride.status);
  return {
    output,
    overrides: {
      request: requestOverride,
      // API Gateway ignores a status override that is not 100-599
      response: {
        header: overrides.response.header,
        ...(Number.isInteger(status) && status >= 100 && status < 600 ? { status } : {}),
      },
    },
  };
}
