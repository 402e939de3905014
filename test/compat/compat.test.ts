import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { describe, expect, inject, it } from 'vitest';
import { compatApp } from '../../compat/apps/cdk-app.ts';
import { missingDependency } from '../../compat/apps/index.ts';
import { childPids, leftBehind } from '../../compat/process-tree.ts';
import { runApp } from '../../compat/runner.ts';
import { expectEqual, invoke, output } from '../../compat/support.ts';
import { formatTable } from '../../compat/table.ts';
import { SUPPORTED_TYPES } from '../../emulator/resource-handlers.ts';

/** The compatibility runner (`make compat`) on its cheapest app, and the README's table against the registry. */

describe('make compat runner', () => {
  it('deploys the missing-dependency app and sees its function fail as on AWS, leaving no process behind', async () => {
    const before = childPids();
    const result = await runApp(missingDependency, inject('dynamodbEndpoint'));
    expect(result).toMatchObject({ app: 'missing-dependency', deployed: true, passed: true });
    expect(result.checks).toContain('Invoke error: ["Unhandled","Runtime.ImportModuleError"]');
    expect(childPids()).toEqual(before);
  });

  it('reports an app that deployed and then answered wrongly as deployed, not passed, with the difference', async () => {
    const result = await runApp(
      {
        ...missingDependency,
        name: 'wrong-expectation',
        exercise: async (cloud) => {
          const answer = await invoke(cloud, output(cloud, 'FunctionName'), { document: 'a: 1' });
          return [expectEqual('Invoke', answer.functionError, undefined)];
        },
      },
      inject('dynamodbEndpoint'),
    );
    expect(result).toMatchObject({
      deployed: true,
      passed: false,
      error: 'Invoke: expected undefined, got "Unhandled"',
    });
  });

  it('reports a refusal given up front as refused, having started nothing', async () => {
    const before = childPids();
    const result = await runApp(
      {
        name: 'unknown-type',
        uses: 'a resource type the embedded cloud has not (IoT)',
        synthesize(outdir) {
          const app = compatApp(outdir);
          new CfnResource(new Stack(app, 'Compat-Unknown'), 'Thing', { type: 'AWS::IoT::Thing' });
          app.synth();
        },
        exercise: async () => [],
      },
      inject('dynamodbEndpoint'),
    );
    expect(result).toMatchObject({
      deployed: false,
      passed: false,
      refusedWith: 'stack Compat-Unknown, resource Thing: resource type AWS::IoT::Thing is not supported',
    });
    expect(childPids()).toEqual(before);
  });

  it('sees a child process left behind (and not one that ended)', async () => {
    const before = childPids();
    const sleeper = spawn('sleep', ['30']);
    const quick = spawn('true');
    await new Promise((resolve) => quick.on('exit', resolve));
    expect(await leftBehind(before, 300)).toEqual([sleeper.pid]);
    sleeper.kill();
    await new Promise((resolve) => sleeper.on('exit', resolve));
    expect(await leftBehind(before, 300)).toEqual([]);
  });

  it('prints one row per app and the refusals after the table', () => {
    const table = formatTable([
      { app: 'a', uses: '', deployed: true, passed: true, seconds: 1.25 },
      {
        app: 'b',
        uses: '',
        deployed: false,
        passed: false,
        refusedWith: 'resource type X is not supported',
        seconds: 2,
      },
    ]);
    expect(table.split('\n')).toEqual([
      'app  deployed  result   time',
      'a    yes       passed   1.3 s',
      'b    no        refused  2.0 s',
      '',
      '1 of 2 deployed, 1 of 2 passed',
      '',
      'b: refused: resource type X is not supported',
    ]);
  });
});

describe('README compatibility table', () => {
  it('names every resource type of the registry (emulator/resource-handlers.ts)', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const start = readme.indexOf('## Compatibility');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    expect(SUPPORTED_TYPES.filter((type) => !section.includes(`\`${type}\``))).toEqual([]);
  });
});
