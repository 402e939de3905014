import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { expectEqual, invoke, output } from '../../support.ts';

/** Lambda's Invoke through the SDK, by the name the stack output gives. */
export async function exercise(cloud: LocalCloud): Promise<string[]> {
  const name = output(cloud, 'FunctionName');
  const answer = await invoke(cloud, name, { name: 'ana' });
  return [expectEqual('Invoke payload', answer, { payload: { message: 'hello ana', functionName: name } })];
}
