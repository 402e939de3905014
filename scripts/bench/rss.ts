import { readdirSync, readFileSync } from 'node:fs';

/**
 * Peak resident memory of a process tree (the benchmark's own Node process, which hosts the embedded
 * cloud or the tracker, plus every descendant: the S3 child, the Java DynamoDB Local, the function
 * children), sampled from /proc every `intervalMs`. Linux only; elsewhere the peak stays 0.
 */
export class RssSampler {
  private peakBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly rootPid: number = process.pid,
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Stops sampling; returns the peak in MiB. */
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return Math.round((this.peakBytes / 1024 / 1024) * 10) / 10;
  }

  private sample(): void {
    const total = treeRssBytes(this.rootPid);
    if (total > this.peakBytes) this.peakBytes = total;
  }
}

/** Sum of VmRSS over `root` and its descendants (one /proc scan). */
export function treeRssBytes(root: number): number {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return 0;
  }
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const name of pids) {
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const pid = Number(name);
      rss.set(pid, kb * 1024);
      const list = children.get(ppid) ?? [];
      list.push(pid);
      children.set(ppid, list);
    } catch {
      // the process ended between readdir and read
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}
