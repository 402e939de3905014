import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { LambdaFunctionSpec } from '../../../emulator/cloudformation/cloud-model.ts';
import { LambdaRunner } from '../../../emulator/lambda/runner.ts';
import { RUNTIME_SDK_MODULES } from '../../../emulator/lambda/runtimes.ts';
import { fixtureFunction } from './fixture-function.ts';

/** Function code folders (test/emulator/fixtures/runtime/<name>): each one a LAMBDA_TASK_ROOT. */
const code = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'runtime', name);
// a generous timeout: a cold start that loads SDK clients takes seconds on a loaded machine
const fn = (name: string, folder: string, handler: string, extra: Partial<LambdaFunctionSpec> = {}) =>
  fixtureFunction(name, handler, { assetDir: code(folder), timeoutSeconds: 60, ...extra });

const runner = new LambdaRunner({
  region: 'eu-west-1',
  endpoints: { s3: 'http://127.0.0.1:1111', dynamodb: 'http://127.0.0.1:2222' },
});
const scratch = mkdtempSync(join(tmpdir(), 'runtime-test-'));
afterAll(async () => {
  await runner.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function failure(spec: LambdaFunctionSpec) {
  const outcome = await runner.invoke(spec, {});
  if (outcome.ok) throw new Error(`${spec.name} was expected to fail, returned ${JSON.stringify(outcome)}`);
  return outcome.error;
}

describe('module isolation: a function sees its own code, its layers and the runtime SDK only', () => {
  it("does not find an ESM import that only the project's node_modules has (yaml), worded as AWS's Node.js", async () => {
    const error = await failure(fn('missing-esm', 'missing-esm', 'index.handler'));
    expect(error.errorType).toBe('Error');
    expect(error.errorMessage).toBe(
      `Cannot find package 'yaml' imported from ${join(code('missing-esm'), 'index.mjs')}`,
    );
  });

  it('does not find a CommonJS require of it either: Runtime.ImportModuleError with the require stack', async () => {
    const error = await failure(fn('missing-cjs', 'missing-cjs', 'index.handler'));
    expect(error.errorType).toBe('Runtime.ImportModuleError');
    expect(error.errorMessage).toMatch(
      new RegExp(
        `^Error: Cannot find module 'yaml'\\nRequire stack:\\n- ${join(code('missing-cjs'), 'index.js')}(\\n|$)`,
      ),
    );
  });

  it("gives the runtime's AWS SDK v3 to ESM and CommonJS code, from the runtime SDK folder", async () => {
    const outcome = await runner.invoke(fn('sdk', 'sdk', 'index.handler'), {});
    expect(outcome.ok).toBe(true);
    const payload = (outcome as { payload: Record<string, unknown> }).payload;
    const sdkRoot = realpathSync(RUNTIME_SDK_MODULES);
    expect(fileURLToPath(String(payload.esm)).startsWith(sdkRoot)).toBe(true);
    expect(String(payload.cjs).startsWith(sdkRoot)).toBe(true);
    expect(payload).toMatchObject({ version: '3.1169.0', clients: true });
  });

  it('names what it ships when a client is not in the runtime SDK', async () => {
    const esm = await failure(fn('sdk-missing', 'sdk', 'index.missingClient'));
    expect(esm.errorMessage).toMatch(
      /^Cannot find package '@aws-sdk\/client-iot' imported from .*index\.mjs\n/,
    );
    expect(esm.errorMessage).toContain(
      "AWS's runtime provides every client: bundle this one with the function",
    );
    const cjs = await failure(fn('sdk-missing-cjs', 'sdk', 'index.missingClientCjs'));
    expect(cjs.errorMessage).toMatch(/^Cannot find module '@aws-sdk\/client-iot'/);
    expect(cjs.errorMessage).toContain('emulator/lambda/runtime-sdk/package.json');
  });

  it("resolves the function's own node_modules and a layer's nodejs/node_modules", async () => {
    const task = join(scratch, 'task');
    const layer = join(scratch, 'layer');
    for (const [dir, name, value] of [
      [join(task, 'node_modules', 'own-dep'), 'own-dep', 'own'],
      [join(layer, 'nodejs', 'node_modules', 'layer-dep'), 'layer-dep', 'layer'],
    ] as const) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, main: 'index.js' }));
      writeFileSync(join(dir, 'index.js'), `module.exports = () => '${value}';`);
    }
    writeFileSync(
      join(task, 'index.mjs'),
      "import own from 'own-dep';\nimport layer from 'layer-dep';\nexport const handler = async () => [own(), layer()];\n",
    );
    const outcome = await runner.invoke(
      fixtureFunction('layered', 'index.handler', { assetDir: task, layerDirs: [layer] }),
      {},
    );
    expect(outcome).toMatchObject({ ok: true, payload: ['own', 'layer'] });
  });
});

describe("handler rules of the declared runtime, worded as AWS's runtime interface client", () => {
  it('Runtime.HandlerNotFound for a missing export and for one that is not a function', async () => {
    expect(await failure(fn('no-export', 'handlers', 'index.nothing'))).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.nothing is undefined or not exported',
    });
    expect(await failure(fn('not-fn', 'handlers', 'index.notAFunction'))).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.notAFunction is not a function',
    });
    expect(await runner.invoke(fn('nested', 'handlers', 'index.nested.inner'), {})).toMatchObject({
      ok: true,
      payload: 'nested',
    });
  });

  it('Runtime.ImportModuleError for a missing handler module, Runtime.UserCodeSyntaxError for bad code', async () => {
    const missing = await failure(fn('no-module', 'handlers', 'absent.handler'));
    expect(missing.errorType).toBe('Runtime.ImportModuleError');
    expect(missing.errorMessage).toMatch(/^Error: Cannot find module 'absent'\nRequire stack:/);
    const broken = join(scratch, 'syntax');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'index.mjs'), "export const handler = async () => 'unclosed;\n");
    const syntax = await failure(fixtureFunction('syntax', 'index.handler', { assetDir: broken }));
    expect(syntax.errorType).toBe('Runtime.UserCodeSyntaxError');
    expect(syntax.errorMessage).toMatch(/^SyntaxError: /);
    expect(await failure(fn('dots', 'handlers', '../index.callback'))).toMatchObject({
      errorType: 'Runtime.MalformedHandlerName',
    });
  });

  it('refuses a callback handler on nodejs24.x, runs it on nodejs22.x and nodejs20.x', async () => {
    expect(await failure(fn('cb24', 'handlers', 'index.callback', { runtime: 'nodejs24.x' }))).toEqual(
      expect.objectContaining({
        errorType: 'Runtime.CallbackHandlerDeprecated',
        errorMessage:
          'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
      }),
    );
    for (const runtime of ['nodejs22.x', 'nodejs20.x']) {
      expect(
        await runner.invoke(fn(`cb-${runtime}`, 'handlers', 'index.callback', { runtime }), {}),
      ).toMatchObject({
        ok: true,
        payload: { via: 'callback' },
      });
    }
  });
});
