/**
 * The integration suite on LocalStack (Testcontainers + cdklocal), when a Docker engine is there.
 *
 * - Docker found: the whole suite runs against a fresh LocalStack container (minutes: image pulls,
 *   bootstrap, deploy of the four stacks).
 * - No Docker: the suite is reported as skipped, with the reason in its name.
 * - No Docker but TARGET=localstack: it fails with a message naming Docker, because the user asked
 *   for this target and "nothing ran" must not look like a pass.
 */
import { describe, it, vi } from 'vitest';
import { integrationSuite } from './suite.ts';
import { dockerAvailability, localStackSuiteMode } from './targets/docker.ts';

const mode = localStackSuiteMode(process.env, await dockerAvailability());

if ('run' in mode) {
  // Starting the target pulls images, bootstraps and deploys four stacks (minutes, not seconds), and
  // a first S3 event or invoke may start a cold function container.
  vi.setConfig({ hookTimeout: 20 * 60_000, testTimeout: 5 * 60_000 });
  integrationSuite('localstack', async () => {
    // Imported here so that machines without Docker never load Testcontainers.
    const { startLocalStackTarget } = await import('./targets/localstack.ts');
    return startLocalStackTarget();
  });
} else if ('skip' in mode) {
  process.stderr.write(`[localstack] integration suite skipped: ${mode.skip}\n`);
  describe.skip(`integration suite on LocalStack, skipped: ${mode.skip}`, () => {
    it('runs every integration test against LocalStack (needs Docker)', () => {});
  });
} else {
  describe('integration suite on LocalStack', () => {
    it('needs a Docker engine (TARGET=localstack)', () => {
      throw new Error(mode.fail);
    });
  });
}
