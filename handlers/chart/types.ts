/** One point of a bucket's size history: the totals right after a change. */
export type SizePoint = {
  /** Epoch milliseconds (UTC). */
  timeMs: number;
  sizeBytes: number;
  objectCount: number;
};

export type ChartOptions = {
  bucket: string;
  windowSeconds: number;
  /** Start of the drawn time range, epoch ms. */
  startMs: number;
  /** End of the drawn time range ("now"), epoch ms. */
  endMs: number;
  /** All-time maximum size (from the GSI); null when unknown: no max line is drawn. */
  maxSizeBytes: number | null;
  /** PNG width in pixels, default 800. */
  width?: number;
  /** PNG height in pixels, default 450. */
  height?: number;
};
