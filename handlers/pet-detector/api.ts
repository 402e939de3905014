import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { errorResponse, jsonResponse } from '../plotting/responses.ts';
import { documentClient } from '../shared/clients.ts';
import { optionalIntEnv, requireEnv } from '../shared/env.ts';
import { handlePetApiRequest } from './core/api.ts';
import { detectionTable, maxUploadBytes, recordDays } from './env.ts';
import { petObservability } from './observability.ts';
import { DETECTIONS, PET_ENV } from './schema.ts';

const { logger } = petObservability('pet-api');
const db = documentClient();
const table = detectionTable();
const bucket = requireEnv(PET_ENV.imagesBucket);
const uploadSeconds = optionalIntEnv(PET_ENV.uploadUrlSeconds, 300);
const downloadSeconds = optionalIntEnv(PET_ENV.downloadUrlSeconds, 300);
// no flexible checksum in presigned URLs: the browser's PUT could not send a matching one
const presigner = new S3Client({ forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
const CORS = { 'access-control-allow-origin': '*' };

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  try {
    const response = await handlePetApiRequest(
      {
        method: event.httpMethod,
        resource: event.resource,
        pathParameters: event.pathParameters,
        query: event.queryStringParameters,
        body:
          event.body && event.isBase64Encoded
            ? Buffer.from(event.body, 'base64').toString('utf8')
            : event.body,
      },
      {
        bucket,
        maxUploadBytes: maxUploadBytes(),
        recordDays: recordDays(),
        newImageId: randomUUID,
        now: Date.now,
        async putRecord(record) {
          await db.send(new PutCommand({ TableName: table, Item: record }));
        },
        async getRecord(imageId) {
          const out = await db.send(
            new GetCommand({ TableName: table, Key: { [DETECTIONS.partitionKey]: imageId } }),
          );
          return out.Item;
        },
        async queryByLabel(query) {
          const out = await db.send(
            new QueryCommand({
              TableName: table,
              IndexName: DETECTIONS.byLabelIndex,
              KeyConditionExpression: '#l = :l',
              ExpressionAttributeNames: { '#l': DETECTIONS.labelKey },
              ExpressionAttributeValues: { ':l': query.label },
              ScanIndexForward: false,
              Limit: query.limit,
              ...(query.startKey ? { ExclusiveStartKey: query.startKey } : {}),
            }),
          );
          return {
            items: out.Items ?? [],
            ...(out.LastEvaluatedKey ? { lastKey: out.LastEvaluatedKey } : {}),
          };
        },
        async presignPut(key, contentType, sizeBytes) {
          const url = await getSignedUrl(
            presigner,
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              ContentType: contentType,
              ContentLength: sizeBytes,
            }),
            { expiresIn: uploadSeconds, signableHeaders: new Set(['content-type', 'content-length']) },
          );
          return { url, expiresIn: uploadSeconds };
        },
        async presignGet(at, key) {
          const url = await getSignedUrl(presigner, new GetObjectCommand({ Bucket: at, Key: key }), {
            expiresIn: downloadSeconds,
          });
          return { url, expiresIn: downloadSeconds };
        },
      },
    );
    return jsonResponse(response.statusCode, response.body, CORS);
  } catch (err) {
    logger.error('request failed', { error: err as Error });
    return errorResponse(500, 'internal error: see the function log');
  }
}
