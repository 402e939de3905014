import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { clientsFor, expectEqual, output } from '../../support.ts';

/** Runs the schedule (as its timer would), then reads the run the function recorded. */
export async function exercise(cloud: LocalCloud): Promise<string[]> {
  await cloud.runSchedule();
  const { documents } = clientsFor(cloud);
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: output(cloud, 'RunsTable'),
      KeyConditionExpression: 'job = :job',
      ExpressionAttributeValues: { ':job': 'report' },
    }),
  );
  return [
    expectEqual(
      'runs recorded with the rule input',
      Items.map((item) => [item.job, item.scope]),
      [['report', 'all']],
    ),
  ];
}
