import {
  CreateBucketCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedS3, startS3Server } from '../../../emulator/s3/server.ts';
import { s3ClientFor } from './s3-client.ts';

// ACLs are kept and answered as S3 answers them, never enforced (one account): what an SDK reads back.
let s3: EmbeddedS3;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3Server();
  client = s3ClientFor(s3.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

const grantsOf = (out: { Grants?: { Permission?: string; Grantee?: { Type?: string; URI?: string } }[] }) =>
  (out.Grants ?? []).map((g) => [g.Permission, g.Grantee?.Type, g.Grantee?.URI ?? 'owner']);

describe('ACLs', () => {
  it('start private, keep a canned ACL per object version, and a new version starts private again', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'acl-objects' }));
    await client.send(
      new PutBucketVersioningCommand({
        Bucket: 'acl-objects',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    const v1 = await client.send(new PutObjectCommand({ Bucket: 'acl-objects', Key: 'k', Body: 'one' }));
    const owner = [['FULL_CONTROL', 'CanonicalUser', 'owner']];
    expect(grantsOf(await client.send(new GetObjectAclCommand({ Bucket: 'acl-objects', Key: 'k' })))).toEqual(
      owner,
    );

    await client.send(
      new PutObjectAclCommand({
        Bucket: 'acl-objects',
        Key: 'k',
        VersionId: v1.VersionId,
        ACL: 'public-read',
      }),
    );
    const publicRead = [['READ', 'Group', 'http://acs.amazonaws.com/groups/global/AllUsers'], ...owner];
    const acl = (versionId?: string) =>
      client.send(new GetObjectAclCommand({ Bucket: 'acl-objects', Key: 'k', VersionId: versionId }));
    expect(grantsOf(await acl(v1.VersionId))).toEqual(publicRead);

    await client.send(new PutObjectCommand({ Bucket: 'acl-objects', Key: 'k', Body: 'two' }));
    expect(grantsOf(await acl())).toEqual(owner);
    expect(grantsOf(await acl(v1.VersionId))).toEqual(publicRead);
  });

  it('keep a bucket created with a canned ACL, and refuse an unknown canned ACL with a 400', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'acl-bucket', ACL: 'authenticated-read' }));
    expect(grantsOf(await client.send(new GetBucketAclCommand({ Bucket: 'acl-bucket' })))).toEqual([
      ['READ', 'Group', 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers'],
      ['FULL_CONTROL', 'CanonicalUser', 'owner'],
    ]);
    await client.send(new PutObjectCommand({ Bucket: 'acl-bucket', Key: 'k', Body: 'x' }));
    const refused = await client
      .send(new PutObjectAclCommand({ Bucket: 'acl-bucket', Key: 'k', ACL: 'everyone' as 'private' }))
      .catch((err: S3ServiceException) => err);
    expect(refused).toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
  });
});
