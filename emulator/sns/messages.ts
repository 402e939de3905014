import { clientKeyed } from '../services/client-keyed.ts';
import type { SnsSubscription } from './model.ts';

/**
 * The shapes SNS delivers (sns-message-and-json-formats, with-sns): the Lambda event
 * (`Records[].Sns`), the JSON body POSTed to HTTP(S) endpoints and sent by email-json, and the
 * plain-text email. Pure. Messages are NOT signed: `Signature` is a fixed placeholder (base64 of a
 * sentence saying so) and `SigningCertURL` points at the embedded SNS, which serves no certificate.
 */
export interface PublishedAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  /** base64, as the query protocol carries it. */
  readonly BinaryValue?: string;
}

export interface PublishedMessage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly message: string;
  readonly subject?: string;
  /** `json`: `message` is a JSON object with one text per protocol and a `default`. */
  readonly messageStructure?: string;
  readonly attributes: Readonly<Record<string, PublishedAttribute>>;
  /** ISO 8601 with milliseconds, UTC. */
  readonly timestamp: string;
  readonly messageGroupId?: string;
  readonly sequenceNumber?: string;
}

export const NOT_A_SIGNATURE = Buffer.from('embedded SNS: this message is not signed').toString('base64');

/** The text a protocol receives: with MessageStructure=json, its own entry or `default`. */
export function messageFor(message: PublishedMessage, protocol: string): string {
  if (message.messageStructure !== 'json') return message.message;
  const texts = JSON.parse(message.message) as Record<string, unknown>;
  const text = texts[protocol] ?? texts.default;
  return typeof text === 'string' ? text : JSON.stringify(text);
}

/** `{ Name: { Type, Value } }`: binary values base64, as SNS sends them in JSON. */
export function jsonAttributes(
  attributes: Readonly<Record<string, PublishedAttribute>>,
): Record<string, { Type: string; Value: string }> {
  const out = clientKeyed<{ Type: string; Value: string }>();
  for (const [name, attribute] of Object.entries(attributes)) {
    out[name] = {
      Type: attribute.DataType,
      Value: (attribute.DataType.startsWith('Binary') ? attribute.BinaryValue : attribute.StringValue) ?? '',
    };
  }
  return out;
}

export interface Urls {
  /** The embedded SNS's endpoint, e.g. http://127.0.0.1:4575 */
  readonly endpoint: string;
}

export const unsubscribeUrl = (urls: Urls, subscriptionArn: string) =>
  `${urls.endpoint}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscriptionArn)}`;

export const subscribeUrl = (urls: Urls, topicArn: string, token: string) =>
  `${urls.endpoint}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`;

export const signingCertUrl = (urls: Urls) =>
  `${urls.endpoint}/SimpleNotificationService-embedded-unsigned.pem`;

/** The event a subscribed function receives (Lambda's `SNSEvent`). */
export function lambdaEvent(message: PublishedMessage, subscription: SnsSubscription, urls: Urls): unknown {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscription.arn,
        Sns: {
          Type: 'Notification',
          MessageId: message.messageId,
          TopicArn: message.topicArn,
          Subject: message.subject ?? null,
          Message: messageFor(message, 'lambda'),
          Timestamp: message.timestamp,
          SignatureVersion: '1',
          Signature: NOT_A_SIGNATURE,
          SigningCertUrl: signingCertUrl(urls),
          UnsubscribeUrl: unsubscribeUrl(urls, subscription.arn),
          MessageAttributes: jsonAttributes(message.attributes),
        },
      },
    ],
  };
}

/** The JSON document of a notification (HTTP(S) body, email-json), keys in SNS's order. */
export function notificationJson(
  message: PublishedMessage,
  subscription: SnsSubscription,
  urls: Urls,
): string {
  const fifo = message.topicArn.endsWith('.fifo');
  const document: Record<string, unknown> = {
    Type: 'Notification',
    MessageId: message.messageId,
    ...(fifo && message.sequenceNumber ? { SequenceNumber: message.sequenceNumber } : {}),
    TopicArn: message.topicArn,
    ...(message.subject !== undefined ? { Subject: message.subject } : {}),
    Message: messageFor(message, subscription.protocol),
    Timestamp: message.timestamp,
    ...(fifo
      ? {}
      : { SignatureVersion: '1', Signature: NOT_A_SIGNATURE, SigningCertURL: signingCertUrl(urls) }),
    UnsubscribeURL: unsubscribeUrl(urls, subscription.arn),
    ...(Object.keys(message.attributes).length > 0
      ? { MessageAttributes: jsonAttributes(message.attributes) }
      : {}),
  };
  return JSON.stringify(document, null, 2);
}

/** The SubscriptionConfirmation an HTTP(S) endpoint receives before any notification. */
export function confirmationJson(
  subscription: SnsSubscription,
  token: string,
  messageId: string,
  timestamp: string,
  urls: Urls,
): string {
  return JSON.stringify(
    {
      Type: 'SubscriptionConfirmation',
      MessageId: messageId,
      Token: token,
      TopicArn: subscription.topicArn,
      Message: `You have chosen to subscribe to the topic ${subscription.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
      SubscribeURL: subscribeUrl(urls, subscription.topicArn, token),
      Timestamp: timestamp,
      SignatureVersion: '1',
      Signature: NOT_A_SIGNATURE,
      SigningCertURL: signingCertUrl(urls),
    },
    null,
    2,
  );
}

/** The plain-text body of an `email` notification: the message, then SNS's unsubscribe footer. */
export function emailText(message: PublishedMessage, subscription: SnsSubscription, urls: Urls): string {
  return [
    messageFor(message, 'email'),
    '',
    '--',
    'If you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:',
    unsubscribeUrl(urls, subscription.arn),
    '',
    'Please do not reply directly to this email. (Written by the embedded SNS, not sent.)',
    '',
  ].join('\n');
}
