import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

/** Payload format 2.0: says hello to the `name` query parameter. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  return { statusCode: 200, body: JSON.stringify({ hello: event.queryStringParameters?.name ?? 'world' }) };
}
