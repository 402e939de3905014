// Functions of the SQS fixture app. Each logs one JSON line (`{"fixture": ...}`) the test reads back;
// the chain worker also reports to the Results queue with the runtime's @aws-sdk/client-sqs (not
// bundled, as on AWS), which finds the embedded SQS through AWS_ENDPOINT_URL_SQS.
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const log = (what) => console.log(JSON.stringify({ fixture: what }));
const sqs = new SQSClient({});

// Each record's body is a command: { id, fail?: report it failed, throw?: fail the invocation, sleepMs? }
export const worker = async (event) => {
  const started = Date.now();
  const failures = [];
  const commands = event.Records.map((record) => JSON.parse(record.body));
  for (const [index, command] of commands.entries()) {
    if (command.sleepMs) await new Promise((resolve) => setTimeout(resolve, command.sleepMs));
    if (command.throw) throw new Error(`asked to fail on ${command.id}`);
    if (command.fail) failures.push({ itemIdentifier: event.Records[index].messageId });
    if (command.badReport) failures.push({ itemIdentifier: 'not-in-the-batch' });
  }
  log({
    fn: 'worker',
    started,
    ended: Date.now(),
    ids: commands.map((c) => c.id),
    receiveCounts: event.Records.map((r) => r.attributes.ApproximateReceiveCount),
    sources: [...new Set(event.Records.map((r) => r.eventSourceARN))],
  });
  return { batchItemFailures: failures };
};

export const ordered = async (event) => {
  log({
    fn: 'ordered',
    bodies: event.Records.map((r) => r.body),
    groups: event.Records.map((r) => r.attributes.MessageGroupId),
  });
};

export const chain = async (event) => {
  for (const record of event.Records) {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: process.env.RESULTS_URL,
        MessageBody: JSON.stringify({
          body: record.body,
          source: record.eventSourceARN,
          md5: record.md5OfBody,
        }),
      }),
    );
  }
};
