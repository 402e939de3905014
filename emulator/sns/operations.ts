import { clientKeyed } from '../services/client-keyed.ts';
import type { PublishedAttribute } from './messages.ts';
import type { SnsSubscription } from './model.ts';
import {
  invalidParameter,
  listParam,
  mapParam,
  type QueryTree,
  requiredParam,
  SnsError,
  stringMapParam,
  stringParam,
  type XmlValue,
} from './query-protocol.ts';
import type { PublishInput, SnsService } from './service.ts';

/** The SNS API operations: a request's parameters in, the `<Action>Result` content out. */
type Operation = (params: QueryTree, sns: SnsService) => Record<string, XmlValue>;

const PAGE_SIZE = 100;

function page<T>(
  items: readonly T[],
  token: string | undefined,
  size = PAGE_SIZE,
): { items: T[]; next?: string } {
  const start = token === undefined ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0 || start > items.length)
    throw invalidParameter('Invalid parameter: NextToken');
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { next: String(end) } : {}) };
}

function messageAttributes(tree: QueryTree, name = 'MessageAttributes'): Record<string, PublishedAttribute> {
  const out = clientKeyed<PublishedAttribute>();
  for (const [key, value] of mapParam(tree, name, 'Name', 'Value')) {
    const v = typeof value === 'string' ? {} : value;
    const dataType = typeof v.DataType === 'string' ? v.DataType : '';
    out[key] = {
      DataType: dataType,
      ...(typeof v.StringValue === 'string' ? { StringValue: v.StringValue } : {}),
      ...(typeof v.BinaryValue === 'string' ? { BinaryValue: v.BinaryValue } : {}),
    };
  }
  return out;
}

function publishInput(tree: QueryTree, topicArn?: string): PublishInput {
  const get = (name: string) => stringParam(tree, name);
  const input: Record<string, unknown> = {
    topicArn: topicArn ?? get('TopicArn'),
    targetArn: get('TargetArn'),
    phoneNumber: get('PhoneNumber'),
    message: get('Message'),
    subject: get('Subject'),
    messageStructure: get('MessageStructure'),
    attributes: messageAttributes(tree),
    messageGroupId: get('MessageGroupId'),
    messageDeduplicationId: get('MessageDeduplicationId'),
  };
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  return input as PublishInput;
}

const subscriptionRow = (s: SnsSubscription, owner: string) => ({
  SubscriptionArn: s.pendingConfirmation ? 'PendingConfirmation' : s.arn,
  Owner: owner,
  Protocol: s.protocol,
  Endpoint: s.endpoint,
  TopicArn: s.topicArn,
});

export function operations(accountId: string): Record<string, Operation> {
  return {
    CreateTopic(p, sns) {
      const tags = clientKeyed<string>();
      for (const tag of listParam(p, 'Tags')) {
        if (typeof tag !== 'string' && typeof tag.Key === 'string') tags[tag.Key] = String(tag.Value ?? '');
      }
      return {
        TopicArn: sns.createTopic(requiredParam(p, 'Name'), stringMapParam(p, 'Attributes'), tags).arn,
      };
    },
    DeleteTopic(p, sns) {
      sns.deleteTopic(requiredParam(p, 'TopicArn'));
      return {};
    },
    ListTopics(p, sns) {
      const { items, next } = page(sns.listTopics(), stringParam(p, 'NextToken'));
      return { Topics: { list: items.map((t) => ({ TopicArn: t.arn })) }, NextToken: next };
    },
    GetTopicAttributes(p, sns) {
      return { Attributes: { map: sns.topicAttributes(requiredParam(p, 'TopicArn')) } };
    },
    SetTopicAttributes(p, sns) {
      sns.setTopicAttribute(
        requiredParam(p, 'TopicArn'),
        requiredParam(p, 'AttributeName'),
        stringParam(p, 'AttributeValue') ?? '',
      );
      return {};
    },
    Publish(p, sns) {
      const { messageId, sequenceNumber } = sns.publish(publishInput(p));
      return { MessageId: messageId, SequenceNumber: sequenceNumber };
    },
    PublishBatch(p, sns) {
      const topicArn = requiredParam(p, 'TopicArn');
      sns.requireTopic(topicArn);
      const entries = listParam(p, 'PublishBatchRequestEntries').filter(
        (e): e is QueryTree => typeof e !== 'string',
      );
      if (entries.length === 0)
        throw new SnsError('EmptyBatchRequest', 400, "The batch request doesn't contain any entries");
      if (entries.length > 10)
        throw new SnsError(
          'TooManyEntriesInBatchRequest',
          400,
          'The batch request contains more entries than permissible.',
        );
      const ids = entries.map((e) => stringParam(e, 'Id') ?? '');
      if (new Set(ids).size !== ids.length)
        throw new SnsError(
          'BatchEntryIdsNotDistinct',
          400,
          'Two or more batch entries in the request have the same Id.',
        );
      if (ids.some((id) => !/^[A-Za-z0-9_-]{1,80}$/.test(id)))
        throw new SnsError(
          'InvalidBatchEntryId',
          400,
          "The Id of a batch entry in a batch request doesn't abide by the specification.",
        );
      const successful: XmlValue[] = [];
      const failed: XmlValue[] = [];
      entries.forEach((entry, i) => {
        try {
          const { messageId, sequenceNumber } = sns.publish(publishInput(entry, topicArn));
          successful.push({ Id: ids[i], MessageId: messageId, SequenceNumber: sequenceNumber });
        } catch (err) {
          if (!(err instanceof SnsError)) throw err;
          failed.push({ Id: ids[i], Code: err.code, Message: err.message, SenderFault: err.status < 500 });
        }
      });
      return { Successful: { list: successful }, Failed: { list: failed } };
    },
    Subscribe(p, sns) {
      const subscription = sns.subscribe(
        requiredParam(p, 'TopicArn'),
        requiredParam(p, 'Protocol'),
        stringParam(p, 'Endpoint'),
        stringMapParam(p, 'Attributes'),
      );
      const returnArn = stringParam(p, 'ReturnSubscriptionArn') === 'true';
      return {
        SubscriptionArn:
          subscription.pendingConfirmation && !returnArn ? 'pending confirmation' : subscription.arn,
      };
    },
    ConfirmSubscription(p, sns) {
      return {
        SubscriptionArn: sns.confirmSubscription(requiredParam(p, 'TopicArn'), requiredParam(p, 'Token')).arn,
      };
    },
    Unsubscribe(p, sns) {
      sns.unsubscribe(requiredParam(p, 'SubscriptionArn'));
      return {};
    },
    ListSubscriptions(p, sns) {
      const { items, next } = page(sns.listSubscriptions(), stringParam(p, 'NextToken'));
      return { Subscriptions: { list: items.map((s) => subscriptionRow(s, accountId)) }, NextToken: next };
    },
    ListSubscriptionsByTopic(p, sns) {
      const { items, next } = page(
        sns.listSubscriptions(requiredParam(p, 'TopicArn')),
        stringParam(p, 'NextToken'),
      );
      return { Subscriptions: { list: items.map((s) => subscriptionRow(s, accountId)) }, NextToken: next };
    },
    GetSubscriptionAttributes(p, sns) {
      return { Attributes: { map: sns.subscriptionAttributes(requiredParam(p, 'SubscriptionArn')) } };
    },
    SetSubscriptionAttributes(p, sns) {
      sns.setSubscriptionAttribute(
        requiredParam(p, 'SubscriptionArn'),
        requiredParam(p, 'AttributeName'),
        stringParam(p, 'AttributeValue') ?? '',
      );
      return {};
    },
    ListTagsForResource(p, sns) {
      const topic = sns.requireTopic(requiredParam(p, 'ResourceArn'));
      return { Tags: { list: Object.entries(topic.tags).map(([Key, Value]) => ({ Key, Value })) } };
    },
  };
}
