import { readdirSync, readFileSync } from 'node:fs';

/** The pids of this process's live children (Linux /proc; empty elsewhere): what an app must not leave behind. */
export function childPids(): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (ppid === String(process.pid) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Children started since `before` that are still alive after up to `graceMs` (exits take a moment). */
export async function leftBehind(before: readonly number[], graceMs = 3000): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const extra = childPids().filter((pid) => !before.includes(pid));
    if (extra.length === 0 || Date.now() > deadline) return extra;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
