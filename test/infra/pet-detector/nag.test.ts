import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { acknowledgements } from '../../support/cdk.ts';
import { buildPetTestApp } from './pet-app-fixture.ts';

describe('PetDetector: cdk-nag AwsSolutions checks', () => {
  // ~10 s on a quiet machine; synthesis with cdk-nag is CPU-bound and the build machines are shared
  it('leave no unacknowledged finding in any stack', () => {
    const { app } = buildPetTestApp();
    expect(() => app.synth()).not.toThrow();
  }, 180_000);

  it('would fail synthesis on a finding nobody acknowledged (the check is live)', () => {
    const { app, stacks } = buildPetTestApp();
    new Bucket(stacks.storage, 'UnhardenedBucket');
    expect(() => app.synth()).toThrow(/AwsSolutions-S(1|2|10)/);
  });

  it('every acknowledgement carries a written reason', () => {
    const { stacks } = buildPetTestApp();
    const acks = acknowledgements(stacks);
    expect(acks.length).toBeGreaterThan(5);
    for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(30);
  });
});
