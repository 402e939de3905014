import { IMAGE_TYPES, type ImageContentType } from '../schema.ts';
import { RequestError } from './request-error.ts';

/** POST /uploads, checked: what the presigned PUT will be signed for. */
export interface UploadRequest {
  readonly contentType: ImageContentType;
  readonly sizeBytes: number;
}

const TYPES = Object.keys(IMAGE_TYPES).join(', ');

/** Reads and checks POST /uploads' body; every problem names its field. */
export function parseUploadRequest(body: string | null | undefined, maxBytes: number): UploadRequest {
  if (body === null || body === undefined || body.trim() === '') {
    throw new RequestError('body: required, e.g. {"contentType":"image/jpeg","sizeBytes":123456}');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RequestError('body: not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RequestError('body: must be a JSON object');
  }
  const { contentType, sizeBytes, ...rest } = parsed as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new RequestError(`${unknown[0]}: unknown field (allowed: contentType, sizeBytes)`);
  if (typeof contentType !== 'string' || !(contentType in IMAGE_TYPES)) {
    throw new RequestError(
      `contentType: must be one of ${TYPES}, got ${JSON.stringify(contentType ?? null)}`,
    );
  }
  if (typeof sizeBytes !== 'number' || !Number.isInteger(sizeBytes) || sizeBytes < 1) {
    throw new RequestError(`sizeBytes: must be a positive integer, got ${JSON.stringify(sizeBytes ?? null)}`);
  }
  if (sizeBytes > maxBytes) {
    throw new RequestError(`sizeBytes: ${sizeBytes} is over the limit of ${maxBytes} bytes`, 413);
  }
  return { contentType: contentType as ImageContentType, sizeBytes };
}

/** Where an upload goes: input/<image id>.<extension of its type>. */
export function inputKey(imageId: string, contentType: ImageContentType): string {
  return `input/${imageId}.${IMAGE_TYPES[contentType]}`;
}
