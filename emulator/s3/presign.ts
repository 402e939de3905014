/**
 * Presigned URLs (SigV4 in the query string) checked as S3 checks them: the signature recomputed
 * with the secret of the URL's access key, 403 SignatureDoesNotMatch when it differs (another key,
 * method, path, query or signed header), 403 InvalidAccessKeyId for a key the embedded cloud does
 * not know. Only query-string signatures are verified: requests signed in the Authorization header
 * are accepted with any credentials, as before. Pure apart from the hashing.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { S3Error } from './errors.ts';

/**
 * Access key -> secret the embedded cloud signs with: `local` (functions and clients of the cloud),
 * the keys of our tests and benches, the ceph/s3-tests configuration's; plus EMBEDDED_S3_CREDENTIALS
 * (`id:secret,id:secret`) when set.
 */
export function knownCredentials(env: NodeJS.ProcessEnv = process.env): ReadonlyMap<string, string> {
  const known = new Map<string, string>([
    ['local', 'local'],
    ['embedded', 'embedded'],
    ['test', 'test'],
    ['bench', 'bench'],
    ['x', 'x'],
    ['ALTKEYALTKEYALTKEY01', 'altsecret'],
    ['TENANTKEYTENANTKEY01', 'tenantsecret'],
    ['IAMKEYIAMKEYIAMKEY01', 'iamsecret'],
  ]);
  for (const pair of (env.EMBEDDED_S3_CREDENTIALS ?? '').split(',').filter(Boolean)) {
    const at = pair.indexOf(':');
    if (at > 0) known.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return known;
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~ (and '/' in paths). */
function uriEncode(text: string, keepSlash: boolean): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

export interface PresignedRequest {
  readonly method: string;
  /** The request line's target as received: path and query, percent-encoded. */
  readonly rawUrl: string;
  readonly headers: IncomingHttpHeaders;
}

/** The canonical request of SigV4 for a presigned URL (S3: the path is encoded once, not twice). */
export function canonicalRequest(request: PresignedRequest, signedHeaders: readonly string[]): string {
  const at = request.rawUrl.indexOf('?');
  const path = at < 0 ? request.rawUrl : request.rawUrl.slice(0, at);
  const rawQuery = at < 0 ? '' : request.rawUrl.slice(at + 1);
  const pairs = rawQuery
    .split('&')
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=');
      const name = decode((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, '%20'));
      const value = eq < 0 ? '' : decode(part.slice(eq + 1).replace(/\+/g, '%20'));
      return [uriEncode(name, false), uriEncode(value, false)] as const;
    })
    .filter(([name]) => name !== 'X-Amz-Signature')
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const canonicalHeaders = signedHeaders
    .map((name) => {
      const value = request.headers[name];
      const text = Array.isArray(value) ? value.join(',') : (value ?? '');
      return `${name}:${text.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const payload = new URLSearchParams(rawQuery).get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
  return [
    request.method,
    uriEncode(decode(path), true),
    pairs.map(([name, value]) => `${name}=${value}`).join('&'),
    canonicalHeaders,
    signedHeaders.join(';'),
    payload,
  ].join('\n');
}

/**
 * Throws S3's error when a SigV4 presigned request's signature is wrong; returns quietly for requests
 * that are not presigned with SigV4 (no X-Amz-Signature in the query). Expiry is checked elsewhere
 * (router.ts checkRequest), before this.
 */
export function verifyPresignedV4(
  request: PresignedRequest,
  query: URLSearchParams,
  credentials: ReadonlyMap<string, string>,
): void {
  const signature = query.get('X-Amz-Signature');
  if (signature === null) return;
  const algorithm = query.get('X-Amz-Algorithm');
  const credential = query.get('X-Amz-Credential') ?? '';
  const amzDate = query.get('X-Amz-Date') ?? '';
  const signedHeaders = (query.get('X-Amz-SignedHeaders') ?? '').split(';').filter(Boolean);
  if (algorithm !== 'AWS4-HMAC-SHA256') {
    throw new S3Error(
      'AuthorizationQueryParametersError',
      'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
    );
  }
  const [accessKey, date, region, service, terminator, ...extra] = credential.split('/');
  if (
    !accessKey ||
    !date ||
    !region ||
    service !== 's3' ||
    terminator !== 'aws4_request' ||
    extra.length > 0
  ) {
    throw new S3Error(
      'AuthorizationQueryParametersError',
      'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    );
  }
  if (!signedHeaders.includes('host')) {
    throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-SignedHeaders must include host');
  }
  const secret = credentials.get(accessKey);
  if (secret === undefined) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: accessKey });
  const canonical = canonicalRequest(request, signedHeaders);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  const given = Buffer.from(signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected, 'utf8'))) {
    throw new S3Error('SignatureDoesNotMatch', undefined, {
      AWSAccessKeyId: accessKey,
      StringToSign: stringToSign,
      SignatureProvided: signature,
      CanonicalRequest: canonical,
    });
  }
}
