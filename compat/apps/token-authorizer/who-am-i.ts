import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** Answers with what the authorizer said about the caller. */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const authorizer = event.requestContext.authorizer ?? {};
  return { statusCode: 200, body: JSON.stringify({ user: authorizer.principalId, plan: authorizer.plan }) };
}
