import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';

/** One line naming the machine the figures come from: CPU, cores, memory, Node, OS. */
export function describeMachine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memGiB = Math.round(totalmem() / 1024 ** 3);
  let os = `${type()} ${release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) os = `${pretty} (${type()} ${release()})`;
  } catch {
    // not Linux: the kernel name and release will do
  }
  return `${cpu}, ${cpus().length} cores, ${memGiB} GiB RAM, Node ${process.version}, ${os}`;
}
