/** Pure formatting and axis-tick helpers for the chart. All times are UTC. */

export const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;
export type ByteUnit = (typeof BYTE_UNITS)[number];

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Drops trailing zeros of a fixed-point number: "1.50" -> "1.5", "2.00" -> "2". */
function trimFixed(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Formats a byte count with binary units and 3 significant digits: 0 -> "0 B", 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} B`;
  if (n < 0) return `-${formatBytes(-n)}`;
  let unit = 0;
  let value = n;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const decimals = value < 10 ? 2 : value < 100 ? 1 : 0;
  // Rounding may reach the next unit (1023.9 KiB -> "1024 KiB"): promote it.
  if (Number(value.toFixed(decimals)) >= 1024 && unit < BYTE_UNITS.length - 1) {
    return `1 ${BYTE_UNITS[unit + 1]}`;
  }
  return `${trimFixed(value, decimals)} ${BYTE_UNITS[unit]}`;
}

/** Formats a window length for titles, in the largest unit that divides it: 10 -> "10 s", 300 -> "5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s > 0 && s % 86_400 === 0) return `${s / 86_400} d`;
  if (s > 0 && s % 3600 === 0) return `${s / 3600} h`;
  if (s > 0 && s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

export type ByteTicks = {
  /** Tick values in bytes, from 0 to `top`, `step` apart. */
  ticks: number[];
  step: number;
  /** The axis maximum: the last tick, >= the requested maximum. */
  top: number;
  /** One label per tick, all in the step's unit ("0 B", "500 KiB", "1000 KiB"). */
  labels: string[];
};

const NICE_MULTIPLIERS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/**
 * Axis ticks from 0 up to at least `maxBytes`, at most `count` intervals. The step is
 * 1/2/5 x 10^k of a binary unit (B, KiB, MiB...), so every label is a round number of one unit.
 */
export function niceByteTicks(maxBytes: number, count: number): ByteTicks {
  const max = Number.isFinite(maxBytes) && maxBytes > 0 ? maxBytes : 1;
  const intervals = Math.max(1, Math.floor(count));
  const raw = max / intervals;
  let unit = 0;
  while (unit < BYTE_UNITS.length - 1 && 1024 ** (unit + 1) <= raw) unit++;
  const unitBytes = 1024 ** unit;
  const multiplier = NICE_MULTIPLIERS.find((m) => m * unitBytes >= raw);
  // Nothing in this unit is large enough (raw > 500 units): one unit of the next size up.
  const labelUnit = multiplier === undefined ? unit + 1 : unit;
  const step = multiplier === undefined ? 1024 ** (unit + 1) : multiplier * unitBytes;
  const n = Math.max(1, Math.ceil(max / step - 1e-9));
  const ticks: number[] = [];
  const labels: string[] = [];
  for (let i = 0; i <= n; i++) {
    ticks.push(i * step);
    labels.push(`${(i * step) / 1024 ** labelUnit} ${BYTE_UNITS[labelUnit]}`);
  }
  return { ticks, step, top: n * step, labels };
}

/** Round tick intervals for time axes, smallest first. */
export const TIME_INTERVALS_MS: readonly number[] = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  28 * DAY,
  56 * DAY,
  91 * DAY,
  182 * DAY,
  364 * DAY,
];

function ticksAt(startMs: number, endMs: number, interval: number): number[] {
  const ticks: number[] = [];
  for (let t = Math.ceil(startMs / interval) * interval; t <= endMs; t += interval) ticks.push(t);
  return ticks;
}

/**
 * Tick times inside [startMs, endMs] at the smallest round interval (1 s, 2 s, 5 s ... 1 h, 2 h ... 1 d ...)
 * that gives at most `maxTicks` ticks. Ticks are multiples of the interval since the epoch (UTC).
 */
export function timeTicks(startMs: number, endMs: number, maxTicks: number): number[] {
  if (!(endMs >= startMs)) return [];
  const limit = Math.max(1, Math.floor(maxTicks));
  const count = (interval: number) => Math.floor(endMs / interval) - Math.ceil(startMs / interval) + 1;
  let interval = TIME_INTERVALS_MS.find((i) => count(i) <= limit);
  if (interval === undefined) {
    // Beyond the table: multiples of 364 days (about a year each).
    const year = 364 * DAY;
    interval = year * Math.ceil((endMs - startMs) / year / limit);
    while (count(interval) > limit) interval += year;
  }
  return ticksAt(startMs, endMs, interval);
}

export type TimeLabelFormat = 'HH:MM:SS' | 'HH:MM' | 'MM-DD HH:MM';

/** The label format for a time range: seconds for short ranges, minutes for hours, dates for days. */
export function timeLabelFormat(startMs: number, endMs: number): TimeLabelFormat {
  const range = endMs - startMs;
  if (range <= 10 * MINUTE) return 'HH:MM:SS';
  if (range < DAY) return 'HH:MM';
  return 'MM-DD HH:MM';
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Formats an epoch-ms time in UTC in the given format; independent of the machine's time zone. */
export function formatUtcTime(ms: number, format: TimeLabelFormat): string {
  const d = new Date(ms);
  const hhmm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  if (format === 'HH:MM:SS') return `${hhmm}:${pad2(d.getUTCSeconds())}`;
  if (format === 'HH:MM') return hhmm;
  return `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${hhmm}`;
}
