import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { expectEqual, http, output } from '../../support.ts';

/** GET /hello?name=ana over HTTP. */
export async function exercise(cloud: LocalCloud): Promise<string[]> {
  const answer = await http(`${output(cloud, 'ApiUrl').replace(/\/$/, '')}/hello?name=ana`);
  return [expectEqual('GET /hello', [answer.status, answer.json], [200, { hello: 'ana' }])];
}
