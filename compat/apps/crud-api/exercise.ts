import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { expectEqual, http, output } from '../../support.ts';

/** Create, read, update, list and delete an item over HTTP, as a client of the API would. */
export async function exercise(cloud: LocalCloud): Promise<string[]> {
  const base = output(cloud, 'ApiUrl').replace(/\/$/, '');
  const json = { 'content-type': 'application/json' };
  const checks: string[] = [];
  const created = await http(`${base}/items`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ name: 'kettle', price: 30 }),
  });
  checks.push(expectEqual('POST /items status', created.status, 201));
  const { id } = created.json as { id: string };
  // the generated id, masked so that the checks (and compat/results.json) read the same on every run
  const masked = (value: unknown) => JSON.parse(JSON.stringify(value).replaceAll(id, '<id>'));
  const read = await http(`${base}/items/${id}`);
  checks.push(expectEqual('GET /items/{id}', masked(read.json), { name: 'kettle', price: 30, id: '<id>' }));
  const updated = await http(`${base}/items/${id}`, {
    method: 'PUT',
    headers: json,
    body: JSON.stringify({ name: 'kettle', price: 25 }),
  });
  checks.push(expectEqual('PUT /items/{id} status', updated.status, 200));
  const listed = await http(`${base}/items`);
  checks.push(expectEqual('GET /items', masked(listed.json), [{ name: 'kettle', price: 25, id: '<id>' }]));
  checks.push(
    expectEqual('DELETE status', (await http(`${base}/items/${id}`, { method: 'DELETE' })).status, 204),
  );
  checks.push(expectEqual('GET after DELETE', (await http(`${base}/items/${id}`)).status, 404));
  const unknown = await http(`${base}/nothing-here`);
  checks.push(
    expectEqual(
      'unknown path',
      [unknown.status, unknown.json],
      [403, { message: 'Missing Authentication Token' }],
    ),
  );
  return checks;
}
