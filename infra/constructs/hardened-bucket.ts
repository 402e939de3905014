import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketProps,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** An S3 bucket with the baseline every bucket here gets: encrypted, TLS-only, never public. */
export class HardenedBucket extends Bucket {
  constructor(scope: Construct, id: string, props: BucketProps & { removalPolicy: RemovalPolicy }) {
    super(scope, id, {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      ...props,
    });
  }
}
