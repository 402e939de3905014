import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { expectEqual, http, output } from '../../support.ts';

/**
 * No token: 401; a denied one: 403; an allowed one: 200 with the authorizer's principal and context,
 * and again from the authorizer's cache (CDK's default TTL) without invoking it.
 */
export async function exercise(cloud: LocalCloud): Promise<string[]> {
  const url = `${output(cloud, 'ApiUrl').replace(/\/$/, '')}/me`;
  const call = async (token?: string) => {
    const answer = await http(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return [answer.status, answer.json];
  };
  const invocations = () =>
    cloud.logs('AuthorizerFunction').filter((line) => line.startsWith('START')).length;
  const checks = [
    expectEqual('no token', await call(), [401, { message: 'Unauthorized' }]),
    expectEqual('unknown token', await call('nobody'), [401, { message: 'Unauthorized' }]),
    expectEqual('denied token', await call('deny'), [
      403,
      { message: 'User is not authorized to access this resource with an explicit deny' },
    ]),
    expectEqual('allowed token', await call('allow-ana'), [200, { user: 'ana', plan: 'gold' }]),
  ];
  const before = invocations();
  // no token: refused before the authorizer runs; the three tokens: one invocation each
  checks.push(expectEqual('authorizer invocations so far', before, 3));
  checks.push(
    expectEqual('allowed token again', await call('allow-ana'), [200, { user: 'ana', plan: 'gold' }]),
  );
  checks.push(expectEqual('authorizer invocations for the second call (cached)', invocations() - before, 0));
  return checks;
}
