import { DETECTIONS } from '../schema.ts';
import { isImageId, parseS3Location } from './image-key.ts';
import { encodeCursor, type ListQuery, parseListQuery } from './list-query.ts';
import { type DetectionRecord, pendingRecord, recordView } from './records.ts';
import { RequestError } from './request-error.ts';
import { inputKey, parseUploadRequest } from './upload.ts';

/**
 * The PetDetector API (pure): POST /uploads, GET /images/{id}, GET /images?label=&limit=&next=.
 * Every bad request is a 4xx with `{ "error": "<field>: <what is wrong>" }`.
 */
export interface PetApiPorts {
  readonly bucket: string;
  readonly maxUploadBytes: number;
  readonly recordDays: number;
  newImageId(): string;
  now(): number;
  putRecord(record: DetectionRecord): Promise<void>;
  getRecord(imageId: string): Promise<Record<string, unknown> | undefined>;
  queryByLabel(
    query: ListQuery,
  ): Promise<{ items: Record<string, unknown>[]; lastKey?: Record<string, unknown> }>;
  /** A PUT URL signed for exactly this content type and length. */
  presignPut(
    key: string,
    contentType: string,
    sizeBytes: number,
  ): Promise<{ url: string; expiresIn: number }>;
  presignGet(bucket: string, key: string): Promise<{ url: string; expiresIn: number }>;
}

export interface PetApiRequest {
  readonly method: string;
  /** The API Gateway resource path: /uploads, /images, /images/{id}. */
  readonly resource: string;
  readonly pathParameters: Record<string, string | undefined> | null;
  readonly query: Record<string, string | undefined> | null;
  readonly body: string | null;
}

export interface PetApiResponse {
  readonly statusCode: number;
  readonly body: unknown;
}

export async function handlePetApiRequest(
  request: PetApiRequest,
  ports: PetApiPorts,
): Promise<PetApiResponse> {
  try {
    const route = `${request.method} ${request.resource}`;
    switch (route) {
      case 'POST /uploads':
        return await createUpload(request, ports);
      case 'GET /images/{id}':
        return await getImage(request, ports);
      case 'GET /images':
        return await listImages(request, ports);
      default:
        throw new RequestError(`${route}: no such route`, 404);
    }
  } catch (err) {
    if (err instanceof RequestError) return { statusCode: err.statusCode, body: { error: err.message } };
    throw err;
  }
}

async function createUpload(request: PetApiRequest, ports: PetApiPorts): Promise<PetApiResponse> {
  const upload = parseUploadRequest(request.body, ports.maxUploadBytes);
  const imageId = ports.newImageId();
  const key = inputKey(imageId, upload.contentType);
  await ports.putRecord(
    pendingRecord({ imageId, bucket: ports.bucket, key, nowMs: ports.now(), recordDays: ports.recordDays }),
  );
  const signed = await ports.presignPut(key, upload.contentType, upload.sizeBytes);
  return {
    statusCode: 201,
    body: {
      imageId,
      key,
      upload: {
        method: 'PUT',
        url: signed.url,
        // signed into the URL: a different type or size is refused by S3 (SignatureDoesNotMatch)
        headers: { 'content-type': upload.contentType, 'content-length': String(upload.sizeBytes) },
        expiresIn: signed.expiresIn,
      },
    },
  };
}

async function getImage(request: PetApiRequest, ports: PetApiPorts): Promise<PetApiResponse> {
  const id = request.pathParameters?.id ?? '';
  if (!isImageId(id)) throw new RequestError(`id: "${id.slice(0, 40)}" is not an image id`);
  const item = await ports.getRecord(id);
  if (!item) throw new RequestError(`id: no image ${id}`, 404);
  const location = typeof item.S3Location === 'string' ? parseS3Location(item.S3Location) : undefined;
  const download = location ? await ports.presignGet(location.bucket, location.key) : undefined;
  return {
    statusCode: 200,
    body: {
      record: recordView(item),
      ...(download ? { download: { method: 'GET', url: download.url, expiresIn: download.expiresIn } } : {}),
    },
  };
}

async function listImages(request: PetApiRequest, ports: PetApiPorts): Promise<PetApiResponse> {
  const query = parseListQuery(request.query);
  const page = await ports.queryByLabel(query);
  const next = encodeCursor(page.lastKey);
  return {
    statusCode: 200,
    body: {
      label: query.label,
      items: page.items.map(recordView),
      ...(next ? { next } : {}),
    },
  };
}

export const LIST_PROJECTION = [
  DETECTIONS.partitionKey,
  DETECTIONS.labelKey,
  DETECTIONS.timeKey,
  'ConfidenceScore',
  'S3Location',
  'ProcessingStatus',
  'Uncertain',
  'BestGuess',
];
