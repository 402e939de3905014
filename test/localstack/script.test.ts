import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { apiKeyHints, awsDeployRefusal, isLocalEndpoint } from '../../scripts/localstack.mjs';

const script = fileURLToPath(new URL('../../scripts/localstack.mjs', import.meta.url));
const nodeOnlyPath = dirname(process.execPath);

function runScript(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('scripts/localstack.mjs: make deploy / destroy (AWS)', () => {
  it.each([
    ['AWS_ENDPOINT_URL', 'http://localhost:4566'],
    ['AWS_ENDPOINT_URL', 'http://127.0.0.1:4566'],
    ['AWS_ENDPOINT_URL_S3', 'http://s3.localhost.localstack.cloud:4566'],
    ['AWS_ENDPOINT_URL_DYNAMODB', 'http://localstack:4566'],
    ['LOCALSTACK_HOSTNAME', 'localhost'],
  ])('refuses with %s=%s in the environment, in one line', async (name, value) => {
    for (const verb of ['deploy', 'destroy']) {
      const result = await runScript([verb], { [name]: value });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`refusing to touch AWS: ${name}=${value}`);
      expect(result.stdout).toBe('');
    }
  });

  it('deploys every stack of STAGE with plain cdk otherwise', async () => {
    const result = await runScript(['deploy', '--dry-run'], {
      STAGE: 'qa',
      AWS_ENDPOINT_URL: 'https://vpce.example.com',
    });
    expect(result).toMatchObject({
      code: 0,
      stdout: 'npx cdk deploy --all --outputs-file out/aws-outputs-qa.json -c stage=qa\n',
    });
    const destroy = await runScript(['destroy', '--dry-run'], {});
    expect(destroy.stdout).toBe('npx cdk destroy --all -c stage=dev\n');
  });

  it('says how to read the API key value from the outputs, on AWS and on LocalStack', () => {
    const outputs = { 'SizeTracker-dev-Plotting': { PlotApiKeyId: 'abc123defg', PlotApiUrl: 'https://x' } };
    expect(apiKeyHints(outputs)[1]).toBe(
      '  aws apigateway get-api-key --api-key abc123defg --include-value --query value --output text',
    );
    expect(apiKeyHints(outputs, 'http://localhost:4566')[1]).toMatch(
      /--endpoint-url http:\/\/localhost:4566$/,
    );
    expect(apiKeyHints({ S: { PlotApiUrl: 'https://x' } })).toEqual([]);
  });

  it('knows what a local endpoint is', () => {
    expect(isLocalEndpoint('http://localhost.localstack.cloud:4566')).toBe(true);
    expect(isLocalEndpoint('http://[::1]:4566')).toBe(true);
    expect(isLocalEndpoint('https://dynamodb.us-east-1.amazonaws.com')).toBe(false);
    expect(awsDeployRefusal({ LOCALSTACK_AUTH_TOKEN: 'x' })).toBeUndefined();
  });
});

describe('scripts/localstack.mjs: make deploy-local', () => {
  let server: Server;
  let endpoint = '';
  let bootstrapped = false;

  beforeAll(async () => {
    // Stands in for LocalStack's health endpoint and CloudFormation's DescribeStacks.
    server = createServer((req, res) => {
      if (req.url === '/_localstack/health') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ edition: 'community', version: '4.14.0', services: { s3: 'running' } }));
        return;
      }
      if (req.method === 'POST') {
        res.statusCode = bootstrapped ? 200 : 400;
        res.end(
          bootstrapped
            ? '<StackName>CDKToolkit</StackName><StackStatus>CREATE_COMPLETE</StackStatus>'
            : 'does not exist',
        );
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses without a LocalStack answering at the endpoint', async () => {
    const result = await runScript(['deploy-local', '--dry-run'], { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'error: deploy-local needs a running LocalStack, and nothing answers at http://127.0.0.1:9/_localstack/health: run `make local-up` first, or set AWS_ENDPOINT_URL to your LocalStack',
    );
  });

  it('refuses an AWS endpoint', async () => {
    const result = await runScript(['deploy-local'], {
      AWS_ENDPOINT_URL: 'https://cloudformation.us-east-1.amazonaws.com',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('needs a LocalStack endpoint');
  });

  it('bootstraps once, then deploys every stack with --require-approval never and an outputs file', async () => {
    bootstrapped = false;
    const first = await runScript(['deploy-local', '--dry-run'], { AWS_ENDPOINT_URL: endpoint });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('cdklocal bootstrap aws://000000000000/us-east-1 -c stage=dev');
    expect(first.stdout).toContain(
      'cdklocal deploy --all --require-approval never --outputs-file out/localstack-outputs-dev.json -c stage=dev',
    );
    bootstrapped = true;
    const second = await runScript(['deploy-local', '--dry-run'], { AWS_ENDPOINT_URL: endpoint });
    expect(second.stdout).toContain('already exists: skipping cdklocal bootstrap');
    expect(second.stdout).not.toContain('cdklocal bootstrap aws://');
  });
});

describe('scripts/localstack.mjs: make local-up / local-down', () => {
  it('says Docker is required, and what to do instead, when there is no docker command', async () => {
    for (const command of ['local-up', 'local-down']) {
      const result = await runScript([command], { PATH: nodeOnlyPath });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        'error: Docker is required for the LocalStack target: install Docker Desktop or Docker Engine, or use `make demo` for the embedded target',
      );
    }
  });
});
