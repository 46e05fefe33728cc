// Adds lock entries for optional, platform-specific packages that npm could not resolve here.
//
// Why: this project's build machines reach an npm mirror that carries only the Linux builds of
// packages such as @next/swc-* and @unrs/resolver-binding-*. npm then writes no lock entry for the
// macOS/Windows/other variants, and `npm ci` refuses the lock ("Missing: … from lock file").
// A lock made on a normal machine lists them; this script restores those entries (version from
// the parent's pin, os/cpu/libc from the package name) so `npm ci` works here and on laptops,
// where npm fetches the variant it needs by version. Run it after `npm install` changes the lock.
//
// Usage: `node scripts/complete-lockfile.mjs [lockfile]`: the root package-lock.json by default;
// any other lock by path (e.g. bench/peers/better-auth/package-lock.json, the benchmark's peer).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const file = process.argv[2] ? pathToFileURL(path.resolve(process.argv[2])) : new URL('../package-lock.json', import.meta.url);
const label = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

const OS = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openharmony'];
const CPU = { arm64: 'arm64', x64: 'x64', ia32: 'ia32', arm: 'arm', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x' };

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((part) => OS.includes(part));
  const cpu = parts.map((part) => CPU[part]).find(Boolean);
  if (!os || !cpu) return null;
  const entry = { os: [os], cpu: [cpu] };
  if (os === 'linux') entry.libc = [parts.some((part) => part.startsWith('musl')) ? 'musl' : 'glibc'];
  return entry;
}

let added = 0;
for (const [path, pkg] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const where = path === '' ? `node_modules/${name}` : `${path}/node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[where] || packages[hoisted]) continue;
    const platform = platformOf(name);
    if (!platform || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) continue;
    packages[hoisted] = { version, ...platform, optional: true };
    added += 1;
  }
}

lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`${label}: added ${added} optional platform entries`);
