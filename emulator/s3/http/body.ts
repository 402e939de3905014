/**
 * Request bodies: plain, or `aws-chunked` (SigV4 streaming uploads and the SDKs' trailing
 * checksums: `<hex size>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailers>\r\n\r\n`), decoded
 * as a stream so large uploads never sit in memory. Signatures are not verified.
 */
import type { IncomingMessage } from 'node:http';
import { S3Error } from '../errors.ts';

/** Whether the request body is aws-chunked. */
export function isAwsChunked(headers: IncomingMessage['headers']): boolean {
  // the payload hash says how the body is framed; `Content-Encoding: aws-chunked` alone (a client's
  // own header) does not make a plain body chunked
  return String(headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
}

/** Decodes an aws-chunked stream; trailers (e.g. x-amz-checksum-crc32) are put into `trailers`. */
export async function* decodeAwsChunked(
  source: AsyncIterable<Uint8Array>,
  trailers: Record<string, string> = {},
): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  let remaining = -1; // bytes of chunk data still to come; -1: a size line is next
  let finished = false;
  const readLine = (): string | undefined => {
    const at = pending.indexOf('\r\n');
    if (at < 0) return undefined;
    const line = pending.subarray(0, at).toString('latin1');
    pending = pending.subarray(at + 2);
    return line;
  };
  for await (const chunk of source) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
    for (;;) {
      if (finished) {
        const line = readLine();
        if (line === undefined) break;
        const colon = line.indexOf(':');
        if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        continue;
      }
      if (remaining < 0) {
        const line = readLine();
        if (line === undefined) break;
        if (line === '') continue; // the CRLF after a chunk's data
        const size = Number.parseInt(line.split(';')[0] ?? '', 16);
        if (!Number.isFinite(size) || size < 0)
          throw new S3Error('IncompleteBody', 'malformed aws-chunked body');
        if (size === 0) {
          finished = true;
          continue;
        }
        remaining = size;
      }
      if (pending.length === 0) break;
      const take = Math.min(remaining, pending.length);
      yield pending.subarray(0, take);
      pending = pending.subarray(take);
      remaining -= take;
      if (remaining === 0) remaining = -1;
    }
  }
  if (!finished) throw new S3Error('IncompleteBody');
}

/** The decoded body as a stream (and the trailers, filled once it has been read). */
export function bodyOf(req: IncomingMessage): {
  stream: AsyncIterable<Uint8Array>;
  trailers: Record<string, string>;
} {
  const trailers: Record<string, string> = {};
  if (isAwsChunked(req.headers)) return { stream: decodeAwsChunked(req, trailers), trailers };
  return { stream: req, trailers };
}

/** Reads a whole (small) body: XML requests, forms. */
export async function readAll(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of bodyOf(req).stream) {
    size += chunk.length;
    if (size > limit) throw new S3Error('EntityTooLarge');
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** The declared length of the decoded body, when the request says it. */
export function declaredLength(headers: IncomingMessage['headers']): number | undefined {
  const raw = isAwsChunked(headers) ? headers['x-amz-decoded-content-length'] : headers['content-length'];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** Splits a multipart/form-data body (browser POST uploads). */
export function parseFormData(body: Buffer, contentType: string): FormPart[] | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const mark = boundary?.[1] ?? boundary?.[2];
  if (!mark) return null;
  const delimiter = Buffer.from(`--${mark}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    let start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    start += 2; // CRLF
    const next = body.indexOf(delimiter, start);
    if (next < 0) return null;
    const part = body.subarray(start, next - 2); // CRLF before the delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) return null;
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name !== undefined) {
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
      const type = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1];
      parts.push({
        name,
        ...(filename !== undefined ? { filename } : {}),
        ...(type ? { contentType: type } : {}),
        data: part.subarray(headerEnd + 4),
      });
    }
    at = next;
  }
  return parts;
}
