import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The email outbox: what `email` and `email-json` subscriptions would have sent, one file per
 * message and recipient, `<stateDir>/sns/outbox/<topic name>/<time>-<message id>-<recipient>.eml`
 * (time: ISO 8601 UTC with `:` as `-`, so names sort by time and are valid everywhere). Each file
 * is a readable RFC 5322 message: headers (From, To, Subject, Date, Message-ID, Content-Type,
 * X-Amz-Sns-Message-Id, X-Amz-Sns-Topic-Arn, X-Amz-Sns-Subscription-Arn, X-Amz-Sns-Protocol), an
 * empty line, the body (email: the message text and SNS's unsubscribe footer; email-json: SNS's JSON
 * document). Files are written whole (temporary name, then rename): a reader never sees half a file.
 */
export interface OutboxEmail {
  /** Absolute path of the .eml file. */
  readonly file: string;
  /** The topic's name (its folder). */
  readonly topic: string;
  readonly protocol: 'email' | 'email-json';
  readonly to: string;
  readonly subject: string;
  readonly messageId: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  readonly date: string;
  /** Every header, by name as written. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** email-json: the parsed JSON document (Type, MessageId, TopicArn, Subject, Message, ...). */
  readonly json?: Record<string, unknown>;
}

export function outboxDir(stateDir: string): string {
  return join(stateDir, 'sns', 'outbox');
}

export interface OutgoingEmail {
  readonly protocol: 'email' | 'email-json';
  readonly topicName: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly messageId: string;
  /** ISO 8601 UTC. */
  readonly timestamp: string;
  readonly body: string;
}

const safe = (text: string) => text.replace(/[^A-Za-z0-9@._+-]/g, '_');

/** Writes one email into the outbox; returns its path. */
export async function writeOutboxEmail(stateDir: string, email: OutgoingEmail): Promise<string> {
  const folder = join(outboxDir(stateDir), safe(email.topicName));
  await mkdir(folder, { recursive: true });
  const name = `${email.timestamp.replaceAll(':', '-')}-${email.messageId}-${safe(email.to)}.eml`;
  const headers = [
    `From: ${email.from}`,
    `To: ${email.to}`,
    `Subject: ${email.subject}`,
    `Date: ${new Date(email.timestamp).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${email.messageId}@sns.embedded>`,
    `Content-Type: ${email.protocol === 'email-json' ? 'application/json' : 'text/plain'}; charset=UTF-8`,
    `X-Amz-Sns-Message-Id: ${email.messageId}`,
    `X-Amz-Sns-Topic-Arn: ${email.topicArn}`,
    `X-Amz-Sns-Subscription-Arn: ${email.subscriptionArn}`,
    `X-Amz-Sns-Protocol: ${email.protocol}`,
  ];
  const file = join(folder, name);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${headers.join('\n')}\n\n${email.body}`);
  await rename(temporary, file);
  return file;
}

/** Parses one outbox file. */
export function parseOutboxEmail(file: string, topic: string): OutboxEmail {
  const text = readFileSync(file, 'utf8');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 2);
  const headers: Record<string, string> = {};
  for (const line of head.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  const protocol = headers['X-Amz-Sns-Protocol'] === 'email-json' ? 'email-json' : 'email';
  return {
    file,
    topic,
    protocol,
    to: headers.To ?? '',
    subject: headers.Subject ?? '',
    messageId: headers['X-Amz-Sns-Message-Id'] ?? '',
    topicArn: headers['X-Amz-Sns-Topic-Arn'] ?? '',
    subscriptionArn: headers['X-Amz-Sns-Subscription-Arn'] ?? '',
    date: headers.Date ?? '',
    headers,
    body,
    ...(protocol === 'email-json' ? { json: JSON.parse(body) as Record<string, unknown> } : {}),
  };
}

/**
 * Every email in `<stateDir>/sns/outbox`, oldest first (all topics; `topic` narrows to one topic
 * name). Empty when nothing was sent yet.
 */
export function readOutbox(stateDir: string, options: { topic?: string } = {}): OutboxEmail[] {
  const root = outboxDir(stateDir);
  if (!existsSync(root)) return [];
  const topics = readdirSync(root, { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && (options.topic === undefined || entry.name === safe(options.topic)),
    )
    .map((entry) => entry.name);
  const emails = topics.flatMap((topic) =>
    readdirSync(join(root, topic))
      .filter((name) => name.endsWith('.eml'))
      .map((name) => ({ name, topic })),
  );
  emails.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return emails.map(({ name, topic }) => parseOutboxEmail(join(root, topic, name), topic));
}
