import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';

/**
 * `Bearer allow-<user>` is allowed as <user> (context: plan gold), `Bearer deny` explicitly denied,
 * anything else Unauthorized (401), as API Gateway's token authorizer samples do.
 */
export async function handler(event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const token = event.authorizationToken.replace(/^Bearer /, '');
  const policy = (effect: 'Allow' | 'Deny', principalId: string): APIGatewayAuthorizerResult => ({
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: event.methodArn }],
    },
    context: { plan: 'gold' },
  });
  if (token.startsWith('allow-')) return policy('Allow', token.slice('allow-'.length));
  if (token === 'deny') return policy('Deny', 'denied');
  throw new Error('Unauthorized');
}
