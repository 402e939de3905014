import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { expectEqual, http, output } from '../../support.ts';

/** No token: 401; a denied one: 403; an allowed one: 200 with the authorizer's principal and context. */
export async function exercise(cloud: LocalCloud): Promise<string[]> {
  const url = `${output(cloud, 'ApiUrl').replace(/\/$/, '')}/me`;
  const call = async (token?: string) => {
    const answer = await http(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return [answer.status, answer.json];
  };
  return [
    expectEqual('no token', await call(), [401, { message: 'Unauthorized' }]),
    expectEqual('unknown token', await call('nobody'), [401, { message: 'Unauthorized' }]),
    expectEqual('denied token', await call('deny'), [
      403,
      { message: 'User is not authorized to access this resource with an explicit deny' },
    ]),
    expectEqual('allowed token', await call('allow-ana'), [200, { user: 'ana', plan: 'gold' }]),
  ];
}
