// Turns a benchmark run (bench/run.mjs) into the console table, docs/BENCHMARKS.md and the SVG
// chart docs/benchmarks.svg (plain bars, drawn here, no library).

const TARGETS = {
  authCost: 0.05,
  refreshRps: 1000,
  silentRatio: 1.5,
  stormRatio: 1.5,
  postgresCpuRatio: 1.5,
};

const DATABASE_LABELS = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
const ENDPOINTS = { me: '`GET /api/auth/me`', refresh: '`POST /api/auth/refresh`' };

const int = (n) => (n === null || n === undefined ? '–' : n < 100 && n !== Math.round(n) ? n.toFixed(1) : Math.round(n).toLocaleString('en-US'));
const cpu = (n) => (n === null || n === undefined ? '–' : n < 10 ? n.toFixed(2) : n.toFixed(0));
const ms = (n) => (n === null || n === undefined ? '–' : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toString());
const times = (n) => (n === null || n === undefined ? '–' : `${n.toFixed(2)}×`);
const pct = (n) => (n === null || n === undefined ? '–' : `${(n * 100).toFixed(1)} %`);
const signedPct = (n) => (n === null || n === undefined || Number.isNaN(n) ? '–' : `${n >= 0 ? '+' : '−'}${Math.abs(n * 100).toFixed(1)} %`);
const verdict = (ok) => (ok === null ? 'not measured' : ok ? '**met**' : '**missed**');

/** The verdict of each target, with the figure it is judged on. */
export function evaluateTargets(r) {
  const rows = [];
  if (r.middleware) {
    for (const kind of ['page', 'api']) {
      const cost = 1 - r.middleware[kind].authVsPlain;
      rows.push({
        target: `Our auth check costs ≤ 5 % throughput against the do-nothing middleware (${kind === 'page' ? 'dynamic page' : 'API route'})`,
        measured: `${pct(cost)}${cost < 0 ? ', i.e. faster: run-to-run noise' : ''} (protected ${int(r.middleware[kind].auth.rps)}/s vs ${int(r.middleware[kind].plain.rps)}/s; server CPU per request ${signedPct(r.middleware[kind].authVsPlainCpu - 1)})`,
        ok: cost <= TARGETS.authCost,
      });
    }
  }
  for (const kind of ['me', 'refresh']) {
    const d = r.databases?.[kind];
    if (!d?.sqlite || !d.postgres) continue;
    rows.push({
      target: `PostgreSQL's app CPU per request ≤ 1.5× SQLite's: ${ENDPOINTS[kind]}`,
      measured: `${times(d.appCpuRatio)} (${cpu(d.postgres.cpuMsPerRequest)} vs ${cpu(d.sqlite.cpuMsPerRequest)} ms; with the PostgreSQL server's own CPU ${times(d.totalCpuRatio)})`,
      ok: d.appCpuRatio === null ? null : d.appCpuRatio <= TARGETS.postgresCpuRatio,
    });
  }
  if (r.refresh) {
    rows.push({ target: 'Refresh ≥ 1,000/s with SQLite (many distinct sessions)', measured: `${int(r.refresh.rps)}/s`, ok: r.refresh.rps >= TARGETS.refreshRps });
  }
  if (r.navigation) {
    rows.push({
      target: 'A navigation with a silent refresh ≤ 1.5× a normal one (median latency)',
      measured: `${times(r.navigation.p50Ratio)} (${ms(r.navigation.silent.p50)} ms vs ${ms(r.navigation.normal.p50)} ms)`,
      ok: r.navigation.p50Ratio <= TARGETS.silentRatio,
    });
  }
  if (r.login?.pool) {
    rows.push({
      target: 'Protected route p99 during a sign-in storm ≤ 1.5× its idle p99 (bcrypt worker pool, the default)',
      measured: `${times(r.login.pool.p99Ratio)} (${ms(r.login.pool.storm.p99)} ms vs ${ms(r.login.pool.idle.p99)} ms)`,
      ok: r.login.pool.p99Ratio <= TARGETS.stormRatio,
    });
  }
  if (r.verify) {
    const m = r.verify.medians;
    rows.push({
      target: 'Our verification at least as fast as jsonwebtoken at its best (KeyObject): a token seen before (cache)',
      measured: `${times(m.oursHit / m.jsonwebtokenKeyObject)} (${int(m.oursHit)} vs ${int(m.jsonwebtokenKeyObject)} ops/s)`,
      ok: m.oursHit >= m.jsonwebtokenKeyObject,
    });
    rows.push({
      target: '… and a token seen for the first time (full verification)',
      measured: `${times(m.oursMiss / m.jsonwebtokenKeyObject)} (${int(m.oursMiss)} vs ${int(m.jsonwebtokenKeyObject)} ops/s)`,
      ok: m.oursMiss >= m.jsonwebtokenKeyObject,
    });
  }
  // Against Better Auth (issue 11), when the run had the peers scenario.
  rows.push(...evaluatePeerTargets(r));
  return rows;
}

function allProblems(r) {
  const out = [];
  const add = (name, summary) => {
    for (const problem of summary?.problems ?? []) out.push(`${name}: ${problem}`);
  };
  if (r.middleware) for (const kind of ['page', 'api']) for (const v of ['open', 'plain', 'auth']) add(`${kind} ${v}`, r.middleware[kind][v]);
  add('/api/auth/me', r.me);
  add('refresh', r.refresh);
  add('/api/auth/me (PostgreSQL)', r.databases?.me?.postgres);
  add('refresh (PostgreSQL)', r.databases?.refresh?.postgres);
  if (r.navigation) {
    add('navigation (normal)', r.navigation.normal);
    add('navigation (silent refresh)', r.navigation.silent);
  }
  for (const mode of ['pool', 'inThread']) {
    const m = r.login?.[mode];
    if (!m) continue;
    add(`sign-in (${mode})`, m.logins);
    add(`probe idle (${mode})`, m.idle);
    add(`probe during sign-ins (${mode})`, m.storm);
  }
  return out;
}

/** A plain-text table for the console. */
export function renderTable(r) {
  const rows = [['measurement', 'req/s', 'p50 ms', 'p99 ms', 'server CPU ms/req']];
  const add = (name, s) => s && rows.push([name, int(s.rps), ms(s.p50), ms(s.p99), cpu(s.cpuMsPerRequest)]);
  if (r.middleware) {
    for (const kind of ['page', 'api']) {
      const m = r.middleware[kind];
      add(`${kind}: no middleware`, m.open);
      add(`${kind}: middleware, no auth`, m.plain);
      add(`${kind}: middleware + our auth`, m.auth);
    }
  }
  add('GET /api/auth/me', r.me);
  add('POST /api/auth/refresh', r.refresh);
  for (const kind of ['me', 'refresh']) {
    const pg = r.databases?.[kind]?.postgres;
    if (pg) add(`${kind === 'me' ? 'GET /api/auth/me' : 'POST /api/auth/refresh'}, PostgreSQL (+${cpu(pg.dbCpuMsPerRequest)} ms in postgres)`, pg);
  }
  if (r.navigation) {
    add('navigation, valid access token', r.navigation.normal);
    add('navigation, silent refresh', r.navigation.silent);
  }
  for (const [mode, label] of [['pool', 'worker pool'], ['inThread', 'event loop']]) {
    const m = r.login?.[mode];
    if (!m) continue;
    add(`sign-ins, bcrypt on ${label}`, m.logins);
    add(`  probe idle (${label})`, m.idle);
    add(`  probe during sign-ins (${label})`, m.storm);
  }
  if (r.verify) for (const [name, value] of Object.entries(r.verify.medians)) rows.push([`verify: ${name} (ops/s)`, int(value), '', '', '']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const targets = evaluateTargets(r).map((t) => `${t.ok ? 'MET   ' : 'MISSED'}  ${t.target}: ${t.measured}`);
  const problems = allProblems(r).map((p) => `WARNING  ${p}`);
  return [...lines, '', ...targets, ...(problems.length ? ['', ...problems] : [])].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Markdown

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

const us = (msValue) => (msValue === null || msValue === undefined ? '–' : `${Math.round(msValue * 1000)} µs`);

/** Issue 10: /api/auth/me and refresh on SQLite and on PostgreSQL, from the same run. */
function databasesSection(r, targets) {
  const d = r.databases;
  if (!d || (!d.me && !d.refresh && !d.pieces)) return '';
  const mach = r.machine;
  const pgInfo = d.postgres;
  const kinds = ['me', 'refresh'].filter((kind) => d[kind]);
  const rows = [];
  for (const kind of kinds) {
    for (const name of ['sqlite', 'postgres']) {
      const s = d[kind][name];
      if (!s) continue;
      const db = name === 'sqlite' ? 'in the app process' : cpu(s.dbCpuMsPerRequest);
      rows.push([ENDPOINTS[kind], DATABASE_LABELS[name], int(s.rps), ms(s.p50), ms(s.p99), `**${cpu(s.cpuMsPerRequest)}**`, db, cpu(name === 'sqlite' ? s.cpuMsPerRequest : s.totalCpuMsPerRequest)]);
    }
  }
  const ratioRows = kinds.filter((kind) => d[kind].sqlite && d[kind].postgres).map((kind) => [ENDPOINTS[kind], `**${times(d[kind].appCpuRatio)}**`, times(d[kind].totalCpuRatio), times(d[kind].rpsRatio), times(d[kind].p50Ratio)]);
  const splitRows = kinds.filter((kind) => d[kind].postgres?.dbCpuMsPerRequest !== null && d[kind].postgres?.dbCpuMsPerRequest !== undefined).map((kind) => [ENDPOINTS[kind], cpu(d[kind].postgres.dbBackendCpuMsPerRequest), cpu(d[kind].postgres.dbBackgroundCpuMsPerRequest)]);
  const verdicts = targets.filter((t) => t.target.startsWith("PostgreSQL's app CPU"));
  const met = verdicts.length > 0 && verdicts.every((t) => t.ok);
  const verdictText = verdicts.length === 0
    ? ''
    : `**Target (PostgreSQL's app CPU per request ≤ 1.5× SQLite's): ${met ? 'met' : 'missed'}.** ${kinds.map((kind) => `${ENDPOINTS[kind]}: ${times(d[kind].appCpuRatio)} (${cpu(d[kind].postgres.cpuMsPerRequest)} ms against ${cpu(d[kind].sqlite.cpuMsPerRequest)} ms)`).join('; ')}. Counting the PostgreSQL server's own CPU as well, a request costs ${kinds.map((kind) => `${times(d[kind].totalCpuRatio)} (${ENDPOINTS[kind]})`).join(' and ')} of SQLite's.`;
  const p = d.pieces;
  const pieceLabels = {
    findSession: '`findSession` (one SELECT by primary key)',
    findUserById: '`findUserById` (one SELECT by primary key)',
    rotateSession: '`rotateSession` (one compare-and-set UPDATE)',
    authenticate: '`authenticate`: all `/api/auth/me` asks of `lib/` (cached token, findSession, findUserById)',
    renewSession: '`renewSession`: all a refresh asks of `lib/` (MAC check, findSession, rotateSession, new JWT and refresh token)',
  };
  const pieceRows = p
    ? Object.keys(pieceLabels)
        .filter((name) => Object.values(p).some((db) => db.medians[name] !== undefined))
        .map((name) => [pieceLabels[name], ...['sqlite', 'postgres'].filter((db) => p[db]).flatMap((db) => [us(p[db].medians[name]), us(p[db].cpuMedians[name])])])
    : [];
  const pieceHeader = p ? ['Store call, one at a time', ...['sqlite', 'postgres'].filter((db) => p[db]).flatMap((db) => [`${DATABASE_LABELS[db]} wall`, `${DATABASE_LABELS[db]} CPU`])] : [];
  const queryCpu = (db, name) => p?.[db]?.cpuMedians[name];
  const analysis = !met && p?.sqlite && p.postgres && verdicts.length > 0
    ? `

### Where PostgreSQL's extra CPU goes

Both endpoints make two database calls per request (\`/api/auth/me\`: \`findSession\` and \`findUserById\`;
refresh: \`findSession\` and \`rotateSession\`). Measured in the app's process, one PostgreSQL call costs
${us(queryCpu('postgres', 'findSession'))} (\`findSession\`), ${us(queryCpu('postgres', 'findUserById'))} (\`findUserById\`) and ${us(queryCpu('postgres', 'rotateSession'))} (\`rotateSession\`) of CPU,
against ${us(queryCpu('sqlite', 'findSession'))}, ${us(queryCpu('sqlite', 'findUserById'))} and ${us(queryCpu('sqlite', 'rotateSession'))} in SQLite: node-postgres' pool checkout, the wire protocol
(a Parse/Bind/Describe/Execute/Sync exchange per unnamed statement, row parsing), the socket
writes and reads, and the event-loop turns each round trip costs. Per request that is about
${us((queryCpu('postgres', 'findSession') ?? 0) + (queryCpu('postgres', 'findUserById') ?? 0) - (queryCpu('sqlite', 'findSession') ?? 0) - (queryCpu('sqlite', 'findUserById') ?? 0))} more for \`/api/auth/me\` and ${us((queryCpu('postgres', 'findSession') ?? 0) + (queryCpu('postgres', 'rotateSession') ?? 0) - (queryCpu('sqlite', 'findSession') ?? 0) - (queryCpu('sqlite', 'rotateSession') ?? 0))} for refresh, in plain Node; under
the server's concurrency the gap in the table above is what counts.${r.postgresProfile ? ` ${r.postgresProfile}` : ''}`
    : '';
  return `## SQLite and PostgreSQL side by side

The same two endpoints on two servers started from the same build, one with \`DATABASE_URL\` on a
SQLite file, one on a fresh PostgreSQL database${pgInfo ? ` (${pgInfo.version.split(' on ')[0]}, ${pgInfo.source === 'embedded' ? 'an embedded server started by the benchmark' : `the server at \`${pgInfo.source}\``}; \`fsync\` ${pgInfo.settings.fsync ?? '?'}, on this machine; \`synchronous_commit\` ${pgInfo.settings.synchronous_commit ?? '?'} for the benchmark's databases, the durability of SQLite's WAL with \`synchronous = NORMAL\`: no fsync per commit)` : ''},
each seeded the same way (\`bench/seed.mjs\`). Runs alternate between the two servers (median of
${r.options.runs} runs of ${r.options.duration} s each, ${r.options.connections} connections), so a noisy moment hits both alike.
Machine: ${mach.cpuModel}, ${mach.cores} cores, load average ${mach.loadAverageAtStart.join(', ')} at the start (see [Machine](#machine)).

SQLite does its work inside the app's process, so it is part of "app CPU". PostgreSQL does its
part in processes of its own: "database CPU" is theirs, read from /proc over the same runs (the
postmaster's children serving the benchmark's database, plus the cluster's background processes${pgInfo?.postmasterFound === false ? `; **not measured here**: ${pgInfo.postmasterHow}` : ''}).

${rows.length ? table(['endpoint', 'database', 'req/s', 'p50 ms', 'p99 ms', 'app CPU ms/req', 'database CPU ms/req', 'app + database ms/req'], rows) : ''}

${ratioRows.length ? table(['PostgreSQL / SQLite', 'app CPU per request', '(app + database) / SQLite', 'req/s', 'p50 latency'], ratioRows) : ''}

${verdictText}
${splitRows.length ? `
The database CPU, split: ${splitRows.map(([endpoint, backends, background]) => `${endpoint} ${backends} ms in the backends serving the benchmark's database and ${background} ms in the background processes`).join('; ')}.
` : ''}${pieceRows.length ? `
Store-level, without Next.js (\`bench/pieces.mjs\`, the same Store calls the routes make, one at a time
on a database of their own, both databases interleaved; median of ${p[Object.keys(p)[0]].msPerOp.findSession.length} rounds). "CPU" is the calling
process's (our code and the driver), "wall" includes the round trip to the PostgreSQL server:

${table(pieceHeader, pieceRows)}
` : ''}${analysis}
`;
}

function middlewareSection(r) {
  const m = r.middleware;
  if (!m) return '';
  const rows = [];
  for (const [kind, label, prefix] of [['page', 'Dynamic page', '/bench'], ['api', 'API route', '/api/bench']]) {
    const s = m[kind];
    rows.push([`${label}, outside the middleware matcher`, `\`${prefix}/open\``, int(s.open.rps), '1.00', ms(s.open.p50), ms(s.open.p99), cpu(s.open.cpuMsPerRequest)]);
    rows.push([`${label}, middleware without auth (CSP nonce, headers)`, `\`${prefix}/plain\``, int(s.plain.rps), s.plainVsOpen.toFixed(2), ms(s.plain.p50), ms(s.plain.p99), cpu(s.plain.cpuMsPerRequest)]);
    rows.push([`${label}, protected: our auth with a valid access token`, `\`${prefix}/auth\``, int(s.auth.rps), s.authVsOpen.toFixed(2), ms(s.auth.p50), ms(s.auth.p99), cpu(s.auth.cpuMsPerRequest)]);
  }
  return `## 1. The middleware: the same page and API route three ways

The three pages render the same component and the three API routes return the same JSON
(\`app/bench/\`, \`app/api/bench/\`, 404 unless \`BENCH_ROUTES\` is set); only the path differs, so
any gap between them is the middleware's. All requests carry the same cookies. ${r.options.connections}
connections, closed loop.

${table(['variant', 'path', 'req/s', 'vs outside', 'p50 ms', 'p99 ms', 'server CPU ms/req'], rows)}

- The Edge middleware sandbox with no auth (CSP nonce and headers only) keeps
  **${pct(m.page.plainVsOpen)}** of the page's throughput and **${pct(m.api.plainVsOpen)}** of the API route's.
- Our auth check on top of it keeps **${pct(m.page.authVsPlain)}** (page) and **${pct(m.api.authVsPlain)}** (API)
  of the do-nothing middleware's throughput: it costs **${pct(1 - m.page.authVsPlain)}** and **${pct(1 - m.api.authVsPlain)}**.
- Measured as server CPU time per request instead (less sensitive to other load on the machine),
  the protected variant uses **${times(m.page.authVsPlainCpu)}** (page) and **${times(m.api.authVsPlainCpu)}** (API) the CPU of the
  do-nothing middleware, and the sandbox alone **${times(m.page.plainVsOpenCpu)}** and **${times(m.api.plainVsOpenCpu)}** that of no middleware.

Ratios are ratios of the medians in the table.
`;
}

function meSection(r) {
  if (!r.me) return '';
  return `## 2. \`GET /api/auth/me\` with a valid access token

It verifies the token (in the middleware and again in the handler) and reads the session and the
user from SQLite. ${r.options.connections} connections.

${table(['', 'req/s', 'p50 ms', 'p99 ms', 'server CPU ms/req'], [['`/api/auth/me`', int(r.me.rps), ms(r.me.p50), ms(r.me.p99), cpu(r.me.cpuMsPerRequest)]])}
`;
}

function refreshSection(r) {
  if (!r.refresh) return '';
  return `## 3. \`POST /api/auth/refresh\`: the write path

${r.options.connections} connections rotate through ${int(r.refresh.sessions)} distinct sessions; each request presents its
session's current refresh token and stores the rotated one from the response (autocannon's
\`setupRequest\`/\`onResponse\` hooks), so every request is a real rotation: MAC check, one atomic
\`UPDATE … WHERE generation = ?\`, a new access JWT, two cookies. ${r.refresh.sessionsLeft === null ? '' : `${int(r.refresh.sessionsLeft)} sessions were still usable at the end (a session whose response never arrived, at the end of a run, is dropped).`}

${table(['', 'req/s', 'p50 ms', 'p99 ms', 'server CPU ms/req'], [['`POST /api/auth/refresh`', int(r.refresh.rps), ms(r.refresh.p50), ms(r.refresh.p99), cpu(r.refresh.cpuMsPerRequest)]])}
`;
}

function navigationSection(r) {
  const n = r.navigation;
  if (!n) return '';
  return `## 4. A navigation that needs a silent refresh against one that does not

\`GET /bench/auth\` (a protected page) with a valid access cookie, against the same page with only a
refresh cookie: the middleware calls the refresh route, forwards the new cookies to the page and
returns them. Each silent-refresh request uses the current refresh token of one of ${int(n.sessions)} sessions.
${n.connections} connection, so each figure is one navigation's own latency.

${table(['', 'req/s', 'p50 ms', 'p99 ms', 'server CPU ms/req'], [
    ['valid access cookie', int(n.normal.rps), ms(n.normal.p50), ms(n.normal.p99), cpu(n.normal.cpuMsPerRequest)],
    ['refresh cookie only (silent refresh)', int(n.silent.rps), ms(n.silent.p50), ms(n.silent.p99), cpu(n.silent.cpuMsPerRequest)],
  ])}

Median latency ratio: **${times(n.p50Ratio)}** (p99: ${times(n.p99Ratio)}; server CPU per navigation: ${times(n.cpuRatio)}).
`;
}

function loginSection(r) {
  const l = r.login;
  if (!l) return '';
  const rows = [];
  for (const [mode, label] of [['inThread', 'before: bcrypt on the event loop (`BCRYPT_WORKERS=0`)'], ['pool', 'after: bcrypt worker pool (default)']]) {
    const m = l[mode];
    if (!m) continue;
    rows.push([label, m.logins.rps.toFixed(2), ms(m.logins.p50), ms(m.idle.p50), ms(m.storm.p50), ms(m.idle.p99), ms(m.storm.p99), `**${times(m.p99Ratio)}**`]);
  }
  return `## 5. Sign-in at \`BCRYPT_COST=12\`, and a protected route meanwhile

${(l.pool ?? l.inThread).loginConnections} connections sign in continuously (\`POST /api/auth/login\`, one bcrypt compare each)
for ${r.options.loginDuration} s a round, while a probe requests \`/api/auth/me\` at a fixed ${(l.pool ?? l.inThread).probeRate} requests/s (a fifth of what it sustains
with ${r.options.connections} connections) (open loop: latency counts from the moment a
request was due, so a stalled event loop is charged for the requests it kept waiting). The same probe
alone gives the idle figures; idle and storm rounds alternate.

${table(['bcrypt runs on', 'sign-ins/s', 'sign-in p50 ms', 'probe p50 idle', 'p50 storm', 'probe p99 idle', 'p99 storm', 'p99 storm / idle'], rows)}

bcryptjs is pure JavaScript; its async API cuts each ~350 ms hash into ~100 ms slices on the event
loop, so on the event loop every request that arrives during a sign-in waits for a slice. The pool
(\`lib/auth/bcrypt-pool.ts\`) runs bcrypt on worker threads, one per core by default
(\`BCRYPT_WORKERS\`), each at a lower thread priority (nice 10), so the thread that serves requests
gets a core first and sign-ins queue instead.
`;
}

function verifySection(r) {
  const v = r.verify;
  if (!v) return '';
  const m = v.medians;
  const labels = {
    oursMiss: 'ours (`lib/auth/access-token.ts`), a token seen for the first time: full verification',
    oursHit: 'ours, a token seen before: the verified-token cache (expiry still checked)',
    jose: 'jose `jwtVerify` alone, same pre-imported CryptoKey',
    jsonwebtokenString: 'jsonwebtoken 9, string secret (the seeds\' way)',
    jsonwebtokenKeyObject: 'jsonwebtoken 9, `KeyObject` secret (its best)',
  };
  const rows = Object.keys(labels).map((name) => [labels[name], int(m[name]), `${(1e6 / m[name]).toFixed(2)} µs`, times(m[name] / m.jsonwebtokenKeyObject)]);
  return `## 6. Access-token verification in plain Node

\`bench/verify.mjs\` imports the app's real \`lib/auth/access-token.ts\` (through tsx) and verifies HS256
access tokens: ${int(v.distinctTokens)} distinct tokens for the first-sight case (a fresh verifier each pass, so no
call is a cache hit), one token for the cached case. Async verifiers keep ${v.inFlight} calls in flight, as a
server does. Median of ${v.rounds} rounds of ${v.seconds} s after a warm-up, all variants interleaved.

${table(['verifier', 'ops/s', 'per op', 'vs jsonwebtoken best'], rows)}
`;
}

function methodSection(r) {
  const cpu = r.loadGeneratorCpu;
  return `## How it was measured

- **One run, one machine, one build.** \`npm run bench\` builds once (\`next build\`, dist dir
  \`.next-bench\`), seeds a temporary SQLite database and starts \`next start\` in its own process
  group with \`NODE_ENV=production\`, random 64-hex secrets, \`COOKIE_SECURE=false\`,
  \`APP_ORIGIN\` on its port, \`BCRYPT_COST=12\`, rate limits raised to 1,000,000/min, and
  \`BENCH_ROUTES=1\`. A second server with \`BCRYPT_WORKERS=0\` (and without the bench routes, which
  must then answer 404) repeats the sign-in measurement. Smoke checks first prove the harness
  measures what it says (the open route bypasses the middleware, the plain one does not, the
  protected ones refuse a missing token, a silent refresh rotates the cookies).
- **Medians.** Every figure is the median of ${r.options.runs} runs of ${r.options.duration} s after a warm-up of
  ${r.options.warmup} s (sign-ins: ${r.options.loginRuns ?? r.options.runs} rounds of ${r.options.loginDuration} s); runs of variants that are compared are interleaved,
  cycling through every order of the variants, with a short pause between runs.
  Latencies are exact percentiles over every successful response (autocannon's per-response
  times, not its whole-millisecond histogram). Responses with an unexpected status are counted
  and reported below, never averaged in.
- **Warm servers.** A fresh \`next start\` keeps getting faster under load for about a minute (V8
  tiering up Next's request path), so each server first gets several seconds of load on every route
  measured, and each comparison its own warm-up.
- **Seeded sessions.** The refresh and navigation sessions are started with the app's own
  \`startSession\` (what sign-in calls after the password check) in \`bench/seed.mjs\`: at cost 12 a
  real sign-in is ~350 ms of CPU, and a thousand of them would take minutes. Sign-in itself is
  measured in section 5.
- **The load generator on ${r.machine.cores} cores.** autocannon runs in its own process
  (\`bench/load.mjs\`), never in the orchestrator, with few connections (${r.options.connections}; 1 for the
  navigation pair); the server and the load generator share the cores and nothing is pinned
  (pinning the server to one core would hide the bcrypt pool, and the middleware runs on the
  server's main thread either way). The load generator used a median of
  **${cpu?.median === null || cpu?.median === undefined ? '–' : pct(cpu.median)} of one core** during runs (max ${cpu?.max === null || cpu?.max === undefined ? '–' : pct(cpu.max)}), CPU the server could
  not use: absolute requests/s are therefore lower than on a machine with a separate client, while
  the ratios, measured under the same conditions, are what the targets are about.
`;
}

function piecesSection(r) {
  const p = r.pieces;
  if (!p) return '';
  const m = p.medians;
  const labels = {
    renewSession: '`renewSession`: all a refresh asks of `lib/` (parse and MAC-check the token, SELECT, atomic UPDATE, new access JWT and refresh token)',
    signAccessToken: '`signAccessToken` alone (jose, WebCrypto HMAC with the pre-imported key)',
    findSession: '`findSession` alone (one prepared SELECT)',
    rotateSession: '`store.rotateSession` alone (one compare-and-set UPDATE)',
    authenticate: '`authenticate`: all `/api/auth/me` asks of `lib/` (token from the cache, session and user from SQLite)',
  };
  const rows = Object.keys(labels).filter((name) => m[name] !== undefined).map((name) => [labels[name], `${(m[name] * 1000).toFixed(0)} µs`]);
  return `## 7. Our own part of the hot paths, without Next.js

\`bench/pieces.mjs\` calls the app's real functions (through tsx) against a SQLite database of its own,
${int(p.sessions)} sessions, one call at a time; median of ${p.rounds} rounds. Compare with the server's CPU time per
request above: the difference is the framework's.

${table(['our code', 'time per call'], rows)}
`;
}

/** A stack group's share of a profile window's busy CPU (0 when absent). */
const share = (profileWindow, name) => profileWindow?.onStack.find((g) => g.name.startsWith(name))?.share ?? 0;

function profileTable(window) {
  const rows = window.onStack.map((g) => [g.name, pct(g.share)]);
  const top = window.categories.slice(0, 8).map((c) => [c.name, pct(c.share)]);
  return `${table(['on the stack (inclusive)', 'share of busy CPU'], rows)}

${table(['where the CPU went (self time, top 8)', 'share'], top)}`;
}

function profileSection(r) {
  const p = r.profile;
  if (!p) return '';
  return `## 8. Profiles: where the server's CPU goes

A third server ran under \`node --cpu-prof\` (profiling slows it down, so no figure above comes from it),
first under the refresh load, then under silent-refresh navigations; each window of the profile is
summarized on its own by \`bench/profile.mjs\`, which maps the bundled chunks back to their sources
through their source maps. "On the stack" counts a sample for a group when any frame of that group
is on its stack: it is the CPU our code causes, whoever runs it. Work that continues after an
\`await\` (jose's WebCrypto job, for instance) has only the library on its stack, so the library's own
row is listed too.

### \`POST /api/auth/refresh\` (profiled under load: ${int(p.refresh.requests)} requests)

${profileTable(p.refresh)}

### Silent-refresh navigation (profiled under load: ${int(p.navigation.requests)} navigations)

${profileTable(p.navigation)}
${p.apiPlain && p.apiAuth ? `
### The auth check in the middleware

The same API route behind the middleware, without (\`/api/bench/plain\`) and with (\`/api/bench/auth\`) the
access-token check, each under load:

${table(['', 'without auth', 'with auth'], [
  ['our middleware function on the stack', pct(share(p.apiPlain, 'ours: middleware')), pct(share(p.apiAuth, 'ours: middleware'))],
  ['jose on the stack', pct(share(p.apiPlain, 'jose')), pct(share(p.apiAuth, 'jose'))],
  ['requests served in the window (profiled)', int(p.apiPlain.requests), int(p.apiAuth.requests)],
])}
` : ''}`;
}


/** For each missed target: what the profile and the pieces show, what was fixed, what remains. */
function analysisSection(r, targets) {
  const missed = (prefix) => targets.some((t) => !t.ok && t.target.startsWith(prefix));
  const notes = [];
  const mw = r.middleware;
  const openCpu = mw?.api.open.cpuMsPerRequest;
  const plainCpu = mw?.api.plain.cpuMsPerRequest;
  if (mw && missed('Our auth check')) {
    notes.push(`### Auth check cost

What the protected path adds over the do-nothing middleware is one cookie read and, after a
token's first request, one lookup in the verified-token cache (section 6: ${int(r.verify?.medians?.oursHit)} per
second, under a microsecond). Server CPU per request, which other load on the machine disturbs
less than throughput, puts the protected variant at ${times(mw.page.authVsPlainCpu)} (page) and ${times(mw.api.authVsPlainCpu)} (API)
of the do-nothing middleware. A miss of a few percent in throughput is within the run-to-run spread
of a shared 2-core machine; the large step is the Edge sandbox itself (the "without auth" row),
which is Next's.${r.profile?.apiAuth ? ` The profile (section 8) settles it: our middleware function is on the stack for
${pct(share(r.profile.apiPlain, 'ours: middleware'))} of the server's CPU without the check and ${pct(share(r.profile.apiAuth, 'ours: middleware'))} with it, and jose for
${pct(share(r.profile.apiAuth, 'jose'))}: a verified token is answered from the cache without any cryptography.` : ''}`);
  }
  if (r.refresh && missed('Refresh')) {
    const ours = share(r.profile?.refresh, 'ours: route');
    const jose = share(r.profile?.refresh, 'jose');
    const mwShare = share(r.profile?.refresh, 'ours: middleware');
    const cpuPer = r.refresh.cpuMsPerRequest;
    // Without a profile, assume the route still passes through the middleware.
    const refreshInMatcher = !r.profile || mwShare >= 0.005;
    notes.push(`### Refresh throughput

One refresh cost the server **${cpu(cpuPer)} ms of CPU**; a trivial API route costs ${cpu(openCpu)} ms outside the
middleware and ${cpu(plainCpu)} ms behind it (section 1), so on this machine one Node process cannot serve
1,000 of either per second, whatever the route does. The profile (section 8) puts our route handler,
\`lib/\` and \`db/\` on the stack for **${pct(ours)}** of the server's CPU during refreshes (jose's signing
job ${pct(jose)}${refreshInMatcher ? `, our middleware function ${pct(mwShare)}` : ''}); the rest is Next.js (routing, ${refreshInMatcher ? 'the Edge sandbox, ' : ''}request and
response objects, web streams, AsyncLocalStorage) and garbage collection. In plain Node our whole
refresh takes ${r.pieces ? `${(r.pieces.medians.renewSession * 1000).toFixed(0)} µs` : '–'} (section 7), of which SQLite's UPDATE is ${r.pieces ? `${(r.pieces.medians.rotateSession * 1000).toFixed(0)} µs` : '–'}:
SQLite is not the limit.

Fixed here: the profile showed drizzle building its SQL on every call costing several times the
query itself; \`findSession\`, \`rotateSession\` and \`findUserById\` are now prepared once per
connection (\`db/sqlite/store.ts\`; on PostgreSQL their SQL is built once per process, \`db/postgres/store.ts\`).

What remains, and why:
- **The framework's share** is not ours to cut inside a route handler. Refresh is stateless apart
  from SQLite (WAL, one row per session), so it scales with processes: several \`next start\`
  instances (or a cluster) on the same database multiply it.
${refreshInMatcher ? `- **The middleware runs for \`/api/auth/refresh\`** (it sets a CSP nonce on a JSON response). Keeping
  \`/api/auth/*\` JSON routes out of the matcher would save about ${mw ? `${cpu(plainCpu - openCpu)} ms` : 'the sandbox cost'} per request
  (section 1's plain vs open API rows). A decision for \`middleware.ts\`'s owner.` : `- **The Edge sandbox is already out of the way:** the refresh route is outside the middleware
  matcher (our middleware function is not on the stack in its profile), which saves about ${mw ? `${cpu(plainCpu - openCpu)} ms` : 'a sandbox pass'}
  per refresh on this machine (section 1's plain vs open API rows).`}
- **Signing with WebCrypto** (${r.pieces ? `${(r.pieces.medians.signAccessToken * 1000).toFixed(0)} µs` : '–'} per token here) is an async job with fixed overhead; on the Node
  side a \`node:crypto\` HMAC would be several times cheaper, but \`lib/auth/access-token.ts\` is shared
  with the Edge middleware, where only WebCrypto exists.`);
  }
  if (r.navigation && missed('A navigation')) {
    notes.push(`### Silent refresh

A silent refresh is two requests in one navigation: the middleware calls \`POST /api/auth/refresh\`
over HTTP (the Edge runtime cannot open SQLite), which is itself routed and handled, and only
then does the page render. Server CPU per
navigation was ${times(r.navigation.cpuRatio)} that of a normal one; the refresh request alone is section 3's
${cpu(r.refresh?.cpuMsPerRequest)} ms. Our code's share of the silent navigation's CPU (section 8) is
${pct(share(r.profile?.navigation, 'ours: route'))} plus ${pct(share(r.profile?.navigation, 'ours: middleware'))} in the middleware function.
What remains: ${share(r.profile?.refresh, 'ours: middleware') >= 0.005 || !r.profile ? 'excluding the refresh route from the matcher (see above) removes one sandbox pass; ' : 'the refresh route is already outside the matcher, so the internal call pays no second sandbox pass; '}removing the HTTP hop needs the middleware on the Node.js runtime (Next 16's \`proxy\` with
\`runtime: 'nodejs'\`), so it could rotate the session in-process: an architecture change for
\`middleware.ts\`'s owner, not a tuning.`);
  }
  if (r.login?.pool && missed('Protected route p99')) {
    notes.push(`### Protected route during sign-ins

With the pool, bcrypt no longer runs on the event loop, but on ${r.machine.cores} cores the workers, the server's
main thread and the load generator still share the CPU. The workers run at nice 10, so the main
thread wins a core when it needs one; what is left is the load generator's share and the CPU time
the kernel still gives the workers. \`BCRYPT_WORKERS=${Math.max(1, r.machine.cores - 1)}\` (cores − 1) leaves a core to requests
at the price of sign-in throughput.`);
  }
  if (r.verify && missed('… and a token seen for the first time')) {
    const m = r.verify.medians;
    notes.push(`### First-time verification against jsonwebtoken

jose verifies through WebCrypto: every call is an asynchronous crypto job (${(1e6 / m.jose).toFixed(0)} µs per call here)
where jsonwebtoken with a \`KeyObject\` makes a synchronous \`node:crypto\` HMAC (${(1e6 / m.jsonwebtokenKeyObject).toFixed(0)} µs). Our checks
around jose (exact header, canonical base64url, payload shape, zod) add ${((1e6 / m.oursMiss) - (1e6 / m.jose)).toFixed(0)} µs. It happens once per
token and process: the ${(1e6 / m.oursHit).toFixed(2)} µs cached path serves every later request of the token's life
(15 minutes by default), which is the path the target is met on. The middleware runs on the Edge
runtime, where WebCrypto is the only HMAC; a Node-only verifier could use \`node:crypto\` for the
route handlers' second check, a change to \`lib/auth/access-token.ts\` for its owner.`);
  }
  return notes.length === 0 ? '' : `## What the misses are, and what remains\n\n${notes.join('\n\n')}\n`;
}

/** The whole docs/BENCHMARKS.md. */
export function renderMarkdown(r) {
  const mach = r.machine;
  const targets = evaluateTargets(r);
  const problems = allProblems(r);
  const machineRows = [
    ['CPU', `${mach.cpuModel}${mach.cpuMhz ? ` @ ${mach.cpuMhz} MHz` : ''}, ${mach.cores} cores`],
    ['Memory', `${mach.memoryGb} GB`],
    ['Node.js', mach.node],
    ['OS', mach.platform],
    ['Date', mach.date],
    ['Load average (1, 5, 15 min) at start → end', `${mach.loadAverageAtStart.join(', ')} → ${(mach.loadAverageAtEnd ?? []).join(', ')}`],
    ['Build', r.buildSeconds === undefined ? 'reused (--skip-build)' : `${Math.round(r.buildSeconds)} s`],
    ['Whole run', r.totalSeconds === undefined ? '–' : `${Math.round(r.totalSeconds)} s`],
  ];
  return `# Benchmarks

Written by \`npm run bench\` (\`bench/run.mjs\`) from its last run; rerun it rather than editing this file.
Method: [How it was measured](#how-it-was-measured). Chart: [benchmarks.svg](benchmarks.svg).

## Machine

${table(['', ''], machineRows)}

${mach.loadAverageAtStart[0] > mach.cores ? `> **Noisy run:** the load average was above the number of cores when the run started, so other
> processes competed for the CPU; absolute figures are low and noisy, ratios less so.
` : ''}
## Targets

${table(['target (medians, this machine)', 'measured', 'verdict'], targets.map((t) => [t.target, t.measured, verdict(t.ok)]))}

![Benchmark chart](benchmarks.svg)

${peersSection(r)}
${databasesSection(r, targets)}
${middlewareSection(r)}
${meSection(r)}
${refreshSection(r)}
${navigationSection(r)}
${loginSection(r)}
${verifySection(r)}
${piecesSection(r)}
${profileSection(r)}
${analysisSection(r, targets)}
${methodSection(r)}
${problems.length ? `## Problems seen during the run\n\n${problems.map((p) => `- ${p}`).join('\n')}\n` : ''}`.replace(/\n{3,}/g, '\n\n');
}

// ---------------------------------------------------------------------------------------------
// SVG

const escapeXml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One panel of horizontal bars; `log` draws a logarithmic scale (for values spanning decades). */
function panel(title, unit, bars, { y, width, log = false, color }) {
  const labelWidth = 330;
  const valueWidth = 110;
  const barArea = width - labelWidth - valueWidth - 20;
  const rowHeight = 22;
  const values = bars.map((b) => b.value).filter((v) => typeof v === 'number' && v > 0);
  const max = Math.max(...values, 1);
  const min = log ? Math.min(...values, max) / 2 : 0;
  const scale = (v) => {
    if (!(v > 0)) return 0;
    if (!log) return (v / max) * barArea;
    return ((Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * barArea;
  };
  const parts = [`<text x="10" y="${y + 16}" class="title">${escapeXml(title)}</text>`];
  bars.forEach((bar, i) => {
    const top = y + 28 + i * rowHeight;
    const w = Math.max(1, scale(bar.value));
    parts.push(`<text x="${labelWidth}" y="${top + 14}" class="label" text-anchor="end">${escapeXml(bar.label)}</text>`);
    parts.push(`<rect x="${labelWidth + 8}" y="${top + 2}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${bar.color ?? color}" rx="2"/>`);
    parts.push(`<text x="${(labelWidth + 14 + w).toFixed(1)}" y="${top + 14}" class="value">${escapeXml(bar.text ?? `${int(bar.value)} ${unit}`)}</text>`);
  });
  return { svg: parts.join('\n'), height: 28 + bars.length * rowHeight + 18 };
}

/** The chart: throughput, latency and verification panels. */
export function renderSvg(r) {
  const width = 900;
  const panels = [];
  const throughput = [];
  if (r.middleware) {
    for (const [kind, label] of [['page', 'page'], ['api', 'API']]) {
      const m = r.middleware[kind];
      throughput.push({ label: `${label}: outside the middleware`, value: m.open.rps, color: '#9aa5b1' });
      throughput.push({ label: `${label}: middleware, no auth`, value: m.plain.rps, color: '#7b8794' });
      throughput.push({ label: `${label}: middleware + our auth`, value: m.auth.rps, color: '#2563eb' });
    }
  }
  if (r.me) throughput.push({ label: 'GET /api/auth/me', value: r.me.rps, color: '#2563eb' });
  if (r.refresh) throughput.push({ label: 'POST /api/auth/refresh (rotation)', value: r.refresh.rps, color: '#0f766e' });
  if (throughput.length) panels.push(['Throughput, requests/s (median; higher is better)', 'req/s', throughput, { color: '#2563eb' }]);

  const dbBars = [];
  for (const kind of ['me', 'refresh']) {
    const d = r.databases?.[kind];
    if (!d) continue;
    const label = kind === 'me' ? 'GET /api/auth/me' : 'POST /api/auth/refresh';
    if (d.sqlite) dbBars.push({ label: `${label}, SQLite: app`, value: d.sqlite.cpuMsPerRequest, text: `${cpu(d.sqlite.cpuMsPerRequest)} ms`, color: '#2563eb' });
    if (d.postgres) {
      dbBars.push({ label: `${label}, PostgreSQL: app`, value: d.postgres.cpuMsPerRequest, text: `${cpu(d.postgres.cpuMsPerRequest)} ms${d.appCpuRatio ? ` (${times(d.appCpuRatio)})` : ''}`, color: '#0f766e' });
      if (d.postgres.dbCpuMsPerRequest !== null) dbBars.push({ label: `${label}, PostgreSQL: its server`, value: d.postgres.dbCpuMsPerRequest, text: `${cpu(d.postgres.dbCpuMsPerRequest)} ms`, color: '#7b8794' });
    }
  }
  if (dbBars.length) panels.push(['CPU per request in ms, SQLite vs PostgreSQL (median; lower is better)', 'ms', dbBars, { color: '#2563eb' }]);

  if (r.navigation) {
    panels.push([
      'Navigation to a protected page, p50 latency in ms (lower is better)',
      'ms',
      [
        { label: 'valid access token', value: r.navigation.normal.p50, text: `${ms(r.navigation.normal.p50)} ms`, color: '#2563eb' },
        { label: 'silent refresh', value: r.navigation.silent.p50, text: `${ms(r.navigation.silent.p50)} ms`, color: '#0f766e' },
      ],
      { color: '#2563eb' },
    ]);
  }
  const storm = [];
  for (const [mode, label, color] of [['inThread', 'bcrypt on event loop', '#b91c1c'], ['pool', 'bcrypt worker pool', '#2563eb']]) {
    const m = r.login?.[mode];
    if (!m) continue;
    storm.push({ label: `idle (${label})`, value: m.idle.p99, text: `${ms(m.idle.p99)} ms`, color: '#9aa5b1' });
    storm.push({ label: `during sign-ins (${label})`, value: m.storm.p99, text: `${ms(m.storm.p99)} ms`, color });
  }
  if (storm.length) panels.push(['/api/auth/me p99 in ms, idle and during a sign-in storm (log scale; lower is better)', 'ms', storm, { log: true, color: '#7b8794' }]);

  if (r.verify) {
    const m = r.verify.medians;
    panels.push([
      'Access-token verification, ops/s (log scale; higher is better)',
      'ops/s',
      [
        { label: 'ours, cached (token seen before)', value: m.oursHit, color: '#2563eb' },
        { label: 'ours, first sight (full verify)', value: m.oursMiss, color: '#2563eb' },
        { label: 'jose jwtVerify, pre-imported key', value: m.jose, color: '#7b8794' },
        { label: 'jsonwebtoken, KeyObject', value: m.jsonwebtokenKeyObject, color: '#9aa5b1' },
        { label: 'jsonwebtoken, string secret', value: m.jsonwebtokenString, color: '#9aa5b1' },
      ],
      { log: true, color: '#2563eb' },
    ]);
  }

  let y = 44;
  const body = [];
  for (const [title, unit, bars, opts] of panels) {
    const drawn = panel(title, unit, bars, { ...opts, y, width });
    body.push(drawn.svg);
    y += drawn.height;
  }
  const mach = r.machine;
  const subtitle = `${mach.cpuModel}, ${mach.cores} cores, Node ${mach.node}, ${mach.date.slice(0, 10)}; median of ${r.options.runs} runs`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" viewBox="0 0 ${width} ${y + 10}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>
.title { font-size: 14px; font-weight: 600; fill: #1f2933; }
.label { font-size: 12px; fill: #323f4b; }
.value { font-size: 12px; fill: #1f2933; }
.heading { font-size: 16px; font-weight: 700; fill: #1f2933; }
.sub { font-size: 11px; fill: #616e7c; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="10" y="20" class="heading">npm run bench: what the auth costs</text>
<text x="10" y="36" class="sub">${escapeXml(subtitle)}</text>
${body.join('\n')}
</svg>
`;
}

// ---------------------------------------------------------------------------------------------
// Against Better Auth (issue 11): the `peers` scenario

const PEERS_BEGIN = '<!-- peers:begin (written by npm run bench; the peers scenario) -->';
const PEERS_END = '<!-- peers:end -->';
const range = (s, format) => (s ? `${format(s.median)} (${format(s.min)}–${format(s.max)})` : '–');
const dbLabel = (name, all) => (all.length > 1 || name !== 'sqlite' ? ` (ours on ${DATABASE_LABELS[name]})` : '');

/** The peers targets: one row per comparison with a target, and per protected route the tail. */
export function evaluatePeerTargets(r) {
  const rows = [];
  const p = r.peers;
  if (!p) return rows;
  for (const c of Object.values(p.comparisons)) {
    for (const [name, d] of Object.entries(c.byDatabase)) {
      if (c.target === null) continue;
      rows.push({
        target: `${c.label}: ours ≥ ${c.target === 1 ? 'theirs' : `${c.target}× theirs`} (throughput)${dbLabel(name, p.databases)}`,
        measured: `${times(d.rpsRatio)} (${int(d.ours.rps)} vs ${int(c.theirsSummary.rps)} req/s)`,
        ok: d.met,
      });
    }
  }
  for (const c of Object.values(p.comparisons)) {
    if (!c.latency) continue;
    for (const [name, d] of Object.entries(c.latency.byDatabase)) {
      rows.push({
        target: `${c.label}: our p99 ≤ 3× our p50 at ${c.latency.connections} connections${dbLabel(name, p.databases)}`,
        measured: `${times(d.p99OverP50)} (p99 ${ms(d.ours.p99)} ms, p50 ${ms(d.ours.p50)} ms)`,
        ok: d.met,
      });
    }
  }
  return rows;
}

/** Console lines for the peers scenario. */
export function renderPeersTable(r) {
  const p = r.peers;
  if (!p) return '';
  const rows = [['ours vs Better Auth', 'ours req/s', 'theirs req/s', 'ratio', 'CPU ms ours', 'CPU ms theirs']];
  for (const c of Object.values(p.comparisons)) {
    for (const [name, d] of Object.entries(c.byDatabase)) {
      rows.push([`${c.ours} vs ${c.theirs}${c.peerConfig === 'cookie cache' ? ' (cache)' : ''}${dbLabel(name, p.databases)}`, range(d.ours.spread.rps, int), range(c.theirsSummary.spread.rps, int), times(d.rpsRatio), cpu(d.ours.cpuMsPerRequest), cpu(c.theirsSummary.cpuMsPerRequest)]);
    }
  }
  for (const c of Object.values(p.comparisons)) {
    if (!c.latency) continue;
    for (const [name, d] of Object.entries(c.latency.byDatabase)) {
      rows.push([`${c.ours} vs ${c.theirs} @${c.latency.connections}: p50 / p99 ms${dbLabel(name, p.databases)}`, `${ms(d.ours.p50)} / ${ms(d.ours.p99)}`, `${ms(c.latency.theirs.p50)} / ${ms(c.latency.theirs.p99)}`, times(d.p99OverP50), '', '']);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const targets = evaluatePeerTargets(r).map((t) => `${t.ok ? 'MET   ' : 'MISSED'}  ${t.target}: ${t.measured}`);
  return [...lines, '', ...targets].join('\n');
}

/** The "Against Better Auth" section of docs/BENCHMARKS.md, between its markers. */
export function peersSection(r) {
  const p = r.peers;
  if (!p) return '';
  const o = p.options;
  const throughputRows = [];
  for (const c of Object.values(p.comparisons)) {
    for (const [name, d] of Object.entries(c.byDatabase)) {
      throughputRows.push([
        `${c.label}${dbLabel(name, p.databases)}`,
        `\`${c.ours}\` ${range(d.ours.spread.rps, int)}`,
        `\`${c.theirs}\`${c.peerConfig === 'cookie cache' ? ' (cookie cache)' : ''} ${range(c.theirsSummary.spread.rps, int)}`,
        `**${times(d.rpsRatio)}**`,
        `${range(d.ours.spread.cpuMsPerRequest, cpu)}${typeof d.ours.dbCpuMsPerRequest === 'number' ? ` (${d.ours.dbCpuMsPerRequest < 0 ? '−' : '+'}${cpu(Math.abs(d.ours.dbCpuMsPerRequest))} in PostgreSQL)` : ''} vs ${range(c.theirsSummary.spread.cpuMsPerRequest, cpu)}`,
        c.target === null ? '–' : `≥ ${c.target.toFixed(1)}×`,
        c.target === null ? '–' : verdict(d.met),
      ]);
    }
  }
  const latencyRows = [];
  for (const c of Object.values(p.comparisons)) {
    if (!c.latency) continue;
    for (const [name, d] of Object.entries(c.latency.byDatabase)) {
      latencyRows.push([
        `${c.label}${dbLabel(name, p.databases)}`,
        `${range(d.ours.spread.p50, ms)} / ${range(d.ours.spread.p99, ms)}`,
        times(d.p99OverP50),
        `${range(c.latency.theirs.spread.p50, ms)} / ${range(c.latency.theirs.spread.p99, ms)}`,
        times(c.latency.theirs.p99OverP50),
        verdict(d.met),
      ]);
    }
  }
  const problems = [];
  for (const c of Object.values(p.comparisons)) {
    for (const problem of c.theirsSummary.problems) problems.push(`${c.theirs} (Better Auth): ${problem}`);
    for (const [name, d] of Object.entries(c.byDatabase)) for (const problem of d.ours.problems) problems.push(`${c.ours} (ours, ${name}): ${problem}`);
    if (c.latency) {
      for (const problem of c.latency.theirs.problems) problems.push(`${c.theirs} @${c.latency.connections} (Better Auth): ${problem}`);
      for (const [name, d] of Object.entries(c.latency.byDatabase)) for (const problem of d.ours.problems) problems.push(`${c.ours} @${c.latency.connections} (ours, ${name}): ${problem}`);
    }
  }
  const v = p.versions;
  const cores = r.machine?.cores ?? null;
  const noisy = cores !== null && p.loadAverageAtStart[0] > cores;
  return `${PEERS_BEGIN}
## Against Better Auth

Our app and Better Auth ${v.betterAuth ?? '?'} (\`bench/peers/better-auth\`: Next.js ${v.next ?? '?'}, email + password,
SQLite through better-sqlite3 ${v.betterSqlite3 ?? '?'}, its documented Next.js setup, nothing tuned) measured in one run on
the same machine, both under the same load (bench/load.mjs, autocannon, ${o.connections} connections), in alternation
(A B B A within every round, the halves swapped every other round), ${o.rounds} round${o.rounds === 1 ? '' : 's'} of ${o.duration}-second runs after a
warm-up of ${o.warmup} s per server. Throughput is the median of ${2 * o.rounds} runs per side with the min–max beside it;
CPU per request is the server's process group's (/proc). Ours runs on ${p.databases.map((name) => DATABASE_LABELS[name]).join(' and ')}.
The ratio is ours / theirs in throughput (above 1: ours is faster); CPU is ours vs theirs in ms per request.

Command: \`${p.command}\` · ran ${Math.round(p.seconds)} s${p.prepared?.buildSeconds ? ` (peer build ${Math.round(p.prepared.buildSeconds)} s)` : ''} · load average (1, 5, 15 min) ${p.loadAverageAtStart.join(', ')} → ${p.loadAverageAtEnd.join(', ')}${cores ? ` on ${cores} cores` : ''} · ${r.machine?.date ?? ''}
${noisy ? `
> **Noisy run:** the load average was above the number of cores when the scenario started (other
> processes competed for the CPU): absolute figures are low; the alternation keeps the ratios fairer.
` : ''}
${table(['route', 'ours req/s, median (min–max)', 'theirs req/s, median (min–max)', 'ours / theirs', 'CPU ms/req, ours vs theirs', 'target', 'met?'], throughputRows)}

Latency at ${o.latencyConnections} connections (${2 * o.latencyRounds} runs per side, A B B A), p50 / p99 in ms, median (min–max); the target is our p99 ≤ 3× our p50:

${table(['protected route', 'ours p50 / p99', 'ours p99/p50', 'theirs p50 / p99', 'theirs p99/p50', 'met?'], latencyRows)}

![Against Better Auth](benchmarks-peers.svg)

Routes: ours \`/api/auth/me\` (database session check), \`/api/bench/auth\` (access token only; BENCH_ROUTES=1),
\`/dashboard\`, \`/bench/open\`, \`/api/bench/open\`; theirs \`/api/protected\` (\`auth.api.getSession\`; a second
server with \`session.cookieCache\` for the stateless row, its 5-minute cache cookie renewed before every run as a
browser would), \`/protected\` (a page showing the user's email through \`getSession\`), \`/public\`, \`/api/public\`.
${problems.length ? `\nProblems seen: ${problems.map((x) => `\n- ${x}`).join('')}\n` : ''}
${PEERS_END}
`;
}

/** Puts the peers section into an existing docs/BENCHMARKS.md (replacing the previous one). */
export function splicePeersSection(markdown, section) {
  const begin = markdown.indexOf(PEERS_BEGIN);
  const end = markdown.indexOf(PEERS_END);
  if (begin !== -1 && end > begin) return markdown.slice(0, begin) + section.trimEnd() + markdown.slice(end + PEERS_END.length);
  const method = markdown.indexOf('\n## How it was measured');
  if (method !== -1) return `${markdown.slice(0, method)}\n${section}${markdown.slice(method)}`;
  return `${markdown.trimEnd()}\n\n${section}`;
}

/** docs/benchmarks-peers.svg: ours vs Better Auth, throughput per route and the 50-connection tails. */
export function renderPeersSvg(r) {
  const p = r.peers;
  const width = 900;
  const panels = [];
  const bars = [];
  for (const c of Object.values(p.comparisons)) {
    for (const [name, d] of Object.entries(c.byDatabase)) {
      bars.push({ label: `ours ${c.ours}${p.databases.length > 1 ? ` (${DATABASE_LABELS[name]})` : ''}`, value: d.ours.rps, text: `${int(d.ours.rps)} req/s (${times(d.rpsRatio)})`, color: '#2563eb' });
    }
    bars.push({ label: `Better Auth ${c.theirs}${c.peerConfig === 'cookie cache' ? ' (cookie cache)' : ''}`, value: c.theirsSummary.rps, text: `${int(c.theirsSummary.rps)} req/s`, color: '#9aa5b1' });
  }
  panels.push([`Throughput at ${p.options.connections} connections, req/s (median; higher is better)`, 'req/s', bars, {}]);
  const tails = [];
  for (const c of Object.values(p.comparisons)) {
    if (!c.latency) continue;
    for (const [name, d] of Object.entries(c.latency.byDatabase)) {
      tails.push({ label: `ours ${c.ours}${p.databases.length > 1 ? ` (${DATABASE_LABELS[name]})` : ''}: p99`, value: d.ours.p99, text: `${ms(d.ours.p99)} ms (p50 ${ms(d.ours.p50)})`, color: '#2563eb' });
    }
    tails.push({ label: `Better Auth ${c.theirs}${c.peerConfig === 'cookie cache' ? ' (cache)' : ''}: p99`, value: c.latency.theirs.p99, text: `${ms(c.latency.theirs.p99)} ms (p50 ${ms(c.latency.theirs.p50)})`, color: '#9aa5b1' });
  }
  if (tails.length) panels.push([`p99 latency at ${p.options.latencyConnections} connections, ms (median; lower is better)`, 'ms', tails, {}]);
  let y = 44;
  const body = [];
  for (const [title, unit, panelBars, opts] of panels) {
    const drawn = panel(title, unit, panelBars, { ...opts, y, width, color: '#2563eb' });
    body.push(drawn.svg);
    y += drawn.height;
  }
  const subtitle = `Better Auth ${p.versions.betterAuth ?? '?'}, Next.js ${p.versions.next ?? '?'}; ${r.machine.cpuModel}, ${r.machine.cores} cores; ${r.machine.date.slice(0, 10)}; load average ${p.loadAverageAtStart[0]} at start; ${2 * p.options.rounds} runs of ${p.options.duration} s per side`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" viewBox="0 0 ${width} ${y + 10}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>
.title { font-size: 14px; font-weight: 600; fill: #1f2933; }
.label { font-size: 12px; fill: #323f4b; }
.value { font-size: 12px; fill: #1f2933; }
.heading { font-size: 16px; font-weight: 700; fill: #1f2933; }
.sub { font-size: 11px; fill: #616e7c; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="10" y="20" class="heading">npm run bench: ours against Better Auth (blue: ours; grey: Better Auth)</text>
<text x="10" y="36" class="sub">${escapeXml(subtitle)}</text>
${body.join('\n')}
</svg>
`;
}
