import type { APIGatewayProxyResult } from 'aws-lambda';

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(statusCode: number, message: string): APIGatewayProxyResult {
  return jsonResponse(statusCode, { error: message });
}

/** A binary body: API Gateway turns it back into bytes because image/png is a binary media type. */
export function pngResponse(png: Buffer, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: 200,
    headers: { 'content-type': 'image/png', 'cache-control': 'no-store', ...headers },
    body: png.toString('base64'),
    isBase64Encoded: true,
  };
}
