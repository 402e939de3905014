import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * One HTTP(S) delivery as SNS makes it: a POST with `Content-Type: text/plain; charset=UTF-8`, SNS's
 * user agent and the `x-amz-sns-*` headers. A 2xx answer is a delivery; a server-side error (5xx,
 * 429, no connection, no answer within 15 s) is retried after each delay, then given up (SNS's
 * default policy: 3 retries, 20 s apart; the delays here are short); any other answer (a 4xx) fails
 * at once, as SNS retries server-side errors only. HTTPS certificates are not checked (local test servers).
 */
export interface EndpointPost {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

const TIMEOUT_MS = 15_000;

function postOnce(url: string, post: EndpointPost): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'text/plain; charset=UTF-8',
          'user-agent': 'Amazon Simple Notification Service Agent',
          'content-length': Buffer.byteLength(post.body),
          ...post.headers,
        },
        timeout: TIMEOUT_MS,
        ...(target.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(post.body);
  });
}

/** POSTs until a 2xx answer; throws when given up, saying what the endpoint did. */
export async function postToEndpoint(
  url: string,
  post: EndpointPost,
  retryDelaysMs: readonly number[],
): Promise<void> {
  let last = '';
  for (let attempt = 0; ; attempt++) {
    const status = await postOnce(url, post).catch((err: Error) => err);
    if (typeof status === 'number') {
      if (status >= 200 && status < 300) return;
      if (status < 500 && status !== 429)
        throw new Error(`${url}: HTTP ${status}, not retried (a client-side error)`);
      last = `HTTP ${status}`;
    } else {
      last = status.message;
    }
    const delay = retryDelaysMs[attempt];
    if (delay === undefined) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  throw new Error(`${url}: ${last} after ${retryDelaysMs.length + 1} attempts`);
}
