import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * Executions and their history events in `node:sqlite` (`<stateDir>/stepfunctions/executions.db`,
 * WAL), so that they outlive the process. The interpreter keeps its progress in memory only: an
 * execution still RUNNING when the store is opened again ran in a cloud that stopped, and is marked
 * FAILED (`markInterrupted`), never lost nor left running forever.
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  /** JSON text, as given to StartExecution. */
  readonly input: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  /** Epoch milliseconds. */
  readonly startDate: number;
  readonly stopDate?: number;
}

export interface HistoryEventRecord {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  /** The `<type>EventDetails` member's name and value, when the event has details. */
  readonly detailsKey?: string;
  readonly details?: Record<string, unknown>;
}

interface ExecutionRow {
  arn: string;
  state_machine_arn: string;
  name: string;
  status: string;
  input: string;
  output: string | null;
  error: string | null;
  cause: string | null;
  start_date: number;
  stop_date: number | null;
}

export const INTERRUPTED_ERROR = 'States.Runtime';
export const INTERRUPTED_CAUSE = 'the embedded cloud stopped while the execution ran';

export class ExecutionStore {
  private readonly db: DatabaseSync;

  /** `directory` null: in memory (a cloud with temporary state). */
  constructor(directory: string | null) {
    if (directory) mkdirSync(directory, { recursive: true });
    this.db = new DatabaseSync(directory ? join(directory, 'executions.db') : ':memory:');
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      CREATE TABLE IF NOT EXISTS executions (
        arn TEXT PRIMARY KEY, state_machine_arn TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
        input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT, start_date REAL NOT NULL, stop_date REAL
      );
      CREATE INDEX IF NOT EXISTS executions_by_machine ON executions (state_machine_arn, start_date);
      CREATE TABLE IF NOT EXISTS events (
        execution_arn TEXT NOT NULL, id INTEGER NOT NULL, previous_id INTEGER NOT NULL, timestamp REAL NOT NULL,
        type TEXT NOT NULL, details_key TEXT, details TEXT, PRIMARY KEY (execution_arn, id)
      );
    `);
  }

  /** Marks every execution left RUNNING by a previous process FAILED; returns how many. */
  markInterrupted(now: number): number {
    const running = this.db
      .prepare(`SELECT arn FROM executions WHERE status = 'RUNNING'`)
      .all() as unknown as { arn: string }[];
    for (const { arn } of running) {
      this.finish(arn, { status: 'FAILED', error: INTERRUPTED_ERROR, cause: INTERRUPTED_CAUSE }, now);
      this.appendEvent(arn, now, 'ExecutionFailed', 'executionFailedEventDetails', {
        error: INTERRUPTED_ERROR,
        cause: INTERRUPTED_CAUSE,
      });
    }
    return running.length;
  }

  insert(record: ExecutionRecord): void {
    this.db
      .prepare(
        `INSERT INTO executions (arn, state_machine_arn, name, status, input, start_date) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.executionArn,
        record.stateMachineArn,
        record.name,
        record.status,
        record.input,
        record.startDate,
      );
  }

  finish(
    arn: string,
    outcome: { status: ExecutionStatus; output?: string; error?: string; cause?: string },
    stopDate: number,
  ): void {
    this.db
      .prepare(
        `UPDATE executions SET status = ?, output = ?, error = ?, cause = ?, stop_date = ? WHERE arn = ? AND status = 'RUNNING'`,
      )
      .run(
        outcome.status,
        outcome.output ?? null,
        outcome.error ?? null,
        outcome.cause ?? null,
        stopDate,
        arn,
      );
  }

  get(arn: string): ExecutionRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM executions WHERE arn = ?`).get(arn) as unknown as
      | ExecutionRow
      | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Newest first, as ListExecutions answers. */
  list(stateMachineArn: string, status?: string): ExecutionRecord[] {
    const rows = (status
      ? this.db
          .prepare(
            `SELECT * FROM executions WHERE state_machine_arn = ? AND status = ? ORDER BY start_date DESC, rowid DESC`,
          )
          .all(stateMachineArn, status)
      : this.db
          .prepare(
            `SELECT * FROM executions WHERE state_machine_arn = ? ORDER BY start_date DESC, rowid DESC`,
          )
          .all(stateMachineArn)) as unknown as ExecutionRow[];
    return rows.map(toRecord);
  }

  appendEvent(
    arn: string,
    timestamp: number,
    type: string,
    detailsKey?: string,
    details?: Record<string, unknown>,
    previousEventId?: number,
  ): number {
    const last = this.db
      .prepare(`SELECT COALESCE(MAX(id), 0) AS id FROM events WHERE execution_arn = ?`)
      .get(arn) as unknown as { id: number };
    const id = last.id + 1;
    this.db
      .prepare(
        `INSERT INTO events (execution_arn, id, previous_id, timestamp, type, details_key, details) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        arn,
        id,
        previousEventId ?? last.id,
        timestamp,
        type,
        detailsKey ?? null,
        details ? JSON.stringify(details) : null,
      );
    return id;
  }

  events(arn: string): HistoryEventRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM events WHERE execution_arn = ? ORDER BY id`)
      .all(arn) as unknown as {
      id: number;
      previous_id: number;
      timestamp: number;
      type: string;
      details_key: string | null;
      details: string | null;
    }[];
    return rows.map((row) => ({
      id: row.id,
      previousEventId: row.previous_id,
      timestamp: row.timestamp,
      type: row.type,
      ...(row.details_key ? { detailsKey: row.details_key } : {}),
      ...(row.details ? { details: JSON.parse(row.details) as Record<string, unknown> } : {}),
    }));
  }

  close(): void {
    this.db.close();
  }
}

function toRecord(row: ExecutionRow): ExecutionRecord {
  return {
    executionArn: row.arn,
    stateMachineArn: row.state_machine_arn,
    name: row.name,
    status: row.status as ExecutionStatus,
    input: row.input,
    startDate: row.start_date,
    ...(row.output !== null ? { output: row.output } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
    ...(row.cause !== null ? { cause: row.cause } : {}),
    ...(row.stop_date !== null ? { stopDate: row.stop_date } : {}),
  };
}
