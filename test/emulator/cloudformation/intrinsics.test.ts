// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is CloudFormation's Fn::Sub syntax here
import { describe, expect, it } from 'vitest';
import {
  evaluateConditions,
  NO_VALUE,
  type ResolveScope,
  resolveValue,
} from '../../../emulator/cloudformation/intrinsics.ts';

function scope(overrides: Partial<ResolveScope> = {}): ResolveScope {
  return {
    stackName: 'Demo-Stack',
    region: 'eu-west-1',
    accountId: '000000000000',
    partition: 'aws',
    urlSuffix: 'amazonaws.com',
    parameters: { Stage: 'dev', Bootstrap: undefined },
    resources: new Map([
      ['Bucket', { ref: 'demo-bucket-abc', attributes: { Arn: 'arn:aws:s3:::demo-bucket-abc' } }],
      [
        'Fn',
        { ref: 'demo-fn', attributes: { Arn: 'arn:aws:lambda:eu-west-1:000000000000:function:demo-fn' } },
      ],
    ]),
    exports: new Map([['Base:TableName', 'table-1']]),
    conditions: { IsProd: false, IsDev: true },
    mappings: { Sizes: { dev: { Memory: 256 } } },
    ...overrides,
  };
}

const resolve = (value: unknown, overrides?: Partial<ResolveScope>) =>
  resolveValue(value, scope(overrides), 'resource Thing');

describe('resolveValue', () => {
  it('resolves Ref to resources, parameters and pseudo parameters', () => {
    expect(resolve({ Ref: 'Bucket' })).toBe('demo-bucket-abc');
    expect(resolve({ Ref: 'Stage' })).toBe('dev');
    expect(resolve({ Ref: 'AWS::Region' })).toBe('eu-west-1');
    expect(resolve({ Ref: 'AWS::AccountId' })).toBe('000000000000');
    expect(resolve({ Ref: 'AWS::Partition' })).toBe('aws');
    expect(resolve({ Ref: 'AWS::URLSuffix' })).toBe('amazonaws.com');
    expect(resolve({ Ref: 'AWS::StackName' })).toBe('Demo-Stack');
  });

  it('drops properties and list items that resolve to AWS::NoValue', () => {
    expect(resolve({ Ref: 'AWS::NoValue' })).toBe(NO_VALUE);
    expect(resolve({ A: 1, B: { Ref: 'AWS::NoValue' }, C: ['x', { Ref: 'AWS::NoValue' }] })).toEqual({
      A: 1,
      C: ['x'],
    });
  });

  it('resolves Fn::GetAtt in list and string form', () => {
    expect(resolve({ 'Fn::GetAtt': ['Bucket', 'Arn'] })).toBe('arn:aws:s3:::demo-bucket-abc');
    expect(resolve({ 'Fn::GetAtt': 'Fn.Arn' })).toBe(
      'arn:aws:lambda:eu-west-1:000000000000:function:demo-fn',
    );
  });

  it('resolves Fn::Join over nested intrinsics', () => {
    expect(resolve({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, '/*']] })).toBe(
      'arn:aws:s3:::demo-bucket-abc/*',
    );
    expect(resolve({ 'Fn::Join': ['-', [{ Ref: 'AWS::Region' }, 1, true]] })).toBe('eu-west-1-1-true');
  });

  it('resolves Fn::Sub in string form, with attributes and escaped literals', () => {
    expect(resolve({ 'Fn::Sub': 'cdk-${AWS::AccountId}-${AWS::Region}' })).toBe('cdk-000000000000-eu-west-1');
    expect(resolve({ 'Fn::Sub': '${Bucket}|${Bucket.Arn}|${!Literal}' })).toBe(
      'demo-bucket-abc|arn:aws:s3:::demo-bucket-abc|${Literal}',
    );
  });

  it('resolves Fn::Sub in list form with its own variables first', () => {
    expect(resolve({ 'Fn::Sub': ['${Name}/${Stage}', { Name: { Ref: 'Bucket' }, Stage: 'override' }] })).toBe(
      'demo-bucket-abc/override',
    );
  });

  it('resolves Fn::Select and Fn::Split', () => {
    expect(resolve({ 'Fn::Split': [',', 'a,b,c'] })).toEqual(['a', 'b', 'c']);
    expect(resolve({ 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] })).toBe('b');
    expect(resolve({ 'Fn::Select': ['0', ['x', 'y']] })).toBe('x');
  });

  it('resolves Fn::ImportValue from earlier stacks', () => {
    expect(resolve({ 'Fn::ImportValue': 'Base:TableName' })).toBe('table-1');
  });

  it('resolves Fn::If, Fn::FindInMap, Fn::GetAZs and Fn::Base64', () => {
    expect(resolve({ 'Fn::If': ['IsProd', 'big', 'small'] })).toBe('small');
    expect(resolve({ 'Fn::If': ['IsDev', { Ref: 'AWS::NoValue' }, 'x'] })).toBe(NO_VALUE);
    expect(resolve({ 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'Memory'] })).toBe(256);
    expect(resolve({ 'Fn::GetAZs': '' })).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    expect(resolve({ 'Fn::Base64': 'hi' })).toBe('aGk=');
  });

  it('applies localizeUrl to Fn::Join and Fn::Sub results only', () => {
    const localizeUrl = (value: string) => value.replace('https://remote', 'http://local');
    expect(resolve({ 'Fn::Join': ['', ['https://remote', '/x']] }, { localizeUrl })).toBe('http://local/x');
    expect(resolve({ 'Fn::Sub': 'https://remote/${AWS::Region}' }, { localizeUrl })).toBe(
      'http://local/eu-west-1',
    );
    expect(resolve('https://remote/plain', { localizeUrl })).toBe('https://remote/plain');
  });

  it('names the stack, the resource and the reference when something cannot be resolved', () => {
    expect(() => resolve({ Ref: 'Missing' })).toThrow(/stack Demo-Stack, resource Thing: Ref Missing/);
    expect(() => resolve({ 'Fn::GetAtt': ['Bucket', 'WebsiteURL'] })).toThrow(
      /stack Demo-Stack, resource Thing: Fn::GetAtt Bucket\.WebsiteURL: unknown attribute \(known: Arn\)/,
    );
    expect(() => resolve({ 'Fn::GetAtt': ['Nope', 'Arn'] })).toThrow(
      /Fn::GetAtt Nope\.Arn: no such resource/,
    );
    expect(() => resolve({ 'Fn::ImportValue': 'Other:Thing' })).toThrow(
      /resource Thing: Fn::ImportValue Other:Thing: no stack deployed before this one exports that name/,
    );
    expect(() => resolve({ 'Fn::Sub': '${Nope.Arn}' })).toThrow(/Fn::GetAtt Nope\.Arn/);
    expect(() => resolve({ Ref: 'Bootstrap' })).toThrow(/parameter Bootstrap has no value/);
    expect(() => resolve({ 'Fn::Select': [5, ['a']] })).toThrow(/index 5 is out of range/);
    expect(() => resolve({ 'Fn::If': ['Unknown', 1, 2] })).toThrow(/unknown condition Unknown/);
    expect(() => resolve({ 'Fn::Cidr': ['10.0.0.0/16', 2, 8] })).toThrow(/Fn::Cidr is not supported/);
    expect(() => resolve({ 'Fn::Join': ['', 'not a list'] })).toThrow(/Fn::Join expects a list/);
  });
});

describe('evaluateConditions', () => {
  it('evaluates Fn::Equals, Fn::Or, Fn::And, Fn::Not and references between conditions', () => {
    const { conditions: _unused, ...base } = scope();
    const result = evaluateConditions(
      {
        Later: { 'Fn::Not': [{ Condition: 'InEurope' }] },
        InEurope: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] },
        Either: { 'Fn::Or': [{ Condition: 'Later' }, { 'Fn::Equals': ['a', 'a'] }] },
        Both: { 'Fn::And': [{ Condition: 'InEurope' }, { Condition: 'Later' }] },
      },
      base,
    );
    expect(result).toEqual({ Later: false, InEurope: true, Either: true, Both: false });
  });

  it('names the condition that refers to itself or to an unknown one', () => {
    const { conditions: _unused, ...base } = scope();
    expect(() => evaluateConditions({ Loop: { 'Fn::Not': [{ Condition: 'Loop' }] } }, base)).toThrow(
      /condition Loop refers to itself/,
    );
    expect(() => evaluateConditions({ A: { 'Fn::Not': [{ Condition: 'B' }] } }, base)).toThrow(
      /unknown condition B/,
    );
  });
});
