import { shortId } from '../../cloudformation/naming.ts';
import type { PhysicalResource, ResourceHandler } from '../../cloudformation/resource-types.ts';
import { lambdaFunctionArnOf } from '../integrations/aws-integration.ts';
import { identitySourceProblem, parseIdentitySources } from './identity.ts';
import { authorizersOf } from './registry.ts';

/**
 * AWS::ApiGateway::Authorizer: TOKEN and REQUEST Lambda authorizers. COGNITO_USER_POOLS is refused
 * up front (no Cognito here). Ref is the authorizer id methods name in AuthorizerId.
 */
type Props = Record<string, unknown>;

/** The template's problems this cloud cannot run (also checked before anything starts). */
function problems(properties: Props): string[] {
  const type = properties.Type;
  if (type === 'COGNITO_USER_POOLS')
    return [
      'COGNITO_USER_POOLS authorizers are not supported (no Cognito here; TOKEN and REQUEST Lambda authorizers are)',
    ];
  if (typeof type === 'string' && type !== 'TOKEN' && type !== 'REQUEST')
    return [`authorizer Type ${type} is not supported (TOKEN and REQUEST are)`];
  if (typeof properties.IdentitySource === 'string') {
    const sources = parseIdentitySources(properties.IdentitySource);
    const wrong = sources.map(identitySourceProblem).filter((p): p is string => p !== undefined);
    if (wrong.length) return wrong;
    if (type === 'TOKEN' && (sources.length !== 1 || !sources[0]?.startsWith('method.request.header.')))
      return [
        `a TOKEN authorizer's IdentitySource must be one method.request.header.<name>, got ${properties.IdentitySource}`,
      ];
  }
  return [];
}

export const apiAuthorizer: ResourceHandler = {
  types: ['AWS::ApiGateway::Authorizer'],
  unsupported: (properties) => problems(properties),
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    const fail = (message: string): never => {
      throw new Error(`stack ${ctx.stack}, resource ${logicalId} (${type}): ${message}`);
    };
    const [problem] = problems(properties);
    if (problem) fail(problem);
    const apiId = String(properties.RestApiId);
    if (!ctx.model.restApis.has(apiId)) fail(`RestApiId ${apiId} is not a REST API of this cloud`);
    const uri = String(properties.AuthorizerUri ?? '');
    const functionArn =
      lambdaFunctionArnOf(uri) ?? fail(`AuthorizerUri ${uri} does not name a Lambda function`);
    const kind =
      properties.Type === 'REQUEST' ? 'REQUEST' : properties.Type === 'TOKEN' ? 'TOKEN' : fail('has no Type');
    const identitySources = parseIdentitySources(properties.IdentitySource);
    if (kind === 'TOKEN' && identitySources.length === 0) fail('a TOKEN authorizer needs an IdentitySource');
    const ttl =
      properties.AuthorizerResultTtlInSeconds === undefined
        ? 300
        : Number(properties.AuthorizerResultTtlInSeconds);
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600)
      fail(
        `AuthorizerResultTtlInSeconds must be 0..3600, got ${String(properties.AuthorizerResultTtlInSeconds)}`,
      );
    if (ttl > 0 && identitySources.length === 0)
      fail(
        'an authorizer whose results are cached (AuthorizerResultTtlInSeconds > 0) needs an IdentitySource',
      );
    const id = shortId(ctx.seed, [ctx.stack, logicalId], 6);
    authorizersOf(ctx.model).set(id, {
      id,
      apiId,
      name: String(properties.Name ?? logicalId),
      type: kind,
      functionArn,
      identitySources,
      ...(kind === 'TOKEN' &&
      typeof properties.IdentityValidationExpression === 'string' &&
      properties.IdentityValidationExpression !== ''
        ? { validationExpression: properties.IdentityValidationExpression }
        : {}),
      ttlSeconds: ttl,
    });
    return { ref: id, attributes: { AuthorizerId: id } };
  },
};
