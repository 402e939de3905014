import type { QueueDelivery } from '../sns/delivery.ts';
import { SqsError } from './errors.ts';
import type { SqsService } from './service.ts';

/**
 * SNS -> SQS: an `sqs` subscription's message enqueued on the embedded SQS, as SNS does (its JSON
 * document, or the raw message with its attributes; FIFO topics keep the group and deduplicate by
 * the SNS message id). A queue that is gone, or a message it refuses, fails the delivery with SQS's
 * words (SNS logs it; it has no retries for SQS here).
 */
export function snsToQueue(service: SqsService): (queueArn: string, message: QueueDelivery) => Promise<void> {
  return async (queueArn, message) => {
    const queue = service.queueOfArn(queueArn);
    if (!queue) throw new Error(`queue ${queueArn} does not exist`);
    try {
      service.sendMessage(queue, {
        body: message.body,
        messageAttributes: message.attributes,
        ...(queue.fifo && message.messageGroupId !== undefined
          ? { messageGroupId: message.messageGroupId, messageDeduplicationId: message.messageDeduplicationId }
          : {}),
      });
    } catch (err) {
      if (err instanceof SqsError)
        throw new Error(`SQS refused the message: ${err.queryCode}: ${err.message}`);
      throw err;
    }
  };
}
