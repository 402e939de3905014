import { describe, expect, it } from 'vitest';
import {
  appOutputsFromStacks,
  cdklocalEnvironment,
  localizePlotApiUrl,
  localStackContainerEnvironment,
  localStackImage,
} from '../../integration/targets/localstack.ts';

// The shape of `cdklocal deploy --all --outputs-file` for the four stacks (values as LocalStack makes them).
const stackOutputs = {
  'SizeTracker-dev-Storage': {
    TableName: 'SizeTracker-dev-Storage-SizeHistory-1',
    LedgerTableName: 'ledger-1',
  },
  'SizeTracker-dev-SizeTracking': {
    BucketName: 'sizetracker-dev-tracked-abc',
    SizeTrackingFunctionName: 'tracker-fn',
    ReconcileFunctionName: 'reconcile-fn',
  },
  'SizeTracker-dev-Plotting': {
    PlotApiUrl: 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev/plot',
    ChartBucketName: 'charts-abc',
    PlotFunctionName: 'plot-fn',
    PlotApiKeyId: 'k3y1d00001',
  },
  'SizeTracker-dev-Driver': { DriverFunctionName: 'driver-fn' },
};

describe('LocalStack target: outputs', () => {
  it('maps the stack outputs to the app outputs, with the plot URL in LocalStack path form', () => {
    expect(appOutputsFromStacks(stackOutputs, 'http://localhost:49153')).toEqual({
      bucketName: 'sizetracker-dev-tracked-abc',
      historyTable: 'SizeTracker-dev-Storage-SizeHistory-1',
      ledgerTable: 'ledger-1',
      chartBucket: 'charts-abc',
      plotApiUrl: 'http://localhost:49153/_aws/execute-api/a1b2c3d4e5/dev/plot',
      plotApiKeyId: 'k3y1d00001',
      driverFunction: 'driver-fn',
      trackerFunction: 'tracker-fn',
      reconcileFunction: 'reconcile-fn',
    });
  });

  it('names the missing output and the stacks it looked in', () => {
    const { 'SizeTracker-dev-Driver': _driver, ...withoutDriver } = stackOutputs;
    expect(() => appOutputsFromStacks(withoutDriver, 'http://localhost:4566')).toThrow(
      /no "DriverFunctionName" in the SizeTracker-dev-\* stacks/,
    );
    expect(() => appOutputsFromStacks(stackOutputs, 'http://localhost:4566', 'prod')).toThrow(
      /SizeTracker-prod-/,
    );
  });

  it('rewrites execute-api URLs of either form, and refuses anything else', () => {
    expect(
      localizePlotApiUrl('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/plot', 'http://h:1/'),
    ).toBe('http://h:1/_aws/execute-api/abc123/prod/plot');
    expect(
      localizePlotApiUrl(
        'http://abc123.execute-api.localhost.localstack.cloud:4566/dev/plot',
        'http://localhost:4566',
      ),
    ).toBe('http://localhost:4566/_aws/execute-api/abc123/dev/plot');
    expect(() => localizePlotApiUrl('http://example.com/plot', 'http://localhost:4566')).toThrow(
      /not an API Gateway/,
    );
  });
});

describe('LocalStack target: configuration', () => {
  it('uses the pinned free image unless LOCALSTACK_IMAGE says otherwise', () => {
    expect(localStackImage({})).toBe('localstack/localstack:4.14.0');
    expect(localStackImage({ LOCALSTACK_IMAGE: 'localstack/localstack:latest' })).toBe(
      'localstack/localstack:latest',
    );
  });

  it('configures the container like docker-compose.yml, passing the auth token only when set', () => {
    const env = localStackContainerEnvironment({}, 'tc-net-1');
    expect(env).toMatchObject({
      LAMBDA_DOCKER_NETWORK: 'tc-net-1',
      LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT: '600',
    });
    expect(env).not.toHaveProperty('LOCALSTACK_AUTH_TOKEN');
    expect(
      localStackContainerEnvironment({ LOCALSTACK_AUTH_TOKEN: 'ls-123' }, 'n').LOCALSTACK_AUTH_TOKEN,
    ).toBe('ls-123');
  });

  it('runs cdklocal with dummy credentials against the container, never with the user AWS settings', () => {
    const env = cdklocalEnvironment(
      { PATH: '/bin', AWS_PROFILE: 'prod-admin', AWS_SESSION_TOKEN: 'secret', AWS_ACCESS_KEY_ID: 'AKIAREAL' },
      'http://localhost:49153',
    );
    expect(env).toMatchObject({
      PATH: '/bin',
      AWS_ENDPOINT_URL: 'http://localhost:49153',
      AWS_ENDPOINT_URL_S3: 'http://localhost:49153',
      AWS_S3_FORCE_PATH_STYLE: '1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_REGION: 'us-east-1',
    });
    expect(env).not.toHaveProperty('AWS_PROFILE');
    expect(env).not.toHaveProperty('AWS_SESSION_TOKEN');
  });
});
