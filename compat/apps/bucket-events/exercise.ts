import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { clientsFor, expectEqual, output, waitFor } from '../../support.ts';

const UPLOADS = ['incoming/report 1.txt', 'other/notes.txt'];
/** Keys the cloud's S3 reported removed (ObjectRemoved:*), collected from the exercise on. */
const removed = new Set<string>();

/** Uploads under incoming/ and elsewhere: only incoming/ gets indexed. Destroying the stack empties the bucket. */
export async function exercise(cloud: LocalCloud): Promise<string[]> {
  const { s3 } = clientsFor(cloud);
  const Bucket = output(cloud, 'BucketName');
  removed.clear();
  cloud.onS3Event((record) => {
    if (record.eventName.startsWith('ObjectRemoved:')) removed.add(record.s3.object.key);
  });
  for (const Key of UPLOADS) await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'hello world' }));
  await cloud.whenIdle();
  const index = await waitFor('index/report 1.txt.json', async () => {
    try {
      const answer = await s3.send(new GetObjectCommand({ Bucket, Key: 'index/report 1.txt.json' }));
      return JSON.parse(await (answer.Body?.transformToString() ?? Promise.resolve('')));
    } catch {
      return undefined;
    }
  });
  const checks = [
    expectEqual('index written by the notified function', index, {
      key: 'incoming/report 1.txt',
      size: 11,
      event: 'ObjectCreated:Put',
    }),
  ];
  const unindexed = await s3
    .send(new HeadObjectCommand({ Bucket, Key: 'index/notes.txt.json' }))
    .then(() => 'indexed')
    .catch(() => 'not indexed');
  checks.push(expectEqual('upload outside the prefix filter', unindexed, 'not indexed'));
  s3.destroy();
  return checks;
}

/** Custom::S3AutoDeleteObjects got its Delete: every object, the index included, was removed. */
export function afterDestroy(): string[] {
  const expected = ['incoming/report+1.txt', 'index/report+1.txt.json', 'other/notes.txt'];
  return [expectEqual('objects removed by the stack deletion', [...removed].sort(), expected)];
}
