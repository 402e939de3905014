import { describe, expect, it } from 'vitest';
import {
  type FilterableAttribute,
  FilterPolicyError,
  matchesFilterPolicy,
  parseFilterPolicy,
} from '../../../emulator/sns/filter-policy.ts';

const str = (StringValue: string): FilterableAttribute => ({ DataType: 'String', StringValue });
const num = (StringValue: string): FilterableAttribute => ({ DataType: 'Number', StringValue });
const arr = (values: unknown[]): FilterableAttribute => ({
  DataType: 'String.Array',
  StringValue: JSON.stringify(values),
});

function byAttributes(policy: unknown, attributes: Record<string, FilterableAttribute>): boolean {
  return matchesFilterPolicy(parseFilterPolicy(JSON.stringify(policy)), { attributes, body: 'ignored' });
}

function byBody(policy: unknown, body: unknown): boolean {
  return matchesFilterPolicy(parseFilterPolicy(JSON.stringify(policy), 'MessageBody'), {
    attributes: {},
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('filter policies on message attributes', () => {
  it('matches exact strings, OR within a list, AND across keys', () => {
    const policy = { color: ['red', 'blue'], size: ['large'] };
    expect(byAttributes(policy, { color: str('red'), size: str('large') })).toBe(true);
    expect(byAttributes(policy, { color: str('blue'), size: str('large') })).toBe(true);
    expect(byAttributes(policy, { color: str('green'), size: str('large') })).toBe(false);
    expect(byAttributes(policy, { color: str('red') })).toBe(false); // size missing
    expect(byAttributes(policy, { color: str('red'), size: str('large'), other: str('x') })).toBe(true);
    expect(byAttributes(policy, { color: str('Red'), size: str('large') })).toBe(false); // case matters
  });

  it('types values: numbers match Number attributes, strings match String attributes', () => {
    expect(byAttributes({ price: [100] }, { price: num('100') })).toBe(true);
    expect(byAttributes({ price: [100] }, { price: num('1.0e2') })).toBe(true);
    expect(byAttributes({ price: [100] }, { price: str('100') })).toBe(false);
    expect(byAttributes({ price: ['100'] }, { price: num('100') })).toBe(false);
  });

  it('matches prefix, suffix and equals-ignore-case', () => {
    expect(byAttributes({ key: [{ prefix: 'bl' }] }, { key: str('blue') })).toBe(true);
    expect(byAttributes({ key: [{ prefix: 'bl' }] }, { key: str('red') })).toBe(false);
    expect(byAttributes({ key: [{ suffix: 'ue' }] }, { key: str('blue') })).toBe(true);
    expect(byAttributes({ key: [{ 'equals-ignore-case': 'BLUE' }] }, { key: str('Blue') })).toBe(true);
    expect(byAttributes({ key: [{ prefix: '1' }] }, { key: num('10') })).toBe(false); // strings only
  });

  it('matches anything-but values and prefixes, only when the attribute is there', () => {
    const policy = { size: [{ 'anything-but': ['small', 'medium'] }] };
    expect(byAttributes(policy, { size: str('large') })).toBe(true);
    expect(byAttributes(policy, { size: str('small') })).toBe(false);
    expect(byAttributes(policy, {})).toBe(false);
    expect(byAttributes({ size: [{ 'anything-but': 'small' }] }, { size: str('large') })).toBe(true);
    expect(byAttributes({ price: [{ 'anything-but': [100, 500] }] }, { price: num('101') })).toBe(true);
    expect(byAttributes({ price: [{ 'anything-but': [100, 500] }] }, { price: num('100') })).toBe(false);
    expect(byAttributes({ key: [{ 'anything-but': { prefix: 'test-' } }] }, { key: str('prod-1') })).toBe(
      true,
    );
    expect(byAttributes({ key: [{ 'anything-but': { prefix: 'test-' } }] }, { key: str('test-1') })).toBe(
      false,
    );
  });

  it('matches numeric comparisons and ranges', () => {
    const range = { price: [{ numeric: ['>', 0, '<=', 150] }] };
    expect(byAttributes(range, { price: num('150') })).toBe(true);
    expect(byAttributes(range, { price: num('0') })).toBe(false);
    expect(byAttributes(range, { price: num('150.01') })).toBe(false);
    expect(byAttributes(range, { price: str('100') })).toBe(false);
    expect(byAttributes({ price: [{ numeric: ['=', 301.5] }] }, { price: num('3.015e2') })).toBe(true);
    expect(byAttributes({ price: [{ numeric: ['>=', 100] }] }, { price: num('99.9') })).toBe(false);
    expect(byAttributes({ price: [{ numeric: ['<', 0] }] }, { price: num('-1') })).toBe(true);
  });

  it('matches exists true and false', () => {
    expect(byAttributes({ store: [{ exists: true }] }, { store: str('x') })).toBe(true);
    expect(byAttributes({ store: [{ exists: true }] }, {})).toBe(false);
    expect(byAttributes({ store: [{ exists: false }] }, {})).toBe(true);
    expect(byAttributes({ store: [{ exists: false }] }, { store: str('x') })).toBe(false);
    expect(byAttributes({ blob: [{ exists: true }] }, { blob: { DataType: 'Binary' } })).toBe(true);
  });

  it('matches String.Array attributes when any element matches', () => {
    expect(byAttributes({ tags: ['b'] }, { tags: arr(['a', 'b']) })).toBe(true);
    expect(byAttributes({ tags: ['c'] }, { tags: arr(['a', 'b']) })).toBe(false);
    expect(byAttributes({ tags: [{ numeric: ['>', 5] }] }, { tags: arr(['a', 10]) })).toBe(true);
  });

  it('matches IPv4 addresses by CIDR', () => {
    expect(byAttributes({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: str('10.0.0.255') })).toBe(true);
    expect(byAttributes({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: str('10.0.1.0') })).toBe(false);
  });

  it('splits a policy into alternatives with $or', () => {
    const policy = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
    };
    expect(byAttributes(policy, { source: str('aws.cloudwatch'), namespace: str('AWS/EC2') })).toBe(true);
    expect(byAttributes(policy, { source: str('aws.cloudwatch'), metricName: str('CPUUtilization') })).toBe(
      true,
    );
    expect(byAttributes(policy, { source: str('aws.cloudwatch') })).toBe(false);
    expect(byAttributes(policy, { namespace: str('AWS/EC2') })).toBe(false);
  });
});

describe('filter policies on the message body', () => {
  it('matches nested properties and arrays in the JSON body', () => {
    const policy = { patient: { address: { city: ['Paris'] } }, status: [{ 'anything-but': 'closed' }] };
    expect(byBody(policy, { patient: { address: { city: 'Paris' } }, status: 'open' })).toBe(true);
    expect(byBody(policy, { patient: { address: { city: 'Lyon' } }, status: 'open' })).toBe(false);
    expect(
      byBody(policy, {
        patient: [{ address: { city: 'Lyon' } }, { address: { city: 'Paris' } }],
        status: 'x',
      }),
    ).toBe(true);
    expect(byBody({ codes: [5] }, { codes: [1, 5, 9] })).toBe(true);
    expect(byBody({ flag: [true] }, { flag: true })).toBe(true);
    expect(byBody({ gone: [null] }, { gone: null })).toBe(true);
    expect(byBody({ gone: [{ exists: false }] }, { other: 1 })).toBe(true);
    expect(byBody({ price: [{ numeric: ['>', 10] }] }, { price: '20' })).toBe(false); // a string is not a number
  });

  it('matches nothing when the body is not a JSON object', () => {
    expect(byBody({ a: ['b'] }, 'plain text')).toBe(false);
    expect(byBody({ a: ['b'] }, [{ a: 'b' }])).toBe(false);
  });
});

describe('filter policy validation', () => {
  const refused = (policy: string, scope?: 'MessageAttributes' | 'MessageBody') => {
    try {
      parseFilterPolicy(policy, scope);
    } catch (err) {
      expect(err).toBeInstanceOf(FilterPolicyError);
      return (err as Error).message;
    }
    throw new Error(`accepted ${policy}`);
  };

  it('refuses malformed policies with a reason', () => {
    expect(refused('{')).toBe('failed to parse JSON.');
    expect(refused('[]')).toBe('Filter policy must be a JSON object');
    expect(refused('{"a": "b"}')).toBe('"a" must be an object or an array');
    expect(refused('{"a": [{"prefox": "b"}]}')).toMatch(/^Unrecognized match type prefox/);
    expect(refused('{"a": [{"numeric": [">", "x"]}]}')).toMatch(/^Value of > must be numeric/);
    expect(refused('{"a": [{"numeric": ["<", 5, ">", 1]}]}')).toMatch(/^Bad numeric range operator/);
    expect(refused('{"a": [{"numeric": [">", 5, "<", 1]}]}')).toMatch(/^Bottom must be less than top/);
    expect(refused('{"a": [{"exists": "yes"}]}')).toMatch(
      /^exists match pattern must be either true or false/,
    );
    expect(refused('{"a": {"b": ["c"]}}')).toBe(
      'Filter policy scope MessageAttributes does not support nested filter policy',
    );
    expect(refused('{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}')).toBe(
      'Filter policy can not have more than 5 keys',
    );
  });

  it('refuses a policy of more than 150 combinations', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    expect(() => parseFilterPolicy(JSON.stringify({ a: values(10), b: values(15) }))).not.toThrow();
    expect(refused(JSON.stringify({ a: values(10), b: values(16) }))).toBe('Filter policy is too complex');
  });

  it('accepts nested policies for the message body', () => {
    expect(() => parseFilterPolicy('{"a": {"b": ["c"]}}', 'MessageBody')).not.toThrow();
  });
});
