/** Validation of `GET /plot` requests (pure): every user mistake becomes a 400 with a message. */

export const maxWindowSeconds = 366 * 24 * 3600;

export interface PlotRequest {
  readonly windowSeconds: number;
  /** End of the window (epoch ms); null means now. */
  readonly endMs: number | null;
  readonly bucket: string;
  readonly format: 'png' | 'json';
}

export type ParsedPlotRequest =
  | { readonly ok: true; readonly request: PlotRequest }
  | { readonly ok: false; readonly error: string };

const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parsePlotRequest(
  query: Readonly<Record<string, string | undefined>> | null | undefined,
  accept: string | undefined,
  defaultBucket: string,
): ParsedPlotRequest {
  const params = query ?? {};
  const rawWindow = params.window;
  if (rawWindow === undefined || rawWindow.trim() === '') {
    return {
      ok: false,
      error: 'query parameter "window" is required: the number of seconds to plot, e.g. ?window=3600',
    };
  }
  if (!/^\d+(\.\d+)?$/.test(rawWindow.trim())) {
    return {
      ok: false,
      error: `query parameter "window" must be a positive number of seconds, got "${rawWindow}"`,
    };
  }
  const windowSeconds = Number(rawWindow);
  if (!(windowSeconds > 0)) {
    return { ok: false, error: `query parameter "window" must be greater than 0, got "${rawWindow}"` };
  }
  if (windowSeconds > maxWindowSeconds) {
    return {
      ok: false,
      error: `query parameter "window" must be at most ${maxWindowSeconds} seconds (366 days), got "${rawWindow}"`,
    };
  }
  const bucket = params.bucket ?? defaultBucket;
  if (!bucketName.test(bucket) || bucket.includes('..')) {
    return { ok: false, error: `query parameter "bucket" is not a valid S3 bucket name: "${bucket}"` };
  }
  let endMs: number | null = null;
  if (params.end !== undefined && params.end !== '') {
    endMs = /^\d+$/.test(params.end) ? Number(params.end) : Date.parse(params.end);
    if (!Number.isFinite(endMs) || endMs <= 0) {
      return {
        ok: false,
        error: `query parameter "end" must be an ISO 8601 time or epoch milliseconds, got "${params.end}"`,
      };
    }
  }
  const format = params.format ?? (accept?.includes('application/json') ? 'json' : 'png');
  if (format !== 'png' && format !== 'json') {
    return { ok: false, error: `query parameter "format" must be "png" or "json", got "${format}"` };
  }
  return { ok: true, request: { windowSeconds, endMs, bucket, format } };
}
