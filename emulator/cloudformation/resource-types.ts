import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { CloudModel } from './cloud-model.ts';
import type { CustomResourceProvisioner } from './custom-resources/provisioner.ts';
import type { PhysicalResource } from './template.ts';

export type { PhysicalResource } from './template.ts';

/** What a resource handler may use while a stack deploys. */
export interface DeployContext {
  readonly stack: string;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  /** Per state directory: makes generated names and ids stable across restarts. */
  readonly seed: string;
  /** Asset hash or object key (`<hash>.zip`) -> asset directory. */
  readonly assets: ReadonlyMap<string, string>;
  readonly model: CloudModel;
  readonly clients: {
    readonly s3: S3Client;
    readonly dynamodb: DynamoDBClient;
    readonly sns?: SNSClient;
    readonly sfn?: SFNClient;
  };
  /**
   * Runs work that needs DynamoDB once it is up, without holding the deployment back (DynamoDB
   * Local boots slowly); the cloud is ready only when all of it is done. Immediate when absent.
   */
  readonly whenDynamoDbReady?: (work: () => Promise<void>) => void;
  /** Sends custom resources' requests to their providers (absent: custom resources cannot deploy). */
  readonly customResources?: CustomResourceProvisioner;
  log(line: string): void;
  /** Logs `line` only the first time `key` is seen in this cloud (e.g. "ignored AWS::IAM::Role"). */
  logOnce(key: string, line: string): void;
}

/** Creates one kind of CloudFormation resource on the emulators (idempotent: restarts re-run it). */
export interface ResourceHandler {
  readonly types: readonly string[];
  /** False for accepted-and-ignored types: their properties are not even resolved. */
  readonly resolvesProperties?: boolean;
  /**
   * What of this resource the embedded cloud cannot run (a runtime, an integration type), read from
   * the unresolved template before anything starts, so that all of an app's problems come in one
   * message. Values still behind an intrinsic function are not judged here.
   */
  unsupported?(properties: Record<string, unknown>, type: string): readonly string[];
  create(
    ctx: DeployContext,
    logicalId: string,
    properties: Record<string, unknown>,
    type: string,
  ): Promise<PhysicalResource>;
}

/** Reads an optional string property, failing with the resource named when it has another type. */
export function optionalString(
  properties: Record<string, unknown>,
  name: string,
  where: { stack: string; logicalId: string },
): string | undefined {
  const value = properties[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new Error(
    `stack ${where.stack}, resource ${where.logicalId}: ${name} must be a string, got ${JSON.stringify(value)}`,
  );
}

export function errorName(err: unknown): string {
  return (err as { name?: string; Code?: string }).name ?? (err as { Code?: string }).Code ?? '';
}
