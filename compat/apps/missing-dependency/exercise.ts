import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { expectEqual, invoke, output } from '../../support.ts';

/** Fails as on AWS: Runtime.ImportModuleError naming the missing module, nothing found in the project. */
export async function exercise(cloud: LocalCloud): Promise<string[]> {
  const failed = await invoke(cloud, output(cloud, 'FunctionName'), { document: 'a: 1' });
  const error = failed.payload as { errorType?: string; errorMessage?: string };
  return [
    expectEqual(
      'Invoke error',
      [failed.functionError, error.errorType],
      ['Unhandled', 'Runtime.ImportModuleError'],
    ),
    expectEqual(
      'error message names the module',
      error.errorMessage?.startsWith("Error: Cannot find module 'yaml'"),
      true,
    ),
  ];
}
