// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Compose and GitHub Actions syntax, not JavaScript templates
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_LOCALSTACK_IMAGE, LOCALSTACK_SERVICES } from '../../integration/targets/localstack.ts';

const root = new URL('../../', import.meta.url);
const readYaml = (path: string) => parse(readFileSync(new URL(path, root), 'utf8'));

interface ComposeService {
  image: string;
  ports: string[];
  environment: Record<string, string | null>;
  volumes: string[];
  networks: string[];
  healthcheck: { test: string[]; interval: string; retries: number };
}

describe('docker-compose.yml', () => {
  const compose = readYaml('docker-compose.yml') as {
    services: Record<string, ComposeService>;
    networks: Record<string, { name: string }>;
  };
  const localstack = compose.services.localstack as ComposeService;

  it('pins localstack/localstack:4.14.0, overridable with LOCALSTACK_IMAGE', () => {
    expect(localstack.image).toBe('${LOCALSTACK_IMAGE:-localstack/localstack:4.14.0}');
    expect(DEFAULT_LOCALSTACK_IMAGE).toBe('localstack/localstack:4.14.0');
  });

  it('passes LOCALSTACK_AUTH_TOKEN through from the shell only when set', () => {
    // A key with no value: Compose takes it from the shell, and leaves it out when unset.
    expect(localstack.environment).toHaveProperty('LOCALSTACK_AUTH_TOKEN', null);
  });

  it('binds port 4566 to the loopback interface only', () => {
    expect(localstack.ports).toEqual(['127.0.0.1:4566:4566']);
  });

  it('checks health on /_localstack/health', () => {
    expect(localstack.healthcheck.test.join(' ')).toContain('http://localhost:4566/_localstack/health');
    expect(localstack.healthcheck.retries).toBeGreaterThan(0);
  });

  it('mounts the Docker socket so functions can run in their own containers', () => {
    expect(localstack.volumes).toEqual([
      '${LOCALSTACK_DOCKER_SOCK:-/var/run/docker.sock}:/var/run/docker.sock',
    ]);
  });

  it('puts LocalStack on a named network and runs functions on that same network', () => {
    const [network] = localstack.networks;
    expect(network).toBeDefined();
    const declared = compose.networks[network as string];
    expect(declared?.name).toBe(network);
    expect(localstack.environment.LAMBDA_DOCKER_NETWORK).toBe(declared?.name);
  });

  it('gives first invokes time to pull the runtime image', () => {
    expect(Number(localstack.environment.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT)).toBeGreaterThanOrEqual(300);
  });

  it('enables only the services the app and cdk bootstrap need, the same list as the Testcontainers target', () => {
    const services = String(localstack.environment.SERVICES).split(',');
    expect(new Set(services)).toEqual(new Set(LOCALSTACK_SERVICES));
    for (const needed of [
      's3',
      'dynamodb',
      'lambda',
      'apigateway',
      'cloudformation',
      'iam',
      'sts',
      'ssm',
      'events',
    ]) {
      expect(services).toContain(needed);
    }
    expect(services).not.toContain('sqs');
  });
});

describe('.github/workflows/ci.yml', () => {
  const workflow = readYaml('.github/workflows/ci.yml') as {
    on: Record<string, unknown>;
    env: Record<string, string>;
    jobs: Record<
      string,
      {
        'runs-on': string;
        steps: {
          name?: string;
          uses?: string;
          run?: string;
          with?: Record<string, unknown>;
          env?: Record<string, string>;
        }[];
      }
    >;
  };
  const job = workflow.jobs.test;
  const steps = job?.steps ?? [];
  const runs = steps.map((step) => step.run ?? '');

  it('runs on a host with Docker', () => {
    expect(job?.['runs-on']).toBe('ubuntu-latest');
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
  });

  it('sets up Node 24 with the npm cache and installs with npm ci', () => {
    const node = steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(node?.with).toMatchObject({ 'node-version': 24, cache: 'npm' });
    expect(runs).toContain('npm ci --no-audit --no-fund');
  });

  it('lints, runs the unit tests and the embedded suite, then the LocalStack suite, in that order', () => {
    const order = ['make lint', 'make test', 'make test-integration TARGET=localstack'].map((command) =>
      runs.findIndex((run) => run.trim() === command),
    );
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const unit = steps.find((step) => step.run?.trim() === 'make test');
    expect(unit?.env?.TARGET).toBe('embedded');
  });

  it('caches the LocalStack image keyed on its tag, and passes the auth token from secrets', () => {
    expect(workflow.env.LOCALSTACK_IMAGE).toBe(DEFAULT_LOCALSTACK_IMAGE);
    const cache = steps.find((step) => step.uses?.startsWith('actions/cache@'));
    expect(String(cache?.with?.key)).toContain('${{ env.LOCALSTACK_IMAGE }}');
    expect(runs.some((run) => run.includes('docker load'))).toBe(true);
    expect(runs.some((run) => run.includes('docker save'))).toBe(true);
    const integration = steps.find((step) => step.run?.includes('TARGET=localstack'));
    expect(integration?.env?.LOCALSTACK_AUTH_TOKEN).toBe('${{ secrets.LOCALSTACK_AUTH_TOKEN }}');
  });
});
