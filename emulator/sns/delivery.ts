import { randomUUID } from 'node:crypto';
import { postToEndpoint } from './http-delivery.ts';
import {
  confirmationJson,
  emailText,
  lambdaEvent,
  messageFor,
  notificationJson,
  type PublishedMessage,
  type Urls,
} from './messages.ts';
import type { SnsSubscription, SnsTopic } from './model.ts';
import { writeOutboxEmail } from './outbox.ts';

/** One message to one subscription, by protocol: a function, the email outbox, or an HTTP(S) POST. */
export interface DeliveryContext {
  readonly urls: Urls;
  readonly stateDir: string;
  readonly invokeFunction: (functionArn: string, event: unknown) => Promise<void>;
  readonly httpRetryDelaysMs: readonly number[];
  /** Enqueues on the embedded SQS (sqs/sns-delivery.ts); absent: this SNS has no SQS to deliver to. */
  readonly sendToQueue?: (queueArn: string, message: QueueDelivery) => Promise<void>;
}

/** What an `sqs` subscription enqueues: SNS's JSON document, or with RawMessageDelivery the bare message and its attributes. */
export interface QueueDelivery {
  readonly body: string;
  readonly attributes: Readonly<
    Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>
  >;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
}

export async function deliverToSubscription(
  topic: SnsTopic,
  subscription: SnsSubscription,
  message: PublishedMessage,
  context: DeliveryContext,
): Promise<void> {
  switch (subscription.protocol) {
    case 'lambda':
      await context.invokeFunction(subscription.endpoint, lambdaEvent(message, subscription, context.urls));
      return;
    case 'sqs': {
      if (!context.sendToQueue) throw new Error('this SNS has no SQS to deliver to');
      const raw = subscription.attributes.RawMessageDelivery?.toLowerCase() === 'true';
      await context.sendToQueue(subscription.endpoint, {
        body: raw ? messageFor(message, 'sqs') : notificationJson(message, subscription, context.urls),
        attributes: raw ? message.attributes : {},
        ...(message.messageGroupId !== undefined
          ? { messageGroupId: message.messageGroupId, messageDeduplicationId: message.messageId }
          : {}),
      });
      return;
    }
    case 'email':
    case 'email-json': {
      const displayName = topic.attributes.DisplayName || 'AWS Notifications';
      await writeOutboxEmail(context.stateDir, {
        protocol: subscription.protocol,
        topicName: topic.name,
        topicArn: topic.arn,
        subscriptionArn: subscription.arn,
        from: `"${displayName.replaceAll('"', "'")}" <no-reply@sns.amazonaws.com>`,
        to: subscription.endpoint,
        subject: message.subject ?? 'AWS Notification Message',
        messageId: message.messageId,
        timestamp: message.timestamp,
        body:
          subscription.protocol === 'email'
            ? emailText(message, subscription, context.urls)
            : notificationJson(message, subscription, context.urls),
      });
      return;
    }
    default: {
      const raw = subscription.attributes.RawMessageDelivery?.toLowerCase() === 'true';
      await postToEndpoint(
        subscription.endpoint,
        {
          body: raw
            ? messageFor(message, subscription.protocol)
            : notificationJson(message, subscription, context.urls),
          headers: {
            'x-amz-sns-message-type': 'Notification',
            'x-amz-sns-message-id': message.messageId,
            'x-amz-sns-topic-arn': topic.arn,
            'x-amz-sns-subscription-arn': subscription.arn,
            ...(raw ? { 'x-amz-sns-rawdelivery': 'true' } : {}),
          },
        },
        context.httpRetryDelaysMs,
      );
    }
  }
}

/** The SubscriptionConfirmation POST an HTTP(S) subscription receives first. */
export async function postConfirmation(
  subscription: SnsSubscription,
  context: DeliveryContext,
): Promise<void> {
  const messageId = randomUUID();
  const body = confirmationJson(
    subscription,
    subscription.confirmationToken ?? '',
    messageId,
    new Date().toISOString(),
    context.urls,
  );
  await postToEndpoint(
    subscription.endpoint,
    {
      body,
      headers: {
        'x-amz-sns-message-type': 'SubscriptionConfirmation',
        'x-amz-sns-message-id': messageId,
        'x-amz-sns-topic-arn': subscription.topicArn,
      },
    },
    context.httpRetryDelaysMs,
  );
}
