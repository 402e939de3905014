// Keeps package-lock.json installable with `npm ci` when the registry this machine reaches lacks some
// per-platform optional packages (canvas-darwin-*, @biomejs/cli-win32-*, ...). npm then leaves them out
// of the lock, and `npm ci` refuses the lock ("Missing: <name>@ from lock file"). This adds each
// missing optional dependency back as an entry marked with its os/cpu/libc, which npm skips on other
// platforms and fetches normally on its own. Run it after `npm install` changes the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

const osNames = { darwin: 'darwin', linux: 'linux', win32: 'win32', android: 'android' };
const cpuNames = { arm64: 'arm64', x64: 'x64', arm: 'arm', riscv64: 'riscv64', x86: 'ia32', ia32: 'ia32' };

function platformOf(name) {
  const parts = name.replace(/^@[^/]+\//, '').split('-');
  const os = parts.find((p) => p in osNames);
  const cpu = parts.find((p) => p in cpuNames);
  if (!os || !cpu) return null;
  const platform = { os: [osNames[os]], cpu: [cpuNames[cpu]] };
  if (os === 'linux') platform.libc = [parts.includes('musl') ? 'musl' : 'glibc'];
  return platform;
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = path === '' ? '' : `${path}/`;
    if (packages[`${base}node_modules/${name}`] || packages[`node_modules/${name}`]) continue;
    const platform = platformOf(name);
    if (!platform) continue;
    packages[`node_modules/${name}`] = { version: spec, optional: true, ...platform };
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} per-platform optional entries added`);
