/**
 * Is there a Docker engine this process can use? Answers quickly (well under 2 s) with a reason a
 * user can act on, so that the LocalStack suite can skip (or, with TARGET=localstack, fail) clearly.
 *
 * The candidates are looked at in the order Testcontainers uses: DOCKER_HOST (or `docker.host` in
 * ~/.testcontainers.properties), /var/run/docker.sock, then the rootless / Docker Desktop sockets
 * ($XDG_RUNTIME_DIR/docker.sock, ~/.docker/run/docker.sock, ~/.docker/desktop/docker.sock,
 * /run/user/<uid>/docker.sock). The first one that exists is pinged (`GET /_ping`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

export type DockerAvailability = { available: true; host: string } | { available: false; reason: string };

export interface DockerProbeOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Ping timeout; the whole check stays below it plus a few file lookups. */
  readonly timeoutMs?: number;
  /** Overridable for tests. */
  readonly exists?: (path: string) => boolean;
  readonly ping?: (host: DockerHost, timeoutMs: number) => Promise<void>;
}

export type DockerHost =
  | { readonly kind: 'socket'; readonly path: string; readonly uri: string }
  | { readonly kind: 'tcp'; readonly url: URL; readonly uri: string; readonly tls: boolean }
  | { readonly kind: 'other'; readonly uri: string };

const DEFAULT_SOCKET = '/var/run/docker.sock';

export async function dockerAvailability(options: DockerProbeOptions = {}): Promise<DockerAvailability> {
  const env = options.env ?? process.env;
  const exists = options.exists ?? existsSync;
  const ping = options.ping ?? pingDocker;
  const timeoutMs = options.timeoutMs ?? 1500;

  const host = findDockerHost(env, exists);
  if (!host) {
    return {
      available: false,
      reason: `no Docker runtime found: ${DEFAULT_SOCKET} does not exist and DOCKER_HOST is not set`,
    };
  }
  if (host.kind === 'other') {
    // ssh:// and friends: Testcontainers knows how to use them; we cannot ping cheaply, so trust it.
    return { available: true, host: host.uri };
  }
  try {
    await ping(host, timeoutMs);
    return { available: true, host: host.uri };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      available: false,
      reason: `no Docker engine answers at ${host.uri} (${why}): start Docker, or set DOCKER_HOST to a running engine`,
    };
  }
}

/** The Docker endpoint Testcontainers would pick, or undefined when there is none at all. */
export function findDockerHost(
  env: NodeJS.ProcessEnv,
  exists: (path: string) => boolean,
): DockerHost | undefined {
  const configured = env.DOCKER_HOST || testcontainersPropertiesHost(env, exists);
  if (configured) return parseDockerHost(configured, env);
  const candidates = [
    DEFAULT_SOCKET,
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'docker.sock') : undefined,
    join(homeOf(env), '.docker', 'run', 'docker.sock'),
    join(homeOf(env), '.docker', 'desktop', 'docker.sock'),
    join('/run', 'user', String(safeUid()), 'docker.sock'),
  ];
  const path = candidates.find((candidate) => candidate !== undefined && exists(candidate));
  return path ? { kind: 'socket', path, uri: `unix://${path}` } : undefined;
}

export function parseDockerHost(value: string, env: NodeJS.ProcessEnv = {}): DockerHost {
  if (value.startsWith('unix://')) {
    const path = value.slice('unix://'.length);
    return { kind: 'socket', path, uri: value };
  }
  if (value.startsWith('tcp://') || value.startsWith('http://') || value.startsWith('https://')) {
    const tls = value.startsWith('https://') || env.DOCKER_TLS_VERIFY === '1';
    const url = new URL(value.replace(/^tcp:/, tls ? 'https:' : 'http:'));
    return { kind: 'tcp', url, uri: value, tls };
  }
  return { kind: 'other', uri: value };
}

function testcontainersPropertiesHost(
  env: NodeJS.ProcessEnv,
  exists: (path: string) => boolean,
): string | undefined {
  const file = join(homeOf(env), '.testcontainers.properties');
  if (!exists(file)) return undefined;
  try {
    const match = /^\s*docker\.host\s*=\s*(.+?)\s*$/m.exec(readFileSync(file, 'utf8'));
    return match?.[1];
  } catch {
    return undefined;
  }
}

function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME || homedir();
}

function safeUid(): number {
  try {
    return userInfo().uid;
  } catch {
    return -1;
  }
}

/** `GET /_ping` on the engine; resolves on "OK", rejects with a short message otherwise. */
export function pingDocker(host: DockerHost, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let options: RequestOptions;
    let send: typeof httpRequest = httpRequest;
    if (host.kind === 'socket') {
      if (!existsSync(host.path)) {
        reject(new Error(`${host.path} does not exist`));
        return;
      }
      options = { socketPath: host.path, path: '/_ping', method: 'GET' };
    } else if (host.kind === 'tcp') {
      options = {
        host: host.url.hostname,
        port: Number(host.url.port) || (host.tls ? 2376 : 2375),
        path: '/_ping',
        method: 'GET',
        ...tlsOptions(host),
      };
      if (host.tls) send = httpsRequest as typeof httpRequest;
    } else {
      resolve();
      return;
    }
    const req = send({ ...options, timeout: timeoutMs }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`/_ping answered HTTP ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code ?? err.message)));
    req.end();
  });
}

function tlsOptions(host: Extract<DockerHost, { kind: 'tcp' }>): Record<string, unknown> {
  const certPath = process.env.DOCKER_CERT_PATH;
  if (!host.tls || !certPath) return {};
  try {
    return {
      ca: readFileSync(join(certPath, 'ca.pem')),
      cert: readFileSync(join(certPath, 'cert.pem')),
      key: readFileSync(join(certPath, 'key.pem')),
    };
  } catch {
    return {};
  }
}

/** What the LocalStack suite does on this machine. */
export type SuiteMode = { readonly run: true } | { readonly skip: string } | { readonly fail: string };

/**
 * The LocalStack suite runs when Docker is there. Without Docker it is skipped with the reason,
 * unless the user asked for it explicitly (TARGET=localstack): then it fails, naming Docker, so a
 * CI job or a developer who meant to test on LocalStack never mistakes "nothing ran" for a pass.
 * Another TARGET (e.g. TARGET=embedded, as CI's `make test` step sets) skips it, so that CI runs it
 * once, in its own step.
 */
export function localStackSuiteMode(env: NodeJS.ProcessEnv, docker: DockerAvailability): SuiteMode {
  const target = (env.TARGET ?? '').trim().toLowerCase();
  if (target && target !== 'localstack') {
    return { skip: `TARGET=${target} selects another target` };
  }
  if (docker.available) return { run: true };
  if (target === 'localstack') {
    return {
      fail:
        `TARGET=localstack needs Docker, and ${docker.reason}. ` +
        'Install and start Docker (Docker Desktop or Docker Engine), or run without TARGET=localstack ' +
        'to use the embedded target.',
    };
  }
  return { skip: docker.reason };
}
