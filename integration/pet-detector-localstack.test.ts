/**
 * The PetDetector suite on LocalStack (integration/pet-detector/localstack-target.ts), when a Docker
 * engine is there; skipped with the reason otherwise, failing when TARGET=localstack asked for it.
 * Rekognition is a paid LocalStack feature: the functions are pointed at the embedded Rekognition.
 */
import { describe, it, vi } from 'vitest';
import { petDetectorSuite } from './pet-detector/suite.ts';
import { dockerAvailability, localStackSuiteMode } from './targets/docker.ts';

const mode = localStackSuiteMode(process.env, await dockerAvailability());

if ('run' in mode) {
  vi.setConfig({ hookTimeout: 25 * 60_000, testTimeout: 5 * 60_000 });
  petDetectorSuite('LocalStack', async () => {
    const { startLocalStackPetTarget } = await import('./pet-detector/localstack-target.ts');
    return startLocalStackPetTarget();
  });
} else if ('skip' in mode) {
  process.stderr.write(`[pet-detector localstack] suite skipped: ${mode.skip}\n`);
  describe.skip(`PetDetector on LocalStack, skipped: ${mode.skip}`, () => {
    it('runs the PetDetector suite against LocalStack (needs Docker)', () => {});
  });
} else {
  describe('PetDetector on LocalStack', () => {
    it('needs a Docker engine (TARGET=localstack)', () => {
      throw new Error(mode.fail);
    });
  });
}
