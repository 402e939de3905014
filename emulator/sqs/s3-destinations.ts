import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudModel } from '../cloudformation/cloud-model.ts';
import {
  type DestinationNotification,
  DestinationRouter,
  destinationsOf,
  type EventSource,
  s3TestEvent,
} from '../s3/notifications.ts';
import type { SnsService } from '../sns/service.ts';
import type { SqsService } from './service.ts';

/**
 * S3 -> SQS and S3 -> SNS: the buckets' queue and topic notifications (s3/notifications.ts) sent to
 * the embedded SQS and SNS. As S3 does when a configuration is applied, each queue or topic first
 * gets an `s3:TestEvent` message; which ones got it is kept in `<stateDir>/sqs/s3-test-events.json`,
 * so a restart of an unchanged app sends none again. Returns the unsubscribe function.
 */
export function startS3Destinations(options: {
  readonly model: CloudModel;
  readonly sqs: SqsService;
  readonly sns: SnsService;
  readonly source: EventSource;
  readonly stateDir: string | null;
  readonly filtersMatchEncodedKey?: boolean;
  readonly log: (line: string) => void;
}): () => void {
  const send = (destination: DestinationNotification, body: string) => {
    try {
      if (destination.kind === 'queue') {
        const queue = options.sqs.queueOfArn(destination.arn);
        if (!queue) throw new Error('no such queue in this cloud');
        options.sqs.sendMessage(queue, { body });
      } else {
        options.sns.publish({ topicArn: destination.arn, message: body, subject: 'Amazon S3 Notification' });
      }
    } catch (err) {
      options.log(
        `S3 notification of bucket ${destination.bucket} to ${destination.arn} failed: ${(err as Error).message}`,
      );
    }
  };
  sendTestEvents(options.model, options.stateDir, send);
  const router = new DestinationRouter(options.model, send, {
    ...(options.filtersMatchEncodedKey !== undefined
      ? { filtersMatchEncodedKey: options.filtersMatchEncodedKey }
      : {}),
  });
  return router.attach(options.source);
}

function sendTestEvents(
  model: CloudModel,
  stateDir: string | null,
  send: (destination: DestinationNotification, body: string) => void,
): void {
  const file = stateDir ? join(stateDir, 'sqs', 's3-test-events.json') : undefined;
  let sent: string[] = [];
  if (file) {
    try {
      sent = JSON.parse(readFileSync(file, 'utf8')) as string[];
    } catch {
      sent = [];
    }
  }
  const done = new Set(sent);
  for (const [bucket, list] of destinationsOf(model)) {
    for (const destination of list) {
      const key = `${bucket} ${destination.kind} ${destination.arn}`;
      if (done.has(key)) continue;
      done.add(key);
      send(destination, s3TestEvent(bucket, new Date(), randomBytes(8).toString('hex').toUpperCase()));
    }
  }
  if (file && done.size > sent.length) {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify([...done].sort()));
  }
}
