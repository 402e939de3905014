import { type App, Aws } from 'aws-cdk-lib';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../../handlers/pet-detector/schema.ts';

/**
 * The PetDetector's configuration, from CDK context (`-c name=value` or cdk.json):
 * `stage` (dev; names stacks and resources; prod keeps data on destroy), `namePrefix` (the seed's
 * `serverlessapp-`: every physical name starts with `<namePrefix><stage>-`), `maxUploadBytes`
 * (5 MiB, Rekognition's limit for image bytes), `recordDays` (365: TTL of detection records),
 * `inputDays` (7: unprocessed uploads left in input/ expire), `othersDays` (90: images in others/
 * expire), `noncurrentDays` (30: replaced or moved versions expire), `apiRateLimit` (50/s),
 * `apiBurstLimit` (100), `apiQuotaPerDay` (50,000), `classifierThresholds` (JSON overriding the
 * preset of the model that answers, classifier/classify.ts), `alertEmail` (subscribed to alerts),
 * `rekognitionEndpoint` (local targets only, below).
 */
export interface PetDetectorSettings {
  readonly stage: string;
  readonly namePrefix: string;
  readonly maxUploadBytes: number;
  readonly recordDays: number;
  readonly inputDays: number;
  readonly othersDays: number;
  readonly noncurrentDays: number;
  readonly api: { readonly rateLimit: number; readonly burstLimit: number; readonly quotaPerDay: number };
  readonly classifierThresholds?: string;
  readonly alertEmail?: string;
  /**
   * Local targets only: where the image processor's Rekognition client goes (its
   * AWS_ENDPOINT_URL_REKOGNITION), e.g. the embedded Rekognition for LocalStack's functions, because
   * Rekognition is not in LocalStack's free image. Unset on AWS (and on the embedded cloud, which sets it).
   */
  readonly rekognitionEndpoint?: string;
}

function positiveInt(app: App, name: string, fallback: number): number {
  const raw = app.node.tryGetContext(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`context value "${name}" must be a positive integer, got "${raw}"`);
  return value;
}

export function petDetectorSettings(app: App): PetDetectorSettings {
  const stage = String(app.node.tryGetContext('stage') ?? 'dev');
  if (!/^[a-z][a-z0-9-]{0,11}$/.test(stage)) {
    throw new Error(
      `context value "stage" must be lowercase letters, digits and dashes (max 12), got "${stage}"`,
    );
  }
  const namePrefix = String(app.node.tryGetContext('namePrefix') ?? 'serverlessapp-');
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(namePrefix)) {
    throw new Error(
      `context value "namePrefix" must be lowercase letters, digits and dashes (max 20), got "${namePrefix}"`,
    );
  }
  const maxUploadBytes = positiveInt(app, 'maxUploadBytes', DEFAULT_MAX_UPLOAD_BYTES);
  if (maxUploadBytes > DEFAULT_MAX_UPLOAD_BYTES) {
    throw new Error(
      `context value "maxUploadBytes" must be at most ${DEFAULT_MAX_UPLOAD_BYTES} (Rekognition's limit for image bytes), got ${maxUploadBytes}`,
    );
  }
  const thresholds = app.node.tryGetContext('classifierThresholds');
  const email = app.node.tryGetContext('alertEmail');
  const rekognition = app.node.tryGetContext('rekognitionEndpoint');
  if (rekognition !== undefined && !/^https?:\/\/[^\s/]+\/?$/.test(String(rekognition))) {
    throw new Error(
      `context value "rekognitionEndpoint" must be an http(s)://host:port URL, got "${rekognition}"`,
    );
  }
  return {
    stage,
    namePrefix,
    maxUploadBytes,
    recordDays: positiveInt(app, 'recordDays', 365),
    inputDays: positiveInt(app, 'inputDays', 7),
    othersDays: positiveInt(app, 'othersDays', 90),
    noncurrentDays: positiveInt(app, 'noncurrentDays', 30),
    api: {
      rateLimit: positiveInt(app, 'apiRateLimit', 50),
      burstLimit: positiveInt(app, 'apiBurstLimit', 100),
      quotaPerDay: positiveInt(app, 'apiQuotaPerDay', 50_000),
    },
    ...(typeof thresholds === 'string' && thresholds !== '' ? { classifierThresholds: thresholds } : {}),
    ...(typeof email === 'string' && email !== '' ? { alertEmail: email } : {}),
    ...(rekognition ? { rekognitionEndpoint: String(rekognition) } : {}),
  };
}

/** `<namePrefix><stage>-<what>`: every physical name of the stage. */
export function physicalName(settings: PetDetectorSettings, what: string): string {
  return `${settings.namePrefix}${settings.stage}-${what}`;
}

/** The images bucket's name (bucket names are global: account and region make it unique). */
export function imagesBucketName(settings: PetDetectorSettings): string {
  return physicalName(settings, `images-${Aws.ACCOUNT_ID}-${Aws.REGION}`);
}

/**
 * The ARN of keys of the images bucket, built from its name: the API stack signs URLs for the bucket
 * without a cross-stack reference (and its IAM5 finding names a readable pattern).
 */
export function imagesObjectsArn(settings: PetDetectorSettings, pattern: string): string {
  return `arn:${Aws.PARTITION}:s3:::${imagesBucketName(settings)}/${pattern}`;
}
