import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionError, LocalCloud } from '../../../emulator/local-cloud.ts';
import { startFixtureCloud } from '../../support/fixture-cloud.ts';

/** Inline code (Code.ZipFile), Python and Node.js, deployed from a fixture assembly. */
let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startFixtureCloud('inline');
});
afterAll(() => cloud?.stop());

describe('inline code (Code.ZipFile)', () => {
  it("runs a Python function on the machine's python3 with Lambda's event and context", async () => {
    const first = (await cloud.invoke('PythonFunction', { n: 1 })) as Record<string, unknown>;
    expect(first).toMatchObject({
      event: { n: 1 },
      calls: 1,
      function_name: cloud.functions.PythonFunction?.name,
      memory: 256,
      table: 'inline-table',
      urllib: 'urllib.request',
    });
    expect(first.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.remaining_ms).toBeGreaterThan(8000);
    expect(first.remaining_ms).toBeLessThanOrEqual(10_000);
    // warm: the module is loaded once
    expect(await cloud.invoke('PythonFunction', {})).toMatchObject({ calls: 2 });
    expect(cloud.logs('PythonFunction')).toContain('python got {"n": 1}');
  });

  it("reports a Python function's errors as AWS's Python runtime does", async () => {
    const failed = await cloud.invoke('PythonFunction', { fail: true }).catch((err: FunctionError) => err);
    expect(failed).toMatchObject({ errorType: 'ValueError', errorMessage: 'asked to fail' });
    const missing = await cloud.invoke('MissingHandlerFunction', {}).catch((err: FunctionError) => err);
    expect(missing).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: "Handler 'nothing' missing on module 'index'",
    });
  });

  it('runs inline Node.js code as index.js, CommonJS as on AWS', async () => {
    expect(await cloud.invoke('NodeFunction', { n: 2 })).toEqual({ node: true, event: { n: 2 } });
  });
});
