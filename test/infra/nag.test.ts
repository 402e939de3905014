import { Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { acknowledgements } from '../support/cdk.ts';
import { buildTestApp } from './app-fixture.ts';

describe('cdk-nag AwsSolutions checks', () => {
  it('leave no unacknowledged finding in any stack', () => {
    const { app } = buildTestApp();
    expect(() => app.synth()).not.toThrow();
  });

  it('leave none with the API opened (-c openApi=true), acknowledged for that reason only then', () => {
    const apig4Reason = (context: Record<string, unknown>, synth: boolean) => {
      const { app, stacks } = buildTestApp({ context });
      if (synth) expect(() => app.synth()).not.toThrow();
      const acks = stacks.plotting.api.node.metadata.filter(
        (entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY,
      );
      return acks
        .map((entry) => (entry.data as Record<string, string>)['Annotation::AwsSolutions-APIG4'])
        .join('');
    };
    expect(apig4Reason({ openApi: 'true' }, true)).toMatch(/openApi=true/);
    // the default build (synthesized by the first test) acknowledges it for its keys, not as open
    expect(apig4Reason({}, false)).toMatch(/requires an API key/);
    expect(apig4Reason({}, false)).not.toMatch(/openApi=true/);
  }, 180_000);

  it('would fail synthesis on a finding nobody acknowledged (the check is live)', () => {
    const { app, stacks } = buildTestApp();
    new Bucket(stacks.storage, 'UnhardenedBucket');
    expect(() => app.synth()).toThrow(/AwsSolutions-S(1|2|10)/);
  });

  it('every acknowledgement carries a written reason', () => {
    const { stacks } = buildTestApp();
    const acks = acknowledgements(stacks);
    expect(acks.length).toBeGreaterThan(5);
    for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(30);
  });
});
