import type { Classification } from '../../../classifier/classify.ts';
import { DETECTIONS, type ProcessingStatus } from '../schema.ts';
import { s3Location } from './image-key.ts';

/** A DetectionLogs item: the seed's attributes, plus what explains them. */
export interface DetectionRecord {
  readonly ImageID: string;
  /** The folder's label: cat, dog or other (an uncertain guess is filed as other). */
  readonly DetectedAnimal?: string;
  readonly ConfidenceScore?: number;
  readonly Timestamp: string;
  readonly S3Location: string;
  readonly ProcessingStatus: ProcessingStatus;
  readonly FileSize?: number;
  readonly ImageFormat?: string;
  /** The best guess when DetectedAnimal is other because the result was uncertain. */
  readonly BestGuess?: string;
  readonly Uncertain?: boolean;
  readonly Labels?: readonly { Name: string; Confidence: number }[];
  readonly LabelModelVersion?: string;
  readonly Error?: string;
  readonly ErrorCause?: string;
  readonly ExpiresAt?: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function expiresAt(nowMs: number, recordDays: number): { ExpiresAt?: number } {
  return recordDays > 0 ? { [DETECTIONS.ttlAttribute]: Math.floor(nowMs / 1000) + recordDays * 86_400 } : {};
}

export function pendingRecord(input: {
  imageId: string;
  bucket: string;
  key: string;
  nowMs: number;
  recordDays: number;
}): DetectionRecord {
  return {
    ImageID: input.imageId,
    Timestamp: new Date(input.nowMs).toISOString(),
    S3Location: s3Location(input.bucket, input.key),
    ProcessingStatus: 'uploading',
    ...expiresAt(input.nowMs, input.recordDays),
  };
}

export function completedRecord(input: {
  imageId: string;
  bucket: string;
  destinationKey: string;
  classification: Classification;
  labels: readonly { Name: string; Confidence: number }[];
  labelModelVersion: string;
  size: number;
  format: string;
  nowMs: number;
  recordDays: number;
}): DetectionRecord {
  const c = input.classification;
  return {
    ImageID: input.imageId,
    DetectedAnimal: c.folder,
    ConfidenceScore: round1(c.confidence),
    Timestamp: new Date(input.nowMs).toISOString(),
    S3Location: s3Location(input.bucket, input.destinationKey),
    ProcessingStatus: 'completed',
    FileSize: input.size,
    ImageFormat: input.format,
    Uncertain: c.uncertain,
    ...(c.uncertain ? { BestGuess: c.animal } : {}),
    Labels: input.labels.slice(0, 10).map((l) => ({ Name: l.Name, Confidence: round1(l.Confidence) })),
    LabelModelVersion: input.labelModelVersion,
    ...expiresAt(input.nowMs, input.recordDays),
  };
}

/**
 * What a Catch hands over: `{ Error, Cause }`, where a Lambda function's Cause is the JSON of its
 * error (`{ errorType, errorMessage, trace }`). Returns the error name and a readable message.
 */
export function describeStepError(error: { Error?: unknown; Cause?: unknown } | undefined): {
  error: string;
  cause: string;
} {
  const name = typeof error?.Error === 'string' ? error.Error : 'UnknownError';
  const raw = typeof error?.Cause === 'string' ? error.Cause : '';
  try {
    const parsed = JSON.parse(raw) as { errorMessage?: unknown; errorType?: unknown };
    if (typeof parsed.errorMessage === 'string')
      return { error: name, cause: parsed.errorMessage.slice(0, 1000) };
  } catch {
    // not JSON: a States.* error's cause is plain text
  }
  return { error: name, cause: raw.slice(0, 1000) };
}

export function failedRecord(input: {
  imageId: string;
  bucket: string;
  key: string;
  size?: number;
  error: { Error?: unknown; Cause?: unknown } | undefined;
  nowMs: number;
  recordDays: number;
}): DetectionRecord {
  const described = describeStepError(input.error);
  return {
    ImageID: input.imageId,
    Timestamp: new Date(input.nowMs).toISOString(),
    S3Location: s3Location(input.bucket, input.key),
    ProcessingStatus: 'failed',
    ...(input.size !== undefined ? { FileSize: input.size } : {}),
    Error: described.error,
    ErrorCause: described.cause,
    ...expiresAt(input.nowMs, input.recordDays),
  };
}

/** The record as the API shows it (without the TTL bookkeeping). */
export function recordView(item: Record<string, unknown>): Record<string, unknown> {
  const { [DETECTIONS.ttlAttribute]: _ttl, ...rest } = item;
  return rest;
}
