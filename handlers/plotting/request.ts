/** Validation of `GET /plot` requests (pure): every user mistake becomes a 400 with a message. */
import type { SeriesChoice } from '../chart/types.ts';

export const maxWindowSeconds = 366 * 24 * 3600;

/** The latest `end` accepted: the last millisecond of year 9999 (what an ISO 8601 time can write). */
export const maxEndMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export type { SeriesChoice } from '../chart/types.ts';

export interface PlotRequest {
  readonly windowSeconds: number;
  /** End of the window (epoch ms); null means now. */
  readonly endMs: number | null;
  readonly bucket: string;
  readonly format: 'png' | 'json';
  /** The series the PNG draws (JSON always carries both). */
  readonly series: SeriesChoice;
  /** The PNG's size in pixels (`size=<width>x<height>`, default 800x450). */
  readonly width: number;
  readonly height: number;
}

export const defaultChartSize = { width: 800, height: 450 } as const;
const chartSizeBounds = { width: [300, 2000], height: [200, 1500] } as const;

export type ParsedPlotRequest =
  | { readonly ok: true; readonly request: PlotRequest }
  | { readonly ok: false; readonly error: string };

/** The parameters the API reads; any other parameter is ignored (a browser's cache-buster, say). */
export const knownParameters = ['window', 'end', 'bucket', 'format', 'series', 'size'] as const;

const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const seriesChoices: readonly string[] = ['current', 'stored', 'both'];

/**
 * `multiValueQuery` is API Gateway's view of repeated parameters: a parameter the API reads that is
 * given twice is ambiguous, so it is refused rather than silently taking one of the values.
 */
export function parsePlotRequest(
  query: Readonly<Record<string, string | undefined>> | null | undefined,
  accept: string | undefined,
  defaultBucket: string,
  multiValueQuery?: Readonly<Record<string, readonly string[] | undefined>> | null,
): ParsedPlotRequest {
  const params = query ?? {};
  for (const name of knownParameters) {
    const values = multiValueQuery?.[name];
    if (values && values.length > 1) {
      return { ok: false, error: `query parameter "${name}" is given ${values.length} times: give it once` };
    }
  }
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
      error: `query parameter "window" must be a positive number of seconds, got ${quoted(rawWindow)}`,
    };
  }
  const windowSeconds = Number(rawWindow);
  if (!(windowSeconds > 0)) {
    return { ok: false, error: `query parameter "window" must be greater than 0, got ${quoted(rawWindow)}` };
  }
  if (windowSeconds > maxWindowSeconds) {
    return {
      ok: false,
      error: `query parameter "window" must be at most ${maxWindowSeconds} seconds (366 days), got ${quoted(rawWindow)}`,
    };
  }
  const bucket = params.bucket ?? defaultBucket;
  if (!bucketName.test(bucket) || bucket.includes('..')) {
    return { ok: false, error: `query parameter "bucket" is not a valid S3 bucket name: ${quoted(bucket)}` };
  }
  let endMs: number | null = null;
  if (params.end !== undefined && params.end !== '') {
    endMs = /^\d+$/.test(params.end) ? Number(params.end) : Date.parse(params.end);
    if (!Number.isFinite(endMs) || endMs <= 0) {
      return {
        ok: false,
        error: `query parameter "end" must be an ISO 8601 time or epoch milliseconds, got ${quoted(params.end)}`,
      };
    }
    // Beyond this a window's times have no ISO 8601 form (and beyond 8.64e15 no Date at all).
    if (endMs > maxEndMs) {
      return {
        ok: false,
        error: `query parameter "end" must be at most ${new Date(maxEndMs).toISOString()} (${maxEndMs} ms), got ${quoted(params.end)}`,
      };
    }
  }
  const format = params.format ?? (accept?.includes('application/json') ? 'json' : 'png');
  if (format !== 'png' && format !== 'json') {
    return { ok: false, error: `query parameter "format" must be "png" or "json", got ${quoted(format)}` };
  }
  const series = params.series ?? 'current';
  if (!seriesChoices.includes(series)) {
    return {
      ok: false,
      error: `query parameter "series" must be "current", "stored" or "both", got ${quoted(series)}`,
    };
  }
  let { width, height }: { width: number; height: number } = defaultChartSize;
  if (params.size !== undefined) {
    const match = /^(\d{1,5})x(\d{1,5})$/.exec(params.size);
    width = Number(match?.[1]);
    height = Number(match?.[2]);
    const [minW, maxW] = chartSizeBounds.width;
    const [minH, maxH] = chartSizeBounds.height;
    if (!match || width < minW || width > maxW || height < minH || height > maxH) {
      return {
        ok: false,
        error: `query parameter "size" must be <width>x<height> pixels, width ${minW}-${maxW}, height ${minH}-${maxH}, got ${quoted(params.size)}`,
      };
    }
  }
  return {
    ok: true,
    request: { windowSeconds, endMs, bucket, format, series: series as SeriesChoice, width, height },
  };
}

/** A user's value in a message: JSON-quoted (control characters escaped) and cut to a readable length. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
