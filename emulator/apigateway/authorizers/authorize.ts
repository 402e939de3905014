import type { LambdaFunctionSpec } from '../../cloudformation/cloud-model.ts';
import type { InvokeOutcome } from '../../lambda/runner.ts';
import { type IdentityRequest, identityValues } from './identity.ts';
import { type AuthorizerOutput, evaluatePolicy, parseAuthorizerOutput } from './policy.ts';
import type { AuthorizerSpec } from './registry.ts';

/**
 * Runs Lambda authorizers as API Gateway does: identity sources checked first (401 when missing,
 * without invoking), the TOKEN validation expression, the function invoked with the TOKEN or REQUEST
 * event, its answer cached for AuthorizerResultTtlInSeconds by the identity source values (the whole
 * policy is cached, so a cached policy is evaluated against each new method ARN, as on AWS), the
 * policy evaluated. A thrown `Unauthorized` is 401; any other error or a malformed answer is 500.
 */
export type Refusal =
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'ACCESS_DENIED_EXPLICIT'
  | 'AUTHORIZER_CONFIGURATION_ERROR';

export type Authorization =
  | {
      readonly ok: true;
      readonly principalId: string;
      readonly context: Readonly<Record<string, string>>;
      readonly usageIdentifierKey?: string;
      /** Milliseconds the authorizer took (0 from the cache). */
      readonly latencyMs: number;
    }
  | { readonly ok: false; readonly refusal: Refusal };

export interface AuthorizerDeps {
  readonly findFunction: (arn: string) => LambdaFunctionSpec | undefined;
  readonly invoke: (spec: LambdaFunctionSpec, event: unknown) => Promise<InvokeOutcome>;
  readonly log?: (line: string) => void;
  readonly now?: () => number;
}

export interface AuthorizationRequest {
  /** The stage: each stage has its own authorizer cache, as on AWS. */
  readonly stage: string;
  readonly identity: IdentityRequest;
  readonly methodArn: string;
  /** The REQUEST authorizer's event (the proxy event's request part), built only when needed. */
  readonly requestEvent: () => Record<string, unknown>;
}

export class Authorizers {
  private readonly cache = new Map<string, { output: AuthorizerOutput; expiresAt: number }>();
  private readonly deps: AuthorizerDeps;
  constructor(deps: AuthorizerDeps) {
    this.deps = deps;
  }

  async authorize(spec: AuthorizerSpec, request: AuthorizationRequest): Promise<Authorization> {
    const now = this.deps.now ?? Date.now;
    const values = identityValues(spec.identitySources, request.identity);
    if (!values) return { ok: false, refusal: 'UNAUTHORIZED' };
    const token = values[0] ?? '';
    if (spec.type === 'TOKEN' && spec.validationExpression !== undefined) {
      if (!safeFullMatch(spec.validationExpression, token)) return { ok: false, refusal: 'UNAUTHORIZED' };
    }
    const cacheable = spec.ttlSeconds > 0 && values.length > 0;
    const key = JSON.stringify([spec.id, request.stage, ...values]);
    let output = cacheable ? this.cached(key, now()) : undefined;
    let latencyMs = 0;
    if (!output) {
      const started = now();
      const fresh = await this.invoke(spec, request, token);
      if ('refusal' in fresh) return { ok: false, refusal: fresh.refusal };
      output = fresh;
      latencyMs = now() - started;
      if (cacheable) this.cache.set(key, { output, expiresAt: now() + spec.ttlSeconds * 1000 });
    }
    const decision = evaluatePolicy(output.statements, request.methodArn);
    if (decision === 'explicit-deny') return { ok: false, refusal: 'ACCESS_DENIED_EXPLICIT' };
    if (decision === 'implicit-deny') return { ok: false, refusal: 'ACCESS_DENIED' };
    return {
      ok: true,
      principalId: output.principalId,
      context: output.context,
      ...(output.usageIdentifierKey ? { usageIdentifierKey: output.usageIdentifierKey } : {}),
      latencyMs,
    };
  }

  private cached(key: string, at: number): AuthorizerOutput | undefined {
    const entry = this.cache.get(key);
    if (entry && entry.expiresAt > at) return entry.output;
    if (entry) this.cache.delete(key);
    return undefined;
  }

  private async invoke(
    spec: AuthorizerSpec,
    request: AuthorizationRequest,
    token: string,
  ): Promise<AuthorizerOutput | { refusal: Refusal }> {
    const fn = this.deps.findFunction(spec.functionArn);
    const configurationError = (why: string) => {
      this.deps.log?.(`authorizer ${spec.name} (${spec.id}): AuthorizerConfigurationException: ${why}`);
      return { refusal: 'AUTHORIZER_CONFIGURATION_ERROR' as const };
    };
    if (!fn) return configurationError(`function ${spec.functionArn} is not deployed`);
    const event =
      spec.type === 'TOKEN'
        ? { type: 'TOKEN', methodArn: request.methodArn, authorizationToken: token }
        : { type: 'REQUEST', methodArn: request.methodArn, ...request.requestEvent() };
    const outcome = await this.deps.invoke(fn, event);
    if (!outcome.ok) {
      // the one error message API Gateway reads: "Unauthorized" means 401
      if (outcome.error.errorMessage === 'Unauthorized') return { refusal: 'UNAUTHORIZED' };
      return configurationError(`${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    }
    const output = parseAuthorizerOutput(outcome.payload);
    return 'invalid' in output ? configurationError(output.invalid) : output;
  }
}

function safeFullMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return false;
  }
}
