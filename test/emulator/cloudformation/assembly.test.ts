import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localizeExecuteApiUrl } from '../../../emulator/apigateway/execute-api-url.ts';
import { orderStacks, readAssembly } from '../../../emulator/cloudformation/assembly.ts';
import { creationOrder } from '../../../emulator/cloudformation/deploy-plan.ts';
import { assertSupported } from '../../../emulator/cloudformation/deployer.ts';
import { physicalName, shortId } from '../../../emulator/cloudformation/naming.ts';
import type { Template } from '../../../emulator/cloudformation/template.ts';
import { handlerFor } from '../../../emulator/resource-handlers.ts';
import { newerSourceThan } from '../../../emulator/services/stale-check.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'assembly');
const scratch: string[] = [];

function copyOfFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assembly-test-'));
  scratch.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('readAssembly', () => {
  it('reads the stacks in dependency order, with templates and asset folders', () => {
    const assembly = readAssembly(FIXTURE);
    expect(assembly.stacks.map((stack) => stack.name)).toEqual(['Fixture-Base', 'Fixture-App']);
    expect(assembly.stacks[1]?.dependencies).toEqual(['Fixture-Base']);
    expect(Object.keys(assembly.stacks[0]?.template.Resources ?? {})).toContain('Items');
    expect(assembly.assets.get('echo.zip')).toBe(join(FIXTURE, 'asset.echo'));
    expect(assembly.assets.get('echo')).toBe(join(FIXTURE, 'asset.echo'));
  });

  it('says to synthesize when the manifest is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'assembly-empty-'));
    scratch.push(dir);
    expect(() => readAssembly(dir)).toThrow(/manifest\.json not found: run `npx cdk synth` first/);
  });

  it('names the file that is malformed or missing', () => {
    const broken = copyOfFixture();
    writeFileSync(join(broken, 'Fixture-App.template.json'), '{ not json');
    expect(() => readAssembly(broken)).toThrow(/Fixture-App\.template\.json is not valid JSON/);

    const missing = copyOfFixture();
    rmSync(join(missing, 'Fixture-App.assets.json'));
    expect(() => readAssembly(missing)).toThrow(/Fixture-App\.assets\.json not found/);

    const noResources = copyOfFixture();
    writeFileSync(join(noResources, 'Fixture-Base.template.json'), '{}');
    expect(() => readAssembly(noResources)).toThrow(
      /Fixture-Base\.template\.json has no "Resources" section/,
    );
  });
});

describe('orderStacks', () => {
  it('puts dependencies first and keeps the given order otherwise', () => {
    const stacks = [
      { name: 'Driver', dependencies: ['Plotting', 'Tracking'] },
      { name: 'Plotting', dependencies: ['Storage', 'Tracking'] },
      { name: 'Tracking', dependencies: ['Storage'] },
      { name: 'Storage', dependencies: [] },
    ];
    expect(orderStacks(stacks).map((s) => s.name)).toEqual(['Storage', 'Tracking', 'Plotting', 'Driver']);
  });

  it('reports cycles and unknown dependencies', () => {
    expect(() =>
      orderStacks([
        { name: 'A', dependencies: ['B'] },
        { name: 'B', dependencies: ['A'] },
      ]),
    ).toThrow(/stack dependency cycle: A -> B -> A/);
    expect(() => orderStacks([{ name: 'A', dependencies: ['Ghost'] }])).toThrow(/A depends on Ghost/);
  });
});

describe('creationOrder', () => {
  it('creates referenced resources (Ref, GetAtt, Sub, DependsOn) first', () => {
    const template: Template = {
      Parameters: { Stage: { Type: 'String' } },
      Resources: {
        Bucket: { Type: 'AWS::S3::Bucket', DependsOn: 'Permission', Properties: { Name: { Ref: 'Stage' } } },
        Permission: {
          Type: 'AWS::Lambda::Permission',
          Properties: { FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
        },
        Fn: {
          Type: 'AWS::Lambda::Function',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub syntax
          Properties: { Role: { 'Fn::Sub': '${Role.Arn}-${AWS::Region}-${!Skip}' } },
        },
        Role: { Type: 'AWS::IAM::Role' },
      },
    };
    expect(creationOrder('S', template)).toEqual(['Role', 'Fn', 'Permission', 'Bucket']);
  });

  it('reports references to undeclared resources and cycles, naming the stack', () => {
    expect(() =>
      creationOrder('S', { Resources: { A: { Type: 'T', Properties: { X: { Ref: 'Nope' } } } } }),
    ).toThrow(/stack S, resource A: refers to Nope/);
    expect(() =>
      creationOrder('S', {
        Resources: { A: { Type: 'T', DependsOn: ['B'] }, B: { Type: 'T', Properties: { X: { Ref: 'A' } } } },
      }),
    ).toThrow(/stack S: circular dependency A -> B -> A/);
  });
});

describe('assertSupported', () => {
  it('names the unsupported type, the logical id and the stack', () => {
    const stack = {
      name: 'My-Stack',
      templateFile: 'x',
      dependencies: [],
      template: {
        Resources: {
          Domain: { Type: 'AWS::OpenSearchService::Domain' },
          Role: { Type: 'AWS::IAM::Role' },
          Stream: { Type: 'AWS::Kinesis::Stream' },
        },
      },
    };
    expect(() => assertSupported(stack, handlerFor)).toThrow(
      'stack My-Stack uses resource types the embedded cloud does not support: AWS::OpenSearchService::Domain (resource Domain), AWS::Kinesis::Stream (resource Stream)',
    );
  });
});

describe('physicalName', () => {
  it('makes valid, stable bucket names from stack and logical id', () => {
    const request = { seed: 's1', stack: 'SizeTracker-dev-SizeTracking', logicalId: 'TrackedBucket27615472' };
    const name = physicalName({ ...request, maxLength: 63, lowercase: true });
    expect(name).toMatch(/^sizetracker-dev-sizetracking-trackedbucket27615472-[a-z0-9]{12}$/);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(physicalName({ ...request, maxLength: 63, lowercase: true })).toBe(name);
    expect(physicalName({ ...request, seed: 's2', maxLength: 63, lowercase: true })).not.toBe(name);
  });

  it('trims long stack names and logical ids to the limit', () => {
    const name = physicalName({
      seed: 's',
      stack: 'A-Very-Long-Stack-Name-That-Goes-On-And-On',
      logicalId: 'AnEquallyLongLogicalIdentifierForAFunction0123',
      maxLength: 64,
    });
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^A-Very-Long-Stack-Name.*-AnEquallyLong.*-[A-Z0-9]{12}$/);
  });

  it('makes short ids of the requested length', () => {
    expect(shortId('seed', ['a'], 10)).toMatch(/^[a-z0-9]{10}$/);
    expect(shortId('seed', ['a'], 40)).toHaveLength(40);
  });
});

describe('localizeExecuteApiUrl', () => {
  const known = (id: string) => id === 'abc123';
  it('turns a known API URL into the local path form', () => {
    expect(
      localizeExecuteApiUrl(
        'https://abc123.execute-api.eu-west-1.amazonaws.com/dev/plot',
        known,
        'http://127.0.0.1:9',
      ),
    ).toBe('http://127.0.0.1:9/_aws/execute-api/abc123/dev/plot');
    expect(
      localizeExecuteApiUrl('https://abc123.execute-api.us-east-1.amazonaws.com', known, 'http://h'),
    ).toBe('http://h/_aws/execute-api/abc123/');
  });

  it('leaves other URLs and unknown APIs alone', () => {
    expect(
      localizeExecuteApiUrl('https://zzz.execute-api.us-east-1.amazonaws.com/dev/', known, 'http://h'),
    ).toBe('https://zzz.execute-api.us-east-1.amazonaws.com/dev/');
    expect(
      localizeExecuteApiUrl('arn:aws:execute-api:us-east-1:0:abc123/dev/GET/plot', known, 'http://h'),
    ).toBe('arn:aws:execute-api:us-east-1:0:abc123/dev/GET/plot');
  });
});

describe('newerSourceThan', () => {
  it('finds a source file newer than the manifest, skipping node_modules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stale-'));
    scratch.push(dir);
    mkdirSync(join(dir, 'infra', 'node_modules'), { recursive: true });
    writeFileSync(join(dir, 'infra', 'app.ts'), '');
    writeFileSync(join(dir, 'infra', 'node_modules', 'x.js'), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'infra', 'app.ts'), old, old);
    const manifestTime = Date.now() - 30_000;
    expect(newerSourceThan(manifestTime, [join(dir, 'infra'), join(dir, 'missing')])).toBeUndefined();
    writeFileSync(join(dir, 'infra', 'app.ts'), 'changed');
    expect(newerSourceThan(manifestTime, [join(dir, 'infra')])).toBe(join(dir, 'infra', 'app.ts'));
  });
});
