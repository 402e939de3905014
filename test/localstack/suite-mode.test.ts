import { describe, expect, it } from 'vitest';
import {
  type DockerHost,
  dockerAvailability,
  findDockerHost,
  localStackSuiteMode,
  parseDockerHost,
} from '../../integration/targets/docker.ts';

const noDocker = {
  available: false as const,
  reason: 'no Docker runtime found: /var/run/docker.sock does not exist and DOCKER_HOST is not set',
};
const docker = { available: true as const, host: 'unix:///var/run/docker.sock' };

describe('localStackSuiteMode', () => {
  it('runs the suite when Docker is there', () => {
    expect(localStackSuiteMode({}, docker)).toEqual({ run: true });
    expect(localStackSuiteMode({ TARGET: 'localstack' }, docker)).toEqual({ run: true });
  });

  it('skips with the reason when Docker is missing and no target was asked for', () => {
    const mode = localStackSuiteMode({}, noDocker);
    expect(mode).toEqual({ skip: noDocker.reason });
  });

  it('fails, naming Docker, when TARGET=localstack is asked for without Docker', () => {
    const mode = localStackSuiteMode({ TARGET: 'LocalStack ' }, noDocker);
    expect(mode).toHaveProperty('fail');
    const message = (mode as { fail: string }).fail;
    expect(message).toMatch(/Docker/);
    expect(message).toContain('TARGET=localstack');
    expect(message).toContain(noDocker.reason);
  });

  it('skips when another target is selected, even with Docker (CI runs the LocalStack suite in its own step)', () => {
    expect(localStackSuiteMode({ TARGET: 'embedded' }, docker)).toEqual({
      skip: 'TARGET=embedded selects another target',
    });
  });
});

describe('dockerAvailability', () => {
  it('explains that neither the socket nor DOCKER_HOST is there', async () => {
    const result = await dockerAvailability({ env: { HOME: '/nonexistent' }, exists: () => false });
    expect(result).toEqual({
      available: false,
      reason: 'no Docker runtime found: /var/run/docker.sock does not exist and DOCKER_HOST is not set',
    });
  });

  it('pings the socket it finds and reports an engine that does not answer', async () => {
    const pinged: DockerHost[] = [];
    const result = await dockerAvailability({
      env: { HOME: '/nonexistent' },
      exists: (path) => path === '/var/run/docker.sock',
      ping: async (host) => {
        pinged.push(host);
        throw new Error('ECONNREFUSED');
      },
    });
    expect(pinged).toEqual([
      { kind: 'socket', path: '/var/run/docker.sock', uri: 'unix:///var/run/docker.sock' },
    ]);
    expect(result.available).toBe(false);
    expect((result as { reason: string }).reason).toContain(
      'no Docker engine answers at unix:///var/run/docker.sock (ECONNREFUSED)',
    );
  });

  it('is available when the engine answers the ping', async () => {
    const result = await dockerAvailability({
      env: { DOCKER_HOST: 'tcp://127.0.0.1:2375' },
      exists: () => false,
      ping: async () => undefined,
    });
    expect(result).toEqual({ available: true, host: 'tcp://127.0.0.1:2375' });
  });

  it('answers within 2 s on this machine', async () => {
    const started = Date.now();
    const result = await dockerAvailability();
    expect(Date.now() - started).toBeLessThan(2000);
    if (!result.available) expect(result.reason).toMatch(/Docker/);
  });

  it('times a silent engine out instead of hanging', async () => {
    const { createServer } = await import('node:net');
    const server = createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const started = Date.now();
    const result = await dockerAvailability({
      env: { DOCKER_HOST: `tcp://127.0.0.1:${port}` },
      timeoutMs: 300,
    });
    server.close();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(result.available).toBe(false);
    expect((result as { reason: string }).reason).toContain('no answer within 300 ms');
  });
});

describe('findDockerHost', () => {
  it('follows Testcontainers: DOCKER_HOST first, then the default socket, then rootless / Desktop sockets', () => {
    expect(findDockerHost({ DOCKER_HOST: 'unix:///tmp/d.sock' }, () => true)).toEqual(
      parseDockerHost('unix:///tmp/d.sock'),
    );
    expect(findDockerHost({ HOME: '/h' }, (p) => p === '/var/run/docker.sock')?.uri).toBe(
      'unix:///var/run/docker.sock',
    );
    expect(
      findDockerHost(
        { HOME: '/h', XDG_RUNTIME_DIR: '/run/user/1000' },
        (p) => p === '/run/user/1000/docker.sock',
      )?.uri,
    ).toBe('unix:///run/user/1000/docker.sock');
    expect(findDockerHost({ HOME: '/h' }, (p) => p === '/h/.docker/run/docker.sock')?.uri).toBe(
      'unix:///h/.docker/run/docker.sock',
    );
    expect(findDockerHost({ HOME: '/h' }, () => false)).toBeUndefined();
  });

  it('understands tcp, TLS and ssh hosts', () => {
    expect(parseDockerHost('tcp://10.0.0.2:2376', { DOCKER_TLS_VERIFY: '1' })).toMatchObject({
      kind: 'tcp',
      tls: true,
    });
    expect(parseDockerHost('tcp://10.0.0.2:2375')).toMatchObject({ kind: 'tcp', tls: false });
    expect(parseDockerHost('ssh://me@box')).toEqual({ kind: 'other', uri: 'ssh://me@box' });
  });
});
