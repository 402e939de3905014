import { describe, expect, it } from 'vitest';
import type { DeployContext } from '../../../emulator/cloudformation/resource-types.ts';
import { snsSubscription } from '../../../emulator/sns/resources.ts';

/** Template subscriptions the embedded SNS cannot deliver stop the deployment before any API call. */
const ctx = { stack: 'Alerts', region: 'us-east-1', clients: {} } as unknown as DeployContext;
const topic = 'arn:aws:sns:us-east-1:000000000000:alerts';
const TYPE = 'AWS::SNS::Subscription';

describe('AWS::SNS::Subscription', () => {
  it('refuses other protocols it does not deliver, listing those it does', async () => {
    await expect(
      snsSubscription.create(
        ctx,
        'Sms',
        { TopicArn: topic, Protocol: 'sms', Endpoint: '+15555550100' },
        TYPE,
      ),
    ).rejects.toThrow(
      /protocol sms is not supported by the embedded SNS \(supported: lambda, sqs, http, https, email, email-json\)/,
    );
  });

  it('names missing properties and a foreign region', async () => {
    await expect(snsSubscription.create(ctx, 'Half', { TopicArn: topic }, TYPE)).rejects.toThrow(
      /resource Half \(AWS::SNS::Subscription\): TopicArn, Protocol and Endpoint are required/,
    );
    await expect(
      snsSubscription.create(
        ctx,
        'Far',
        {
          TopicArn: topic,
          Protocol: 'email',
          Endpoint: 'a@b.c',
          Region: 'eu-west-1',
        },
        TYPE,
      ),
    ).rejects.toThrow(/Region eu-west-1: the embedded cloud has one region \(us-east-1\)/);
  });
});
