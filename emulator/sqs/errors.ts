/**
 * SQS's errors, named as each protocol names them. The JSON protocol (what @aws-sdk/client-sqs v3
 * speaks) carries the modelled name in `__type` (`com.amazonaws.sqs#QueueDoesNotExist`) and the old
 * query code in the `x-amzn-query-error` header (`AWS.SimpleQueueService.NonExistentQueue;Sender`),
 * which the SDK exposes as `Code`; the query protocol (AWS CLI 1.x) has only the query code. The codes
 * and messages follow AWS's answers as recorded in LocalStack's SQS snapshots. Pure.
 */
export type SqsErrorName =
  | 'QueueDoesNotExist'
  | 'QueueNameExists'
  | 'QueueDeletedRecently'
  | 'InvalidAttributeName'
  | 'InvalidAttributeValue'
  | 'InvalidParameterValueException'
  | 'MissingRequiredParameterException'
  | 'InvalidMessageContents'
  | 'ReceiptHandleIsInvalid'
  | 'MessageNotInflight'
  | 'EmptyBatchRequest'
  | 'TooManyEntriesInBatchRequest'
  | 'BatchEntryIdsNotDistinct'
  | 'InvalidBatchEntryId'
  | 'BatchRequestTooLong'
  | 'PurgeQueueInProgress'
  | 'UnsupportedOperation'
  | 'InvalidAction'
  | 'InternalError';

/** The query code of each name (the `x-amzn-query-error` header; `<Code>` in XML). */
const QUERY_CODES: Partial<Record<SqsErrorName, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
  InvalidParameterValueException: 'InvalidParameterValue',
  MissingRequiredParameterException: 'MissingParameter',
  QueueDeletedRecently: 'AWS.SimpleQueueService.QueueDeletedRecently',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  BatchRequestTooLong: 'AWS.SimpleQueueService.BatchRequestTooLong',
  PurgeQueueInProgress: 'AWS.SimpleQueueService.PurgeQueueInProgress',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
};

/** Names the SQS model declares (`com.amazonaws.sqs#...`); the rest are the service framework's. */
const FRAMEWORK_ERRORS = new Set<SqsErrorName>([
  'InvalidParameterValueException',
  'MissingRequiredParameterException',
  'InvalidAction',
  'InternalError',
]);

export class SqsError extends Error {
  readonly errorName: SqsErrorName;
  readonly status: number;
  constructor(name: SqsErrorName, message: string, status = 400) {
    super(message);
    this.name = 'SqsError';
    this.errorName = name;
    this.status = status;
  }

  get queryCode(): string {
    return QUERY_CODES[this.errorName] ?? this.errorName;
  }

  /** `__type` of a JSON error body. */
  get jsonType(): string {
    return FRAMEWORK_ERRORS.has(this.errorName)
      ? `com.amazon.coral.service#${this.errorName}`
      : `com.amazonaws.sqs#${this.errorName}`;
  }

  /** Internal errors are the server's fault; everything else is the sender's. */
  get fault(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

export const invalidParameter = (message: string) => new SqsError('InvalidParameterValueException', message);
export const missingParameter = (name: string) =>
  new SqsError('MissingRequiredParameterException', `The request must contain the parameter ${name}.`);
/** "Value X for parameter P is invalid. Reason: R." as SQS words a bad parameter value. */
export const invalidValue = (parameter: string, value: unknown, reason: string) =>
  invalidParameter(`Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`);
export const queueDoesNotExist = () =>
  new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
