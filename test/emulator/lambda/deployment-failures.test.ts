import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAssembly } from '../../../emulator/cloudformation/assembly.ts';
import { unsupportedFeatures } from '../../../emulator/cloudformation/deploy-plan.ts';
import { startLocalCloud } from '../../../emulator/local-cloud.ts';
import { handlerFor } from '../../../emulator/resource-handlers.ts';

const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', name);

/** Every process whose parent chain leads to this one, as `pid:start time` (a pid may be reused). */
function descendants(root = process.pid): Set<string> {
  const children = new Map<number, { pid: number; started: string }[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // fields after the command name, which may hold spaces and parentheses: state ppid ... starttime (22nd)
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), { pid: Number(entry), started: fields[19] ?? '' }]);
  }
  const found = new Set<string>();
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      found.add(`${child.pid}:${child.started}`);
      walk(child.pid);
    }
  };
  walk(root);
  return found;
}

const alive = (key: string) => {
  const [pid, started] = key.split(':');
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] === started;
  } catch {
    return false;
  }
};

describe('what the embedded cloud cannot run is named up front, in one message', () => {
  it('lists every unsupported type, runtime and integration type of every stack', () => {
    const problems = unsupportedFeatures(readAssembly(fixture('unsupported')).stacks, handlerFor);
    expect(problems).toEqual([
      'stack Unsupported-Functions, resource Network: resource type AWS::EC2::VPC is not supported',
      'stack Unsupported-Functions, resource JavaFunction (AWS::Lambda::Function): runtime java21 is not supported (supported: nodejs20.x, nodejs22.x, nodejs24.x, python3.x)',
      'stack Unsupported-Functions, resource OldNodeFunction (AWS::Lambda::Function): runtime nodejs16.x is not supported (supported: nodejs20.x, nodejs22.x, nodejs24.x, python3.x)',
      'stack Unsupported-Functions, resource ImageFunction (AWS::Lambda::Function): container images are not supported',
      'stack Unsupported-Api, resource GetProxy (AWS::ApiGateway::Method): integration type HTTP_PROXY is not supported (AWS_PROXY, AWS and MOCK are)',
      'stack Unsupported-Api, resource Distribution: resource type AWS::CloudFront::Distribution is not supported',
    ]);
  });

  it('refuses to start such an app before starting anything', async () => {
    const before = descendants();
    const lines: string[] = [];
    const error = await startLocalCloud({
      assemblyDir: fixture('unsupported'),
      stateDir: null,
      log: (line) => lines.push(line),
    }).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.message).toMatch(
      /^the embedded cloud cannot run this app \(6 problems, nothing was started\):\n- /,
    );
    expect(error?.message.split('\n')).toHaveLength(7);
    expect(lines).toEqual([]);
    expect([...descendants()].filter((key) => !before.has(key))).toEqual([]);
  });
});

describe('a deployment that fails', () => {
  it('leaves no process behind, DynamoDB Local included (the process tree is watched, nothing killed by name)', async () => {
    const before = descendants();
    // every process that appears under this one while the cloud starts and fails, even briefly
    const seen = new Set<string>();
    const watch = setInterval(() => {
      for (const key of descendants()) if (!before.has(key)) seen.add(key);
    }, 20);
    const error = await startLocalCloud({
      assemblyDir: fixture('failing-deploy'),
      stateDir: null,
      log: () => {},
    }).then(
      () => undefined,
      (err: Error) => err,
    );
    clearInterval(watch);
    expect(error?.message).toMatch(
      /resource Worker \(AWS::Lambda::Function\): no asset in cdk.out for Code.S3Key/,
    );
    // the cloud had started its processes (S3, DynamoDB Local's watchdog shell and its JVM) before failing
    expect(seen.size).toBeGreaterThanOrEqual(2);
    const remaining = [...seen].filter(alive);
    expect(remaining).toEqual([]);
  });
});
