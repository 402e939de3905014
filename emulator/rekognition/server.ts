import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InvalidImageFormatError, type LabelDetector } from '../../classifier/labels.ts';
import { LocalLabelDetector } from '../../classifier/local/local-detector.ts';
import { assertPortFree } from '../services/free-port.ts';
import { createLoopbackServer } from '../services/loopback-host.ts';
import {
  DETECT_LABELS_TARGET,
  type DetectLabelsRequest,
  errorBody,
  IMAGE_TOO_LARGE,
  INVALID_IMAGE_FORMAT,
  INVALID_S3_OBJECT,
  MAX_IMAGE_BYTES,
  MAX_S3_IMAGE_BYTES,
  parseDetectLabelsRequest,
  RekognitionError,
} from './protocol.ts';

/**
 * A Rekognition-compatible DetectLabels endpoint on a loopback port: `@aws-sdk/client-rekognition`
 * with `endpoint` set to it works unchanged. Labels come from a real model (the local CenterNet)
 * unless another LabelDetector is given; S3Object images are read from the embedded S3.
 */
export interface RekognitionServerOptions {
  /** The embedded S3 (http://127.0.0.1:<port>) for Image.S3Object; without it such requests fail. */
  readonly s3Endpoint?: string;
  /** Loopback port; a free one when omitted. */
  readonly port?: number;
  /** Address to listen on: 127.0.0.1 unless containers must reach it (LocalStack's functions: 0.0.0.0). */
  readonly host?: string;
  /** Defaults to the local CenterNet model. */
  readonly detector?: LabelDetector;
  /** Load the model before listening (default true), so that the first request is not slower. */
  readonly warm?: boolean;
  readonly log?: (line: string) => void;
}

export interface RekognitionServer {
  /** http://127.0.0.1:<port>, for the SDK's `endpoint` or AWS_ENDPOINT_URL_REKOGNITION. */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

const WHAT = 'the embedded Rekognition';
/** Base64 of a 5 MB image plus the rest of the JSON, with room to spare. */
const MAX_BODY_BYTES = Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 64 * 1024;

export async function startRekognitionServer(
  options: RekognitionServerOptions = {},
): Promise<RekognitionServer> {
  if (options.port !== undefined) await assertPortFree(options.port, WHAT);
  const detector = options.detector ?? new LocalLabelDetector();
  if ((options.warm ?? true) && detector instanceof LocalLabelDetector) await detector.warm();
  const s3 =
    options.s3Endpoint === undefined
      ? undefined
      : new S3Client({
          endpoint: options.s3Endpoint,
          forcePathStyle: true,
          region: 'us-east-1',
          credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' },
        });
  // on every interface for containers (LocalStack's functions), whose requests name another host
  const anyHost = options.host !== undefined && options.host !== '127.0.0.1';
  const server = createLoopbackServer(
    (request, response) => {
      handle(request, response, detector, s3).catch((error: Error) => {
        options.log?.(`Rekognition request failed: ${error.stack ?? error.message}`);
        if (!response.headersSent) {
          sendError(response, new RekognitionError('InternalServerError', 'Internal server error'));
        } else response.end();
      });
    },
    { anyHost },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        s3?.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  detector: LabelDetector,
  s3: S3Client | undefined,
): Promise<void> {
  try {
    const target = request.headers['x-amz-target'];
    if (request.method !== 'POST' || target !== DETECT_LABELS_TARGET) {
      throw new RekognitionError(
        'UnknownOperationException',
        `The embedded Rekognition serves only POST with X-Amz-Target: ${DETECT_LABELS_TARGET} (got ${request.method} ${String(target ?? 'no target')})`,
      );
    }
    const parsed = parseDetectLabelsRequest(await readJson(request));
    const image = await imageBytes(parsed, s3);
    let result: Awaited<ReturnType<LabelDetector['detectLabels']>>;
    try {
      result = await detector.detectLabels(image, {
        maxLabels: parsed.maxLabels,
        minConfidence: parsed.minConfidence,
      });
    } catch (error) {
      if (error instanceof InvalidImageFormatError)
        throw new RekognitionError('InvalidImageFormatException', INVALID_IMAGE_FORMAT);
      throw error;
    }
    const labels = result.Labels.map((label) => ({ ...label, Aliases: [], Categories: [] }));
    send(response, 200, { Labels: labels, LabelModelVersion: result.LabelModelVersion });
  } catch (error) {
    if (!(error instanceof RekognitionError)) throw error;
    sendError(response, error);
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).length;
    // keep reading (the client is still sending) but stop keeping
    if (length <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  if (length > MAX_BODY_BYTES) throw new RekognitionError('ImageTooLargeException', IMAGE_TOO_LARGE);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new RekognitionError('SerializationException', 'The request body is not valid JSON');
  }
}

async function imageBytes(request: DetectLabelsRequest, s3: S3Client | undefined): Promise<Uint8Array> {
  const image = request.image;
  if (image.kind === 'bytes') return image.bytes;
  if (s3 === undefined) {
    throw new RekognitionError(
      'InvalidS3ObjectException',
      `${INVALID_S3_OBJECT} (this Rekognition endpoint was started without an S3 endpoint)`,
    );
  }
  try {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: image.bucket, Key: image.key, VersionId: image.versionId }),
    );
    if ((object.ContentLength ?? 0) > MAX_S3_IMAGE_BYTES) {
      (object.Body as { destroy?: () => void } | undefined)?.destroy?.();
      throw new RekognitionError('ImageTooLargeException', IMAGE_TOO_LARGE);
    }
    return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (error) {
    if (error instanceof RekognitionError) throw error;
    throw new RekognitionError('InvalidS3ObjectException', INVALID_S3_OBJECT);
  }
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: RekognitionError): void {
  send(response, error.status, errorBody(error, randomUUID()), { 'x-amzn-errortype': error.type });
}
