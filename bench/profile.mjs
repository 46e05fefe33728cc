// Summarizes a V8 CPU profile (`node --cpu-prof`) of the benchmark server: where its CPU time
// went, by package and by our own files, with bundled chunks mapped back through their source
// maps. `npm run bench -- --all` (or `--only profile`) records one (its `profile` scenario); by hand:
//   node bench/profile.mjs <file.cpuprofile> [from ms] [to ms]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const maps = new Map();

function sourceMapFor(file) {
  if (!maps.has(file)) {
    let map = null;
    try {
      if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  return maps.get(file);
}

/**
 * Where a profiled function comes from: `{ file, origin }`, the file V8 ran and, for the
 * server's bundled chunks, the original source its source map names (`lib/auth/…`,
 * `node_modules/jose/…`).
 */
function originOf(callFrame) {
  const url = callFrame.url;
  if (!url) return { file: '', origin: '' };
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const relative = file.startsWith(ROOT) ? path.relative(ROOT, file) : file;
  if (!relative.startsWith('.next')) return { file: relative, origin: relative };
  const entry = sourceMapFor(file)?.findEntry(callFrame.lineNumber, callFrame.columnNumber);
  const source = entry?.originalSource ?? '';
  // Turbopack names sources turbopack:///[project]/<path>; its own runtime is [turbopack]/….
  const origin = source.replace(/^(\.\.\/)+/, '').replace(/^turbopack:\/\/\/\[project\]\//, '').replace(/^turbopack:\/\/\//, '').replace(/^file:\/\//, '');
  return { file: relative, origin: origin ? `${origin}:${(entry.originalLine ?? 0) + 1}` : relative };
}

/** The bucket a function belongs to: our files by folder, packages by name, Node, V8. */
function categoryOf({ file, origin }, functionName) {
  if (!file) {
    if (functionName === '(garbage collector)') return 'V8: garbage collector';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return 'V8/native: (program)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  if (file.startsWith('node:')) return 'Node.js internals';
  const source = file.startsWith('.next') ? origin : file;
  if (source.startsWith('[turbopack]')) return 'Turbopack runtime (bundled)';
  if (/^webpack:\/\/next\//.test(source) || /^\.\.\/.*src\/(server|shared|client)\//.test(source)) return 'next (server runtime)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
  if (pkg === 'next') {
    const compiled = /next\/dist\/compiled\/([^/]+)/.exec(source)?.[1];
    return compiled ? `next (compiled ${compiled})` : 'next (server runtime)';
  }
  if (pkg) return `${pkg}${file.startsWith('.next') ? ' (bundled)' : ''}`;
  if (/^(lib|db|app)\//.test(source) || source.startsWith('middleware.ts')) {
    const parts = source.replace(/:\d+$/, '').split('/');
    return `ours: ${parts.slice(0, parts[1] === 'auth' ? 3 : 2).join('/')}`;
  }
  if (file.startsWith('.next')) return `next build output (unmapped: ${file.split('/').slice(0, 3).join('/')})`;
  return `other: ${source.slice(0, 60)}`;
}

/** Groups for "time with this on the stack" (inclusive): what our code causes, whoever does the work. */
function stackGroupOf({ file, origin }) {
  const source = file.startsWith('.next') ? origin : file;
  if (source.startsWith('middleware.ts')) return 'ours: middleware.ts (Edge sandbox)';
  if (/^(lib|db|app)\//.test(source)) return 'ours: route handlers, lib/ and db/';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
  if (pkg === 'jose' || pkg === 'drizzle-orm' || pkg === 'better-sqlite3' || pkg === 'zod') return `${pkg} (called by us)`;
  if (pkg === 'pg' || pkg?.startsWith('pg-') || pkg === 'postgres-array' || pkg === 'postgres-date' || pkg === 'pgpass') return 'node-postgres: pg, pg-pool, pg-protocol, pg-types (called by us)';
  return null;
}

/**
 * Self time by category and function, and inclusive time by stack group (a sample counts for a
 * group when any frame of that group is on its stack), busy time only (idle excluded).
 */
export function summarizeProfile(file, fromMs = 0, toMs = Infinity) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfUs = new Map();
  // Only samples between `fromMs` and `toMs` after the profile started (one load's window).
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    const ms = (at - profile.startTime) / 1000;
    if (ms >= fromMs && ms < toMs) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const groupsOf = new Map();
  const stackGroups = (id) => {
    if (id === undefined) return new Set();
    let groups = groupsOf.get(id);
    if (!groups) {
      groups = new Set(stackGroups(parentOf.get(id)));
      const group = stackGroupOf(originOf(byId.get(id).callFrame));
      if (group) groups.add(group);
      groupsOf.set(id, groups);
    }
    return groups;
  };
  const categories = new Map();
  const functions = new Map();
  const inclusive = new Map();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const { functionName } = node.callFrame;
    const where = originOf(node.callFrame);
    const category = categoryOf(where, functionName);
    if (category === '(idle)') continue;
    busyUs += us;
    categories.set(category, (categories.get(category) ?? 0) + us);
    const key = `${functionName || '(anonymous)'}  ${where.origin}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
    for (const group of stackGroups(id)) inclusive.set(group, (inclusive.get(group) ?? 0) + us);
  }
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: us / busyUs }));
  return { busyMs: busyUs / 1000, categories: sorted(categories), functions: sorted(functions).slice(0, 40), onStack: sorted(inclusive) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/profile.mjs <file.cpuprofile> [from ms] [to ms]');
    process.exit(2);
  }
  const summary = summarizeProfile(file, Number(process.argv[3] ?? 0), Number(process.argv[4] ?? Infinity));
  console.log(`busy CPU: ${summary.busyMs.toFixed(0)} ms\n\nby package / our folder:`);
  for (const c of summary.categories.slice(0, 30)) console.log(`${(c.share * 100).toFixed(1).padStart(6)} %  ${c.ms.toFixed(0).padStart(7)} ms  ${c.name}`);
  console.log('\nwith this on the stack (inclusive):');
  for (const g of summary.onStack) console.log(`${(g.share * 100).toFixed(1).padStart(6)} %  ${g.ms.toFixed(0).padStart(7)} ms  ${g.name}`);
  console.log('\nfunctions (self time):');
  for (const f of summary.functions.slice(0, 30)) console.log(`${(f.share * 100).toFixed(1).padStart(6)} %  ${f.name}`);
}
