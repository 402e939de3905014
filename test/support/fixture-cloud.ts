import { join } from 'node:path';
import { inject } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../emulator/local-cloud.ts';

/**
 * An embedded cloud on a committed fixture assembly (test/emulator/fixtures/<name>), with throwaway
 * state and the test run's shared DynamoDB Local.
 */
export function startFixtureCloud(name: string): Promise<LocalCloud> {
  return startLocalCloud({
    assemblyDir: join(import.meta.dirname, '..', 'emulator', 'fixtures', name),
    stateDir: null,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    log: () => {},
  });
}
