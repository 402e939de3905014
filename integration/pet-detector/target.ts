import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A deployed PetDetector the suite drives: its outputs, SDK clients on its services, and its alerts. */
export interface PetTarget {
  readonly name: string;
  /** The API's base URL (no trailing slash), reachable from this process. */
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly bucket: string;
  readonly detectionTable: string;
  readonly countsTable: string;
  readonly stateMachineArn: string;
  readonly s3: S3Client;
  readonly db: DynamoDBDocumentClient;
  readonly sfn: SFNClient;
  /** A presigned URL the API returned, as this process can reach it (default: as it is). */
  reachable?(url: string): string;
  /** The alerts the topic sent so far (subject and body), from a subscriber the target added. */
  alerts(): Promise<{ subject: string; body: string }[]>;
  /** Invokes the S3-event function with this event, as S3 would deliver it (again). */
  deliverS3Event(event: unknown): Promise<void>;
  /** Resolves when no execution is running and nothing is queued. */
  whenIdle(): Promise<void>;
  /** Seconds of wall time a step may take here (LocalStack's cold containers are slower). */
  readonly patienceSeconds: number;
  stop(): Promise<void>;
}
