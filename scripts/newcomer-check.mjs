// `make newcomer-check`: what a newcomer's first ten minutes cost (issue 9). Clones this repository
// (its committed HEAD) into a temporary folder and times the README's two commands there, `make demo`
// (which includes the toolchain set-up and `npm ci`) then `make test`, with the PATH this command
// was given. Writes bench/newcomer.json. Plain Node, no dependencies: it runs before `npm ci`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'bench', 'newcomer.json');
const keep = process.env.NEWCOMER_KEEP === '1';

function run(command, args, cwd) {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, stdio: 'inherit' });
    child.on('exit', (code) => done({ code, seconds: Math.round((performance.now() - started) / 100) / 10 }));
  });
}

const text = (command, args, cwd) => {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    return `unavailable (${err.message.split('\n')[0]})`;
  }
};

const osName = existsSync('/etc/os-release')
  ? (/^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown')
  : process.platform;
const machine = `${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${osName} (${release()})`;
const load = () => loadavg().map((v) => Math.round(v * 100) / 100);

const clone = mkdtempSync(join(tmpdir(), 'newcomer-'));
console.log(`== newcomer check in ${clone} (machine load ${load().join(' ')})`);
const loadBefore = load();
execFileSync('git', ['clone', '--quiet', root, clone], { stdio: 'inherit' });
const commit = text('git', ['rev-parse', '--short', 'HEAD'], clone);
const pathNode = text('node', ['--version'], clone);

console.log('== make demo');
const demo = await run('make', ['demo'], clone);
console.log('== make test');
const test = demo.code === 0 ? await run('make', ['test'], clone) : { code: null, seconds: null };
const phasesFile = join(clone, 'out', 'test-phases.json');
const testPhases = existsSync(phasesFile) ? JSON.parse(readFileSync(phasesFile, 'utf8')) : {};

const result = {
  date: new Date().toISOString(),
  machine,
  node: `${text(join(clone, 'scripts', 'toolchain.sh'), ['node', '--version'], clone)
    .split('\n')
    .pop()} (node first on PATH: ${pathNode})`,
  java: text('sh', ['-c', 'java -version 2>&1 | head -1'], clone),
  commit,
  demoSeconds: demo.seconds,
  demoExit: demo.code,
  testSeconds: test.seconds,
  testExit: test.code,
  testPhases,
  loadAverage: {
    before: loadBefore,
    after: load(),
    note: `1, 5, 15 min; the machine has ${cpus().length} cores`,
  },
  about:
    'A fresh clone: demoSeconds includes fetching the pinned Node (when needed) and npm ci; testSeconds is `make test` after that (vitest, then the fault campaign alone).',
};
// arrays of numbers on one line, as the repository's formatter (biome) writes them
const json = JSON.stringify(result, null, 2).replace(
  /\[\s*([-\d.,\s]+?)\s*\]/g,
  (_, inner) => `[${inner.split(/,\s*/).join(', ')}]`,
);
writeFileSync(output, `${json}\n`);
console.log(`== ${output}\n${JSON.stringify(result, null, 2)}`);
if (!keep) rmSync(clone, { recursive: true, force: true });
process.exit(demo.code === 0 && test.code === 0 ? 0 : 1);
