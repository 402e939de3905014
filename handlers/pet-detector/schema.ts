/**
 * What the PetDetector's stacks and functions agree on: environment variable names, the
 * DetectionLogs table's attributes (the seed's schema) and index, the folders of the images bucket.
 */

export const PET_ENV = {
  detectionTable: 'DETECTION_TABLE',
  countsTable: 'LABEL_COUNTS_TABLE',
  imagesBucket: 'IMAGES_BUCKET',
  stateMachineArn: 'STATE_MACHINE_ARN',
  alertTopicArn: 'ALERT_TOPIC_ARN',
  /** JSON ClassifierThresholds overriding the preset chosen by the label model (classifier/classify.ts). */
  thresholds: 'CLASSIFIER_THRESHOLDS',
  maxUploadBytes: 'MAX_UPLOAD_BYTES',
  uploadUrlSeconds: 'UPLOAD_URL_SECONDS',
  downloadUrlSeconds: 'DOWNLOAD_URL_SECONDS',
  /** Days a detection record is kept (its TTL); 0 keeps records forever. */
  recordDays: 'RECORD_DAYS',
} as const;

/** DetectionLogs: one item per image, keyed by ImageID, in the seed's attribute names. */
export const DETECTIONS = {
  partitionKey: 'ImageID',
  /** GSI: images by label (the folder they were filed in), newest first. */
  byLabelIndex: 'ByLabel',
  labelKey: 'DetectedAnimal',
  timeKey: 'Timestamp',
  ttlAttribute: 'ExpiresAt',
} as const;

/** LabelCounts: one counter item per label, plus one marker per counted image (exactly-once counting). */
export const COUNTS = {
  partitionKey: 'Label',
  ttlAttribute: 'ExpiresAt',
} as const;

export const FOLDERS = { input: 'input/', cat: 'cats/', dog: 'dogs/', other: 'others/' } as const;

export type ProcessingStatus = 'uploading' | 'completed' | 'failed';

/** What POST /uploads accepts: the formats Rekognition reads. */
export const IMAGE_TYPES = { 'image/jpeg': 'jpg', 'image/png': 'png' } as const;
export type ImageContentType = keyof typeof IMAGE_TYPES;

/** Rekognition's limit for image bytes sent in a request: the workflow sends the bytes. */
export const DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/** The namespace of the PetDetector's EMF metrics (the dashboard reads it). */
export const PET_METRICS_NAMESPACE = 'PetDetector';
