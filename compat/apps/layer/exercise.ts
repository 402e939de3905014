import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { expectEqual, invoke, output } from '../../support.ts';

/** The function finds the layer's package. */
export async function exercise(cloud: LocalCloud): Promise<string[]> {
  const answer = await invoke(cloud, output(cloud, 'FunctionName'), { text: 'hi' });
  return [expectEqual('Invoke payload', answer, { payload: { text: 'HI!', layerPackage: '1.0.0' } })];
}
