import { CfnOutput, Stack } from 'aws-cdk-lib';
import { ApiKey, type IApiKey, Period, type RestApi, type UsagePlan } from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

/**
 * Who may call a REST API. By default every method needs an API key (`defaultMethodOptions:
 * { apiKeyRequired: true }` on the RestApi, so routes added later inherit it) tied to a usage plan
 * with a per-key throttle and a daily quota; the key's id is the `PlotApiKeyId` output (its value
 * never is: `aws apigateway get-api-key --api-key <id> --include-value`). `open: true` (context
 * `openApi=true`) is for a throwaway demo: no key, no plan, and cdk-nag's authorization findings
 * acknowledged as exactly that.
 */
export type ApiAccessProps =
  | { readonly open: true }
  | {
      readonly open: false;
      /** Requests per second per key (the token bucket's refill). */
      readonly rateLimit: number;
      /** Requests at once per key (the bucket's size). */
      readonly burstLimit: number;
      /** Requests per key per day (UTC). */
      readonly quotaPerDay: number;
    };

/** The RestApi option that makes every method, present and future, need a key (unless open). */
export const methodOptionsFor = (access: ApiAccessProps) => ({ apiKeyRequired: !access.open });

export class ApiAccess extends Construct {
  readonly apiKey?: IApiKey;
  readonly usagePlan?: UsagePlan;

  constructor(scope: Construct, id: string, api: RestApi, access: ApiAccessProps) {
    super(scope, id);
    if (access.open) {
      acknowledge(
        api,
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'Opened on purpose with -c openApi=true, for a throwaway demo: anyone who has the URL can read the charts. The default build requires an API key on every method.',
        },
        {
          id: 'AwsSolutions-COG4',
          reason: 'No Cognito user pool: the API was opened with -c openApi=true (see APIG4).',
        },
      );
      return;
    }
    this.usagePlan = api.addUsagePlan('UsagePlan', {
      description: `Callers of ${Stack.of(this).stackName}'s API: per-key throttle and daily quota`,
      throttle: { rateLimit: access.rateLimit, burstLimit: access.burstLimit },
      quota: { limit: access.quotaPerDay, period: Period.DAY },
    });
    this.usagePlan.addApiStage({ stage: api.deploymentStage });
    this.apiKey = new ApiKey(this, 'ApiKey', {
      description: `Key for ${Stack.of(this).stackName}'s API (value: aws apigateway get-api-key --include-value)`,
    });
    this.usagePlan.addApiKey(this.apiKey);
    new CfnOutput(Stack.of(this), 'PlotApiKeyId', {
      value: this.apiKey.keyId,
      description:
        'API key id; its value: aws apigateway get-api-key --api-key <id> --include-value --query value --output text',
    });
    acknowledge(
      api,
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Every method requires an API key of a usage plan with a per-key throttle and a daily quota; cdk-nag counts only IAM, Cognito and Lambda authorizers as authorization. The charts hold no per-user data, so a key per client is the access control.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'No Cognito user pool: callers are identified by API keys (see APIG4), not by user accounts.',
      },
    );
  }
}
