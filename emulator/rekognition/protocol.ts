/**
 * Rekognition's DetectLabels over AWS JSON 1.1, the pure part: the request body checked and read,
 * errors shaped as Rekognition sends them (HTTP 400, `__type` + `Message`, x-amzn-ErrorType).
 */

export const DETECT_LABELS_TARGET = 'RekognitionService.DetectLabels';

/** Rekognition's limits: 5 MB for image bytes in the request, 15 MB for an image in S3. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_S3_IMAGE_BYTES = 15 * 1024 * 1024;

export type RekognitionErrorType =
  | 'InvalidImageFormatException'
  | 'ImageTooLargeException'
  | 'InvalidS3ObjectException'
  | 'InvalidParameterException'
  | 'ValidationException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'InternalServerError';

export class RekognitionError extends Error {
  readonly type: RekognitionErrorType;
  readonly status: number;

  constructor(type: RekognitionErrorType, message: string) {
    super(message);
    this.type = type;
    this.status = type === 'InternalServerError' ? 500 : 400;
  }
}

export const INVALID_IMAGE_FORMAT = 'Request has invalid image format';
export const IMAGE_TOO_LARGE = 'Image size is too large.';
export const INVALID_S3_OBJECT =
  'Unable to get object metadata from S3. Check object key, region and/or access permissions.';

export type ImageSource =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string; readonly versionId?: string };

export interface DetectLabelsRequest {
  readonly image: ImageSource;
  readonly maxLabels?: number;
  readonly minConfidence?: number;
}

function validation(message: string): RekognitionError {
  return new RekognitionError('ValidationException', `1 validation error detected: ${message}`);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function readImage(image: unknown): ImageSource {
  if (image === undefined || image === null) {
    throw validation("Value null at 'image' failed to satisfy constraint: Member must not be null");
  }
  if (typeof image !== 'object' || Array.isArray(image)) {
    throw new RekognitionError('SerializationException', 'Image must be an object with Bytes or S3Object');
  }
  const { Bytes: bytes, S3Object: s3 } = image as { Bytes?: unknown; S3Object?: unknown };
  if ((bytes === undefined) === (s3 === undefined)) {
    throw new RekognitionError(
      'InvalidParameterException',
      'Request has invalid parameters: Image needs exactly one of Bytes and S3Object',
    );
  }
  if (bytes !== undefined) {
    if (typeof bytes !== 'string' || bytes.length % 4 !== 0 || !BASE64.test(bytes)) {
      throw new RekognitionError('SerializationException', 'Image.Bytes must be a base64 string');
    }
    // length from the base64 text first: a huge body is refused before it is decoded
    if ((bytes.length / 4) * 3 - (bytes.endsWith('==') ? 2 : bytes.endsWith('=') ? 1 : 0) > MAX_IMAGE_BYTES) {
      throw new RekognitionError('ImageTooLargeException', IMAGE_TOO_LARGE);
    }
    const decoded = Buffer.from(bytes, 'base64');
    if (decoded.length === 0) {
      throw validation(
        "Value at 'image.bytes' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    return { kind: 'bytes', bytes: decoded };
  }
  const { Bucket, Name, Version } = (s3 ?? {}) as { Bucket?: unknown; Name?: unknown; Version?: unknown };
  for (const [field, value] of [
    ['image.s3Object.bucket', Bucket],
    ['image.s3Object.name', Name],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) {
      throw validation(
        `Value at '${field}' failed to satisfy constraint: Member must have length greater than or equal to 1`,
      );
    }
  }
  if (Version !== undefined && (typeof Version !== 'string' || Version.length === 0)) {
    throw validation(
      "Value at 'image.s3Object.version' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  return {
    kind: 's3',
    bucket: Bucket as string,
    key: Name as string,
    versionId: Version as string | undefined,
  };
}

/** Checks a DetectLabels body (already JSON-parsed); anything wrong is a RekognitionError naming the field. */
export function parseDetectLabelsRequest(body: unknown): DetectLabelsRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RekognitionError('SerializationException', 'The request body must be a JSON object');
  }
  const { Image, MaxLabels, MinConfidence } = body as Record<string, unknown>;
  const image = readImage(Image);
  if (
    MaxLabels !== undefined &&
    (typeof MaxLabels !== 'number' || !Number.isInteger(MaxLabels) || MaxLabels < 0)
  ) {
    throw validation(
      `Value '${String(MaxLabels)}' at 'maxLabels' failed to satisfy constraint: Member must have value greater than or equal to 0`,
    );
  }
  if (MinConfidence !== undefined) {
    if (typeof MinConfidence !== 'number' || !Number.isFinite(MinConfidence) || MinConfidence < 0) {
      throw validation(
        `Value '${String(MinConfidence)}' at 'minConfidence' failed to satisfy constraint: Member must have value greater than or equal to 0`,
      );
    }
    if (MinConfidence > 100) {
      throw validation(
        `Value '${MinConfidence}' at 'minConfidence' failed to satisfy constraint: Member must have value less than or equal to 100`,
      );
    }
  }
  return {
    image,
    maxLabels: MaxLabels as number | undefined,
    minConfidence: MinConfidence as number | undefined,
  };
}

/** The body Rekognition sends with an error (the SDK reads `__type`, Rekognition also sends `Code`). */
export function errorBody(error: RekognitionError, logref: string): Record<string, string> {
  return { __type: error.type, Code: error.type, Logref: logref, Message: error.message };
}
