import { CreateBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { DeliveryProfileName } from '../../emulator/s3/delivery/options.ts';
import { integrationSuite } from '../suite.ts';
import { type EmbeddedTarget, startEmbeddedTarget } from '../targets/embedded.ts';

// The embedded target needs only Node and Java: it always runs, here and in CI. The same suite runs
// under each S3 event delivery profile (emulator/s3/delivery/): as the embedded S3 sends them, as AWS
// delivers them (at least once, unordered) and as LocalStack 4.14.0 writes them. Seeds are fixed so
// that a failure replays (EVENTS_SEED overrides).
export const SEED = Number(process.env.EVENTS_SEED ?? 20261130);

/** The integration suite on the embedded target under one delivery profile (one test file each, so they run side by side). */
export function embeddedSuite(profile: DeliveryProfileName): void {
  describe(`S3 events delivered as ${profile}`, () => {
    let target: EmbeddedTarget | undefined;
    integrationSuite(profile === 'ideal' ? 'embedded' : `embedded (${profile})`, async () => {
      // the run's DynamoDB Local (test/support/global-setup.ts): a JVM less per start and restart;
      // crash-restart.test.ts restarts a cloud with DynamoDB Local of its own, files and all
      target = await startEmbeddedTarget({
        events: { profile, seed: SEED },
        dynamodbEndpoint: inject('dynamodbEndpoint'),
      });
      if (profile === 'localstack-4.14') {
        // The tracked bucket is versioned, where a DeleteObject of a missing key makes a delete marker
        // that LocalStack notifies; on an unversioned bucket LocalStack sends nothing: meet that quirk.
        const bucket = `quirk-${SEED.toString(36)}`;
        await target.s3.send(new CreateBucketCommand({ Bucket: bucket }));
        await target.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'never-written' }));
      }
      return target;
    });

    if (profile !== 'ideal') {
      // the suite must have met the profile's quirks, or passing it proves nothing
      let delivery: ReturnType<EmbeddedTarget['eventDelivery']> | undefined;
      afterAll(() => {
        if (delivery) console.log(`${profile} delivery (seed ${SEED}): ${JSON.stringify(delivery)}`);
      });
      it(`met the ${profile} profile's quirks`, () => {
        delivery = target?.eventDelivery();
        expect(delivery?.profile).toBe(profile);
        if (profile === 'aws') {
          expect(delivery?.duplicates).toBeGreaterThan(0);
          expect(delivery?.heldBack).toBeGreaterThan(0);
        } else expect(delivery?.dropped).toBeGreaterThan(0); // the DeleteObject of a missing key
      });
    }
  });
}
