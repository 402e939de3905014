import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The deployed app's outputs, whatever the target. */
export interface AppOutputs {
  readonly bucketName: string;
  readonly historyTable: string;
  readonly ledgerTable: string;
  readonly chartBucket: string;
  readonly plotApiUrl: string;
  /** The plot API's key id (output PlotApiKeyId) and its value (read with GetApiKey --include-value). */
  readonly plotApiKeyId: string;
  readonly plotApiKey: string;
  readonly driverFunction: string;
  readonly trackerFunction: string;
  readonly reconcileFunction: string;
}

/** The app's functions by role, for `invoke`. */
export type FunctionRole = 'driver' | 'tracker' | 'reconcile';

/**
 * A place where the synthesized app runs (the embedded cloud, LocalStack...). Integration tests
 * are written against this interface only, so every test runs unchanged on every target.
 */
export interface Target {
  readonly name: string;
  readonly region: string;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  /** API Gateway's control plane (API keys, usage plans) where the app runs. */
  readonly apiGateway: APIGatewayClient;
  readonly outputs: AppOutputs;
  /** Invokes a function synchronously and returns its result; a function error rejects. */
  invoke<T = unknown>(role: FunctionRole, payload: unknown): Promise<T>;
  /** Resolves once every S3 event caused so far has been handled by the tracker. */
  settle(): Promise<void>;
  /** Stops the target and frees its resources. */
  stop(): Promise<void>;
}

export interface RestartableTarget extends Target {
  /** Stops and starts the target on the same state; resolves with the target as it is after the restart. */
  restart(): Promise<RestartableTarget>;
}

export function isRestartable(target: Target): target is RestartableTarget {
  return typeof (target as Partial<RestartableTarget>).restart === 'function';
}
