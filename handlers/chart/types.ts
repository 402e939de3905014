/** One point of a bucket's size history: the totals right after a change. */
export type SizePoint = {
  /** Epoch milliseconds (UTC). */
  timeMs: number;
  /** Current totals: what a listing shows (bytes and count of current versions). */
  sizeBytes: number;
  objectCount: number;
  /**
   * Stored totals: every version kept (what S3 bills, CloudWatch's BucketSizeBytes); delete markers
   * hold no bytes and are not counted. Absent means equal to the current totals (unversioned bucket,
   * or a point written before stored totals existed).
   */
  storedBytes?: number;
  storedVersions?: number;
};

/** Which totals a chart draws. */
export type Series = 'current' | 'stored';

/** What a chart draws: one series, or both as two lines with a legend. */
export type SeriesChoice = Series | 'both';

/** The series a choice draws, in drawing order (stored under current: it is never smaller). */
export function seriesOf(choice: SeriesChoice): Series[] {
  return choice === 'both' ? ['stored', 'current'] : [choice];
}

/** A point's value in one series. */
export function seriesValue(point: SizePoint, series: Series): number {
  return series === 'stored' ? (point.storedBytes ?? point.sizeBytes) : point.sizeBytes;
}

export type ChartOptions = {
  bucket: string;
  windowSeconds: number;
  /** Start of the drawn time range, epoch ms. */
  startMs: number;
  /** End of the drawn time range ("now"), epoch ms. */
  endMs: number;
  /**
   * The largest current total the tracker ever committed (from the GSI); null when unknown: no max
   * line is drawn. Drawn only with the current series (it is not a maximum of the stored one).
   */
  maxSizeBytes: number | null;
  /** The series drawn, default 'current'. */
  series?: SeriesChoice;
  /** PNG width in pixels, default 800. */
  width?: number;
  /** PNG height in pixels, default 450. */
  height?: number;
};
