// Load generator for `npm run bench` (bench/run.mjs forks it): a separate process, so its CPU
// use is its own and measurable, and the orchestrator's work never delays a request.
//
// Messages from the parent:
//   { type: 'pool', name, sessions: [{ access, refresh }] }  a pool of sessions to rotate through
//   { type: 'run', id, jobs: [job, …] }                      runs the jobs side by side
// Replies: { type: 'result', id, results: [result, …], cpu } or { type: 'error', id, message }.
//
// A job is { kind: 'cannon', … } (autocannon, closed loop, fixed connections) or
// { kind: 'probe', … } (a paced open-loop stream of single requests, for latency under load).
// Latencies are recorded as floats from autocannon's per-response events (its own histogram
// rounds to whole milliseconds), so p50 and p99 below are exact over every response.
import http from 'node:http';
import autocannon from 'autocannon';

/** A request unanswered after this long counts as an error (autocannon and the probe alike). */
const REQUEST_TIMEOUT_S = 10;

/** @type {Map<string, { free: Array<{ access: string, refresh: string }>, lost: number }>} */
const pools = new Map();

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function summarize({ latencies, statuses, errors, elapsedS, expect, steadyAfterS = 0, wholeRun = latencies }) {
  latencies.sort((a, b) => a - b);
  if (wholeRun !== latencies) wholeRun.sort((a, b) => a - b);
  let ok = 0;
  let unexpected = 0;
  for (const [status, count] of Object.entries(statuses)) {
    if (Number(status) === expect) ok += count;
    else unexpected += count;
  }
  return {
    requests: ok + unexpected,
    ok,
    unexpected,
    statuses,
    errors,
    elapsedS,
    rps: ok / elapsedS,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.length ? latencies[latencies.length - 1] : null,
    // p50 and p99 above cover the requests sent after `steadyAfterS` (see runCannon); these, every one.
    steadyAfterS,
    p50WholeRun: percentile(wholeRun, 50),
    p99WholeRun: percentile(wholeRun, 99),
  };
}

/** The value of a cookie in a response's Set-Cookie lines (autocannon gives a string or an array). */
function cookieFrom(setCookie, name) {
  const lines = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  for (const line of lines) {
    const pair = line.split(';', 1)[0];
    const index = pair.indexOf('=');
    if (index > 0 && pair.slice(0, index).trim() === name) return pair.slice(index + 1).trim();
  }
  return null;
}

/** The request a job describes (no `body` key without a body: autocannon would send `undefined`). */
function plainRequest(job) {
  const request = { method: job.method ?? 'GET', path: job.path, headers: job.headers ?? {} };
  if (job.body !== undefined) request.body = job.body;
  return request;
}

/**
 * Request hooks that give each request a session of its own from a pool and store the rotated
 * refresh token from the response, so every request presents the session's current token.
 * A session whose response never arrives (the run ended, a timeout) is dropped, never reused:
 * its token may have been rotated on the server.
 */
function rotatingRequest(job) {
  const pool = pools.get(job.pool);
  if (!pool) throw new Error(`unknown session pool ${job.pool}`);
  const { accessName, refreshName } = job.cookies;
  return {
    ...plainRequest(job),
    setupRequest(request, context) {
      const session = pool.free.shift();
      if (!session) throw new Error(`session pool ${job.pool} ran dry`);
      context.session = session;
      const cookie = job.sendAccess ? `${accessName}=${session.access}; ${refreshName}=${session.refresh}` : `${refreshName}=${session.refresh}`;
      return { ...request, headers: { ...request.headers, cookie } };
    },
    onResponse(status, _body, context, headers) {
      const session = context.session;
      context.session = undefined;
      if (!session) return;
      const refresh = status === 200 ? cookieFrom(headers['set-cookie'], refreshName) : null;
      const access = status === 200 ? cookieFrom(headers['set-cookie'], accessName) : null;
      if (refresh === null) {
        pool.lost += 1;
        return;
      }
      session.refresh = refresh;
      if (access !== null) session.access = access;
      pool.free.push(session);
    },
  };
}

function runCannon(job) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const wholeRun = [];
    const statuses = {};
    let errors = 0;
    const requests = [job.pool ? rotatingRequest(job) : plainRequest(job)];
    const started = process.hrtime.bigint();
    // Latency percentiles count only requests SENT after this mark (job.steadyAfterS): the first
    // moments of a run are every connection's handshake and first request at once, on a server
    // that was idle while the other variants ran. Throughput counts every response.
    const steadyAfterS = job.steadyAfterS ?? 0;
    const steadyFrom = started + BigInt(Math.round(steadyAfterS * 1e9));
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: job.duration,
        timeout: REQUEST_TIMEOUT_S,
        requests,
        // Redirects and errors are counted, never followed.
      },
      (error) => {
        clearTimeout(watchdog);
        if (error) {
          reject(error);
          return;
        }
        const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
        resolve(summarize({ latencies, statuses, errors, elapsedS, expect: job.expect ?? 200, steadyAfterS, wholeRun }));
      },
    );
    // autocannon ends on its own timer; this only guards against it never calling back.
    const watchdog = setTimeout(() => instance.stop(), (job.duration + REQUEST_TIMEOUT_S + 5) * 1000);
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode === (job.expect ?? 200)) {
        wholeRun.push(responseTime);
        const sentAt = process.hrtime.bigint() - BigInt(Math.round(responseTime * 1e6));
        if (sentAt >= steadyFrom) latencies.push(responseTime);
      }
    });
    instance.on('reqError', () => {
      errors += 1;
    });
  });
}

/**
 * An open-loop probe: one request every 1000/rate ms whatever the server does, each on a
 * keep-alive socket of its own, so latency is measured at a fixed, moderate offered load (a
 * closed loop at saturation would measure its own queue instead). Latency runs from the moment
 * the request was due, so a stalled server is charged for the requests it kept waiting.
 */
function runProbe(job) {
  return new Promise((resolve) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const target = new URL(job.path, job.url);
    const expect = job.expect ?? 200;
    const latencies = [];
    const statuses = {};
    let errors = 0;
    let inFlight = 0;
    const intervalNs = BigInt(Math.round(1e9 / job.rate));
    const started = process.hrtime.bigint();
    const endAt = started + BigInt(Math.round(job.duration * 1e9));
    let due = started;
    let finished = false;
    let watchdog = null;

    const finish = (force = false) => {
      if (finished || (!force && (inFlight > 0 || process.hrtime.bigint() < endAt))) return;
      finished = true;
      clearTimeout(watchdog);
      agent.destroy();
      // Requests still unanswered when the watchdog fires count as errors.
      resolve(summarize({ latencies, statuses, errors: errors + inFlight, elapsedS: job.duration, expect }));
    };
    // However the server behaves, the probe ends: unanswered requests become errors.
    watchdog = setTimeout(() => finish(true), (job.duration + REQUEST_TIMEOUT_S + 5) * 1000);

    const send = (scheduled) => {
      inFlight += 1;
      let settled = false;
      // Exactly once per request, whichever of end, error or close comes first.
      const settle = (status) => {
        if (settled) return;
        settled = true;
        inFlight -= 1;
        if (status === null) errors += 1;
        else {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === expect) latencies.push(Number(process.hrtime.bigint() - scheduled) / 1e6);
        }
        finish();
      };
      const request = http.request(target, { method: job.method ?? 'GET', headers: job.headers ?? {}, agent }, (response) => {
        response.on('end', () => settle(response.statusCode));
        response.on('error', () => settle(null));
        response.resume();
      });
      request.setTimeout(REQUEST_TIMEOUT_S * 1000, () => request.destroy(new Error('timeout')));
      request.on('error', () => settle(null));
      // 'close' follows 'end' for a complete response; one without it failed somewhere.
      request.on('close', () => setImmediate(() => settle(null)));
      request.end();
    };

    const tick = () => {
      if (finished) return;
      const now = process.hrtime.bigint();
      while (due <= now && due < endAt) {
        send(due);
        due += intervalNs;
      }
      if (due < endAt) setTimeout(tick, Math.max(0, Number(due - process.hrtime.bigint()) / 1e6));
      // Everything is sent: finish at the end of the window, or when the last response arrives.
      else setTimeout(finish, Math.max(0, Number(endAt - process.hrtime.bigint()) / 1e6) + 1);
    };
    tick();
  });
}

async function runJob(job) {
  if (job.delay) await new Promise((resolve) => setTimeout(resolve, job.delay * 1000));
  if (job.kind === 'probe') return runProbe(job);
  const result = await runCannon(job);
  if (job.pool) result.poolLeft = pools.get(job.pool).free.length;
  return result;
}

process.on('message', async (message) => {
  if (message.type === 'pool') {
    pools.set(message.name, { free: [...message.sessions], lost: 0 });
    process.send({ type: 'pool-ready', name: message.name });
    return;
  }
  if (message.type !== 'run') return;
  const before = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  try {
    const results = await Promise.all(message.jobs.map(runJob));
    const cpu = process.cpuUsage(before);
    const wallS = Number(process.hrtime.bigint() - wallStart) / 1e9;
    // Share of one core the load generator used during the run.
    process.send({ type: 'result', id: message.id, results, wallS, cpuShare: (cpu.user + cpu.system) / 1e6 / wallS });
  } catch (error) {
    process.send({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) });
  }
});

process.on('disconnect', () => process.exit(0));
