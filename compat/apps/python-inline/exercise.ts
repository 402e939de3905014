import type { LocalCloud } from '../../../emulator/local-cloud.ts';
import { expectEqual, invoke, output } from '../../support.ts';

/** A result, and a Python exception reported as Lambda reports it (errorType = the exception's class). */
export async function exercise(cloud: LocalCloud): Promise<string[]> {
  const name = output(cloud, 'FunctionName');
  const answer = await invoke(cloud, name, { numbers: [1, 2, 39] });
  const failed = await invoke(cloud, name, { nothing: true });
  const error = failed.payload as { errorType?: string; errorMessage?: string };
  return [
    expectEqual('Invoke payload', answer, {
      payload: { sum: 42, count: 3, function: name, greeting: 'hej' },
    }),
    expectEqual(
      'Invoke of a failing call',
      [failed.functionError, error.errorType, error.errorMessage],
      ['Unhandled', 'KeyError', "'numbers'"],
    ),
  ];
}
