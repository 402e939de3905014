import { describe, expect, it } from 'vitest';
import {
  acceptsBinary,
  isBinaryBody,
  matchRoute,
  missingParameters,
  resourcePath,
} from '../../emulator/apigateway/routes.ts';
import type {
  ApiMethod,
  LambdaNotification,
  RestApiModel,
} from '../../emulator/cloudformation/cloud-model.ts';
import type { S3EventRecord } from '../../emulator/s3/event-records.ts';
import { matchesNotification } from '../../emulator/s3/notifications.ts';

function api(): RestApiModel {
  const method = (resourceId: string, httpMethod: string, extra: Partial<ApiMethod> = {}): ApiMethod => ({
    resourceId,
    httpMethod,
    integration: { type: 'AWS_PROXY', functionArn: `fn-${resourceId}-${httpMethod}` },
    requiredParameters: [],
    ...extra,
  });
  return {
    id: 'api1',
    name: 'Api',
    stack: 'S',
    logicalId: 'Api',
    rootResourceId: 'root',
    binaryMediaTypes: ['image/png'],
    resources: new Map([
      ['plot', { parentId: 'root', pathPart: 'plot' }],
      ['items', { parentId: 'root', pathPart: 'items' }],
      ['item', { parentId: 'items', pathPart: '{id}' }],
      ['special', { parentId: 'items', pathPart: 'special' }],
      ['proxy', { parentId: 'root', pathPart: '{proxy+}' }],
    ]),
    methods: [
      method('plot', 'GET', {
        requiredParameters: [
          { location: 'querystring', name: 'window' },
          { location: 'header', name: 'X-Token' },
        ],
        validatorId: 'v1',
      }),
      method('item', 'ANY'),
      method('item', 'DELETE'),
      method('special', 'GET'),
      method('proxy', 'ANY'),
      method('root', 'GET'),
    ],
    validators: new Map([['v1', { parameters: true, body: false }]]),
    stages: new Set(['dev']),
  };
}

describe('API routes', () => {
  it('builds full resource paths', () => {
    expect(resourcePath(api(), 'item')).toBe('/items/{id}');
    expect(resourcePath(api(), 'root')).toBe('/');
  });

  it('prefers literal segments, then {param}, then {proxy+}, and exact methods over ANY', () => {
    const a = api();
    expect(matchRoute(a, 'GET', '/items/special')?.resourcePath).toBe('/items/special');
    const item = matchRoute(a, 'GET', '/items/42');
    expect(item?.resourcePath).toBe('/items/{id}');
    expect(item?.pathParameters).toEqual({ id: '42' });
    expect(matchRoute(a, 'DELETE', '/items/42')?.method.httpMethod).toBe('DELETE');
    expect(matchRoute(a, 'PUT', '/items/42')?.method.httpMethod).toBe('ANY');
    const deep = matchRoute(a, 'POST', '/a/b/c%20d');
    expect(deep?.resourcePath).toBe('/{proxy+}');
    expect(deep?.pathParameters).toEqual({ proxy: 'a/b/c d' });
    expect(matchRoute(a, 'GET', '/')?.resourcePath).toBe('/');
    expect(matchRoute(a, 'POST', '/plot')?.resourcePath).toBe('/{proxy+}');
  });

  it('returns nothing when no method serves the path', () => {
    const a = { ...api(), methods: api().methods.filter((m) => m.resourceId !== 'proxy') };
    expect(matchRoute(a, 'GET', '/nowhere')).toBeUndefined();
    expect(matchRoute(a, 'POST', '/plot')).toBeUndefined();
  });

  it('lists required parameters missing when the validator checks parameters', () => {
    const a = api();
    const plot = a.methods[0] as ApiMethod;
    expect(missingParameters(a, plot, { query: new URLSearchParams(''), headers: {} })).toEqual([
      'window',
      'X-Token',
    ]);
    expect(
      missingParameters(a, plot, { query: new URLSearchParams('window=60'), headers: { 'x-token': 't' } }),
    ).toEqual([]);
    const unvalidated = { ...plot, validatorId: undefined } as ApiMethod;
    expect(missingParameters(a, unvalidated, { query: new URLSearchParams(''), headers: {} })).toEqual([]);
  });

  it('sends base64 bodies as bytes only when the first Accept type is a binary media type', () => {
    expect(acceptsBinary(['image/png'], 'image/png')).toBe(true);
    expect(acceptsBinary(['image/png'], 'image/png;q=0.9, text/html')).toBe(true);
    expect(acceptsBinary(['image/png'], 'text/html, image/png')).toBe(false);
    expect(acceptsBinary(['image/png'], undefined)).toBe(false);
    expect(acceptsBinary(['image/*'], 'image/jpeg')).toBe(true);
    expect(acceptsBinary(['image/png', '*/*'], 'application/json')).toBe(true);
    expect(isBinaryBody(['image/png'], 'image/png; charset=x')).toBe(true);
    expect(isBinaryBody(['image/png'], 'application/json')).toBe(false);
    expect(isBinaryBody(['*/*'], 'application/json')).toBe(true);
  });
});

function record(eventName: string, key: string, bucket = 'b1'): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: new Date(0).toISOString(),
    eventName: eventName as S3EventRecord['eventName'],
    userIdentity: { principalId: 'x' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'r', 'x-amz-id-2': 'i' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'c',
      bucket: { name: bucket, ownerIdentity: { principalId: 'o' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key, sequencer: '01' },
    },
  };
}

describe('matchesNotification', () => {
  const base: LambdaNotification = { bucket: 'b1', event: 's3:ObjectCreated:*', functionArn: 'fn' };

  it('matches event names with a trailing * and exact names', () => {
    expect(matchesNotification(base, record('ObjectCreated:Put', 'k'))).toBe(true);
    expect(matchesNotification(base, record('ObjectCreated:CompleteMultipartUpload', 'k'))).toBe(true);
    expect(matchesNotification(base, record('ObjectRemoved:Delete', 'k'))).toBe(false);
    const exact = { ...base, event: 's3:ObjectRemoved:Delete' };
    expect(matchesNotification(exact, record('ObjectRemoved:Delete', 'k'))).toBe(true);
    expect(matchesNotification(exact, record('ObjectRemoved:DeleteMarkerCreated', 'k'))).toBe(false);
    const lifecycle = { ...base, event: 's3:LifecycleExpiration:*' };
    expect(matchesNotification(lifecycle, record('LifecycleExpiration:Delete', 'k'))).toBe(true);
    expect(matchesNotification(base, record('ObjectCreated:Put', 'k', 'other-bucket'))).toBe(false);
  });

  it('applies prefix and suffix filters to the decoded key', () => {
    const filtered = { ...base, prefix: 'my dir/', suffix: '+1.txt' };
    expect(matchesNotification(filtered, record('ObjectCreated:Put', 'my+dir/a%2B1.txt'))).toBe(true);
    expect(matchesNotification(filtered, record('ObjectCreated:Put', 'my+dir/a+1.txt'))).toBe(false);
    expect(matchesNotification(filtered, record('ObjectCreated:Put', 'other/a%2B1.txt'))).toBe(false);
  });
});
