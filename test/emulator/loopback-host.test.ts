import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../emulator/services/loopback-host.ts';

describe('isLoopbackHost (the DNS rebinding guard of every local server)', () => {
  it('takes the names that always mean this machine, with or without a port', () => {
    for (const host of [
      '127.0.0.1',
      '127.0.0.1:4566',
      '127.1.2.3:80',
      'localhost',
      'LOCALHOST:3000',
      'localhost.',
      'api.localhost:8080',
      '[::1]',
      '[::1]:9000',
      undefined,
    ])
      expect(isLoopbackHost(host), String(host)).toBe(true);
  });

  it('refuses every other name, including ones that start like a loopback name', () => {
    for (const host of [
      'rebind.example',
      'rebind.example:4566',
      '127.0.0.1.rebind.example',
      'localhost.rebind.example',
      'notlocalhost',
      '10.0.0.5:4566',
      '0.0.0.0',
      '[::ffff:7f00:1]:80',
      '[2001:db8::1]',
      'host.docker.internal',
      '',
    ])
      expect(isLoopbackHost(host), host).toBe(false);
  });
});
