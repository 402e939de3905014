import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { replaceFile } from '../../services/replace-file.ts';

/**
 * Where a stream mapping has got to, kept across restarts of a local cloud with a state folder.
 * Lambda keeps an event source mapping's position durably: it never replays what it delivered unless
 * a batch fails. DynamoDB Local keeps stream records in its data folder (same stream ARN, shard ids
 * and sequence numbers after a restart, checked), so without this a TRIM_HORIZON mapping delivered
 * the whole stream again at every restart (the size tracker's alerts publisher re-sent every alert
 * of the last 24 hours).
 */
export interface ShardCheckpoint {
  /** Where the shard was first read from: LATEST (a mapping created at LATEST) or TRIM_HORIZON. */
  readonly startAt: 'LATEST' | 'TRIM_HORIZON';
  /** The last record delivered (its batch completed); reading resumes after it. */
  readonly lastSequence?: string;
  /** A closed shard read to its end. */
  readonly done: boolean;
}

export interface StreamCheckpoint {
  /** The stream the positions belong to: a table deleted and created again has a new one. */
  readonly streamArn: string;
  readonly shards: Readonly<Record<string, ShardCheckpoint>>;
}

export interface CheckpointStore {
  load(): StreamCheckpoint | undefined;
  save(checkpoint: StreamCheckpoint): void;
}

/** One JSON file per mapping, replaced whole so a kill never leaves half of one. */
export function fileCheckpoints(file: string, log: (line: string) => void): CheckpointStore {
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return undefined; // a mapping polled for the first time
      }
      try {
        const parsed = JSON.parse(text) as StreamCheckpoint;
        if (typeof parsed?.streamArn !== 'string' || typeof parsed.shards !== 'object' || !parsed.shards)
          throw new Error('no streamArn and shards');
        return parsed;
      } catch (err) {
        log(
          `stream checkpoint ${file} is unreadable (${(err as Error).message}): starting at StartingPosition`,
        );
        return undefined;
      }
    },
    save(checkpoint) {
      mkdirSync(dirname(file), { recursive: true });
      replaceFile(file, `${JSON.stringify(checkpoint)}\n`);
    },
  };
}
