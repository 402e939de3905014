import type { CloudModel } from '../../cloudformation/cloud-model.ts';

/** An AWS::ApiGateway::Authorizer backed by a Lambda function (TOKEN or REQUEST). */
export interface AuthorizerSpec {
  readonly id: string;
  readonly apiId: string;
  readonly name: string;
  readonly type: 'TOKEN' | 'REQUEST';
  /** The authorizer function's ARN, from AuthorizerUri. */
  readonly functionArn: string;
  /** `method.request.header.Authorization`, `method.request.querystring.x`, `stageVariables.x`, `context.x`. */
  readonly identitySources: readonly string[];
  /** TOKEN only: the token must match this regex, or the answer is 401 without invoking the function. */
  readonly validationExpression?: string;
  /** AuthorizerResultTtlInSeconds: 0 disables the cache (CloudFormation's default is 300). */
  readonly ttlSeconds: number;
}

const registries = new WeakMap<CloudModel, Map<string, AuthorizerSpec>>();

/** The authorizers of a cloud by id (kept beside its model, so the engine knows no service). */
export function authorizersOf(model: CloudModel): Map<string, AuthorizerSpec> {
  let registry = registries.get(model);
  if (!registry) {
    registry = new Map();
    registries.set(model, registry);
  }
  return registry;
}
