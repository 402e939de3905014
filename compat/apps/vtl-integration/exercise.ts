import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { clientsFor, expectEqual, http, output, waitFor } from '../../support.ts';

/** Templates both ways, an error selected by its pattern, and an Event invocation that lands later. */
export async function exercise(cloud: LocalCloud): Promise<string[]> {
  const base = output(cloud, 'ApiUrl').replace(/\/$/, '');
  const greeted = await http(`${base}/greeting?name=ana`, {
    headers: { 'content-type': 'application/json' },
  });
  const missing = await http(`${base}/greeting?name=nobody`, {
    headers: { 'content-type': 'application/json' },
  });
  const posted = await http(`${base}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'e-1', kind: 'signup' }),
  });
  const { documents } = clientsFor(cloud);
  const TableName = output(cloud, 'EventsTable');
  const stored = await waitFor('the recorder to store e-1', async () => {
    const { Item } = await documents.send(new GetCommand({ TableName, Key: { id: 'e-1' } }));
    return Item;
  });
  return [
    expectEqual(
      'GET /greeting',
      [greeted.status, greeted.json],
      [200, { message: 'hello ana', length: 9, via: 'GET' }],
    ),
    expectEqual(
      'GET /greeting for an error',
      [missing.status, missing.json],
      [404, { error: 'no such person: nobody' }],
    ),
    expectEqual('POST /events (Event invocation)', [posted.status, posted.json], [202, { accepted: true }]),
    expectEqual('event stored by the async function', stored, {
      id: 'e-1',
      body: { id: 'e-1', kind: 'signup' },
    }),
  ];
}
