/** An SNS topic: from the template or created through the SNS API. */
export interface SnsTopic {
  readonly arn: string;
  readonly name: string;
  readonly fifo: boolean;
  /** Attributes set on it, as SNS gives them back (DisplayName, Policy, ContentBasedDeduplication...). */
  readonly attributes: Record<string, string>;
  readonly tags: Record<string, string>;
}

/** An SNS subscription. Protocols the embedded SNS delivers to: lambda, http, https, email, email-json. */
export interface SnsSubscription {
  readonly arn: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  /** Attributes set on it (FilterPolicy, FilterPolicyScope, RawMessageDelivery...), strings as in SNS. */
  readonly attributes: Record<string, string>;
  /** http/https wait for the endpoint's ConfirmSubscription; the token is kept meanwhile. */
  pendingConfirmation: boolean;
  confirmationToken?: string;
}
