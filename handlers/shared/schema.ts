/**
 * Table layouts shared by the CDK stacks and the handlers, so the two can never disagree.
 *
 * History table: one item per change of a bucket's totals.
 *   bucket (S, partition) | ts (S, sort: "<ISO time>#<revision, 12 digits>") | time_ms | size_bytes | object_count | revision | cause
 *   The revision suffix keeps two changes in the same millisecond as two points, in commit order.
 *   GSI `largestSize`: bucket (partition) + size_bytes (sort): "largest size ever" is one query of one item.
 *
 * Ledger table: what the tracker knows of each object, and each bucket's running totals.
 *   bucket (S, partition) | entry (S, sort): "object#<key>" for an object ("object~sha256:<hex>" when
 *   that would exceed 1,024 bytes: a prefix no plain id has), "totals" for the bucket's totals.
 *   An object entry keeps the key's known versions (newest first) and removal tombstones; the totals
 *   item keeps current (size_bytes, object_count) and stored (stored_bytes, stored_versions) totals,
 *   the revision and the reconciliation epoch.
 */
export const HISTORY = {
  partitionKey: 'bucket',
  sortKey: 'ts',
  largestSizeIndex: 'largestSize',
  sizeAttribute: 'size_bytes',
} as const;

export const LEDGER = {
  partitionKey: 'bucket',
  sortKey: 'entry',
  totalsEntry: 'totals',
  objectPrefix: 'object#',
  hashedObjectPrefix: 'object~sha256:',
  /** Every object entry's id starts with this (plain and hashed). */
  anyObjectPrefix: 'object',
} as const;

/** Environment variable names, set by the stacks and read by the handlers. */
export const ENV = {
  historyTable: 'HISTORY_TABLE',
  ledgerTable: 'LEDGER_TABLE',
  trackedBucket: 'TRACKED_BUCKET',
  chartBucket: 'CHART_BUCKET',
  plotApiUrl: 'PLOT_API_URL',
  /** The plot API's key id (absent when the API is open); the value comes from GetApiKey. */
  plotApiKeyId: 'PLOT_API_KEY_ID',
  driverPauseMs: 'DRIVER_PAUSE_MS',
} as const;
