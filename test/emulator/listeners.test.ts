import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../emulator/local-cloud.ts';
import { ensureAssembly } from '../../integration/targets/assembly.ts';

/**
 * Safe on a laptop (issue 9): nothing the embedded cloud starts is reachable from another machine.
 * The listening sockets are read from the kernel (/proc/net/tcp, tcp6) for this process and every
 * process under it (s3rver, function environments), so a listener nobody thought of is caught too,
 * plus the test run's DynamoDB Local (started by global-setup.ts with the same code the cloud uses,
 * shared to save a JVM start); then each port is dialled on the machine's non-loopback address.
 */
const linux = process.platform === 'linux';

interface Listener {
  readonly address: string;
  readonly port: number;
}

function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const tree: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function socketInodes(pids: number[]): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' });
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode) inodes.add(inode);
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return inodes;
}

/** /proc/net/tcp addresses are hex in host byte order (little-endian here), per 32-bit word. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)),
  );
  if (bytes.length === 4) return bytes.join('.');
  const v4mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (v4mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

/** Listening sockets of a process tree, plus those on `extraPorts` whoever owns them. */
function listenersOf(pid: number, extraPorts: number[] = []): Listener[] {
  const inodes = socketInodes(processTree(pid));
  const found: Listener[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // state 0A is LISTEN; field 9 is the socket's inode
      if (fields[3] !== '0A') continue;
      const [address, hexPort] = (fields[1] ?? '').split(':');
      const port = Number.parseInt(hexPort ?? '0', 16);
      if (inodes.has(fields[9] ?? '') || extraPorts.includes(port))
        found.push({ address: decodeAddress(address ?? ''), port });
    }
  }
  return found;
}

function outsideAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((info) => info && !info.internal && info.family === 'IPv4')
    .map((info) => info?.address as string);
}

/** 'refused', 'connected', or the error code: dialling an address that is not listening is refused at once. */
function dial(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'ECONNREFUSED' ? 'refused' : (err.code ?? 'error')),
    );
  });
}

const portOf = (endpoint: string) => Number(new URL(endpoint).port);

/** A GET of / on a loopback port with the given Host header (fetch does not let a caller set Host). */
function getWithHost(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no answer on port ${port}`)));
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!linux)('what the embedded cloud listens on (Linux: read from /proc)', () => {
  let cloud: LocalCloud;
  let listeners: Listener[];

  beforeAll(async () => {
    cloud = await startLocalCloud({
      assemblyDir: await ensureAssembly(),
      stateDir: null,
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      log: () => {},
    });
    listeners = listenersOf(process.pid, [portOf(cloud.endpoints.dynamodb)]);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('finds the S3, DynamoDB and API ports among its listeners', () => {
    const ports = listeners.map((l) => l.port);
    for (const endpoint of [cloud.endpoints.s3, cloud.endpoints.dynamodb, cloud.endpoints.api])
      expect(ports, `listener for ${endpoint}`).toContain(portOf(endpoint));
  });

  it('binds every listener to 127.0.0.1 only', () => {
    const open = listeners.filter((l) => l.address !== '127.0.0.1' && l.address !== '::ffff:127.0.0.1');
    expect(open, 'listeners on an address other than loopback').toEqual([]);
  });

  const outside = outsideAddresses();
  it.skipIf(outside.length === 0)(
    `refuses connections on the machine's non-loopback address (${outside[0] ?? 'none: skipped, this machine has no non-loopback IPv4 address'}) on every port it opened`,
    async () => {
      const host = outside[0] as string;
      const answers = await Promise.all(
        listeners.map(async (l) => [l.port, await dial(host, l.port)] as const),
      );
      expect(answers.length).toBeGreaterThanOrEqual(3);
      for (const [port, answer] of answers) expect(answer, `${host}:${port}`).toBe('refused');
    },
  );

  // DNS rebinding: a page on rebind.example makes its name resolve to 127.0.0.1, and its requests
  // then reach our ports as its own origin; they still say `Host: rebind.example`
  it('answers no request addressed to another host name, on every port it opened', async () => {
    const answers = await Promise.all(
      listeners.map(async (l) => ({
        port: l.port,
        foreign: await getWithHost(l.port, `rebind.example:${l.port}`),
        own: await getWithHost(l.port, `127.0.0.1:${l.port}`),
      })),
    );
    expect(answers.length).toBeGreaterThanOrEqual(3);
    for (const { port, foreign, own } of answers) {
      expect(foreign.status, `port ${port} with Host rebind.example`).toBe(403);
      expect(JSON.parse(foreign.body).__type).toBe('ForeignHostRefused');
      expect(own.body, `port ${port} with Host 127.0.0.1`).not.toContain('ForeignHostRefused');
    }
  });

  it('gives no web page access to DynamoDB Local (no Access-Control-Allow-Origin for a foreign origin)', async () => {
    const headers = {
      Origin: 'http://evil.example',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'x-amz-target,content-type,authorization',
    };
    const preflight = await fetch(cloud.endpoints.dynamodb, { method: 'OPTIONS', headers });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
