import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { clientsFor, expectEqual, output, waitFor } from '../../support.ts';

/** An upload travels the chain into the consumer's table. */
export async function exercise(cloud: LocalCloud): Promise<string[]> {
  const { s3, documents } = clientsFor(cloud);
  await s3.send(
    new PutObjectCommand({ Bucket: output(cloud, 'BucketName'), Key: 'photo.jpg', Body: 'jpeg!' }),
  );
  s3.destroy();
  const TableName = output(cloud, 'SeenTable');
  const item = await waitFor('the consumer to record photo.jpg', async () => {
    const { Item } = await documents.send(new GetCommand({ TableName, Key: { key: 'photo.jpg' } }));
    return Item;
  });
  return [expectEqual('recorded by the consumer', [item.key, item.size], ['photo.jpg', 5])];
}
