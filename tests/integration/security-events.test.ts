/**
 * Security events (issue 4): sign-in success and failure, refresh-token reuse, session revoked,
 * rate limit hit. Each is stored in `security_events` with user (where known), IP and user agent,
 * and written as exactly one structured JSON log line; no log line ever carries a password, a
 * token or a secret. TRUST_PROXY is on, so the client IP comes from X-Real-IP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backgroundSettled } from '@/lib/background';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { ACCESS_SECRET, REFRESH_SECRET, SECOND, T0 } from '../support/env';
import { CookieJar, jwtPayload, setCookies, type RequestOptions } from '../support/http';
import { captureConsole, GOOD_PASSWORD, IP_A, OTHER_PASSWORD, securityEvents, securityLogLines, USER_AGENT, type EventRow, type LogCapture, type SecurityLogLine } from '../support/security';

const ACCOUNT_LIMIT = 3;

let app: TestApp;
let logs: LogCapture;
let aliceId: string;

const client = (options: RequestOptions = {}): RequestOptions => ({ ...options, headers: { 'x-real-ip': IP_A, 'user-agent': USER_AGENT, ...options.headers } });
const login = (email: string, password: string) => app.send('login', 'POST', client({ json: { email, password } }));

/** Runs an action and returns the events it stored and the security log lines it wrote. */
async function observe(action: () => Promise<unknown>): Promise<{ rows: EventRow[]; lines: SecurityLogLine[]; raw: string[] }> {
  const rowsBefore = (await securityEvents(app)).length;
  const linesBefore = logs.lines().length;
  await action();
  const raw = logs.lines().slice(linesBefore);
  return { rows: (await securityEvents(app)).slice(rowsBefore), lines: securityLogLines(raw), raw };
}

/** Checks one stored event and its one log line, field by field. */
function expectLoggedOnce(observed: { rows: EventRow[]; lines: SecurityLogLine[]; raw: string[] }, expected: { type: string; userId: string | null; sessionId?: string }): EventRow {
  expect(observed.rows.map((row) => row.type)).toEqual([expected.type]);
  const row = observed.rows[0] as EventRow;
  expect(row).toMatchObject({ user_id: expected.userId, ip: IP_A, user_agent: USER_AGENT, at: Date.now() });
  if (expected.sessionId !== undefined) expect(row.session_id).toBe(expected.sessionId);
  expect(observed.lines).toHaveLength(1);
  expect(observed.lines[0]).toMatchObject({
    event: `security.${expected.type}`,
    userId: expected.userId,
    sessionId: row.session_id,
    ip: IP_A,
    userAgent: USER_AGENT,
    at: new Date(Date.now()).toISOString(),
  });
  // One line: the JSON is not spread over several.
  const line = observed.raw.find((text) => text.includes(`"security.${expected.type}"`));
  expect(line).toBeDefined();
  expect(line).not.toContain('\n');
  return row;
}

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ TRUST_PROXY: 'true', RATE_LIMIT_PER_ACCOUNT: `${ACCOUNT_LIMIT}/15m` });
  logs = captureConsole();
  const registered = await app.send('register', 'POST', client({ json: { email: 'alice@example.com', password: GOOD_PASSWORD } }));
  expect(registered.status).toBe(201);
  aliceId = ((await registered.json()) as { user: { id: string } }).user.id;
  // The verification mail and its event go out after the answer: let them, before counting events.
  await backgroundSettled();
});

afterAll(() => {
  restoreClock();
});

describe('security events: stored and logged', () => {
  it('records a successful sign-in with user, session, IP and user agent', async () => {
    let sessionId = '';
    const observed = await observe(async () => {
      const response = await login('alice@example.com', GOOD_PASSWORD);
      expect(response.status).toBe(200);
      sessionId = String(jwtPayload(setCookies(response).get('access_token')?.value ?? '').sid);
    });
    expectLoggedOnce(observed, { type: 'sign_in_succeeded', userId: aliceId, sessionId });
  });

  it('records a failed sign-in: with the user for a wrong password, without one for an unknown email', async () => {
    const wrong = await observe(async () => expect((await login('alice@example.com', OTHER_PASSWORD)).status).toBe(401));
    expectLoggedOnce(wrong, { type: 'sign_in_failed', userId: aliceId });
    const unknown = await observe(async () => expect((await login('nobody@example.com', GOOD_PASSWORD)).status).toBe(401));
    expectLoggedOnce(unknown, { type: 'sign_in_failed', userId: null });
  });

  it('records refresh-token reuse (and the session is revoked)', async () => {
    const signedIn = await login('alice@example.com', GOOD_PASSWORD);
    const stale = new CookieJar().apply(signedIn);
    const sessionId = String(jwtPayload(stale.get('access_token') ?? '').sid);
    expect((await app.send('refresh', 'POST', client({ cookies: stale }))).status).toBe(200);
    advanceClock(11 * SECOND); // past the 10 s reuse interval
    const observed = await observe(async () => expect((await app.send('refresh', 'POST', client({ cookies: stale }))).status).toBe(401));
    expectLoggedOnce(observed, { type: 'refresh_token_reused', userId: aliceId, sessionId });
    expect(await app.query<{ revoked_at: number | null }>('SELECT revoked_at FROM sessions WHERE id = ?', sessionId)).toEqual([{ revoked_at: Date.now() }]);
  });

  it('records a session revoked by logout', async () => {
    const jar = new CookieJar().apply(await login('alice@example.com', GOOD_PASSWORD));
    const sessionId = String(jwtPayload(jar.get('access_token') ?? '').sid);
    const observed = await observe(async () => expect((await app.send('logout', 'POST', client({ cookies: jar }))).status).toBe(204));
    const row = expectLoggedOnce(observed, { type: 'session_revoked', userId: aliceId, sessionId });
    expect(JSON.parse(row.detail ?? '{}')).toMatchObject({ reason: 'logout' });
  });

  it('records a rate limit hit once per key and window, with IP and user agent', async () => {
    advanceClock(16 * 60 * SECOND);
    for (let i = 0; i < ACCOUNT_LIMIT; i += 1) expect((await login('target@example.com', `guess-number-${i}`)).status).toBe(401);
    const observed = await observe(async () => expect((await login('target@example.com', 'guess-number-x')).status).toBe(429));
    const row = expectLoggedOnce(observed, { type: 'rate_limited', userId: null });
    expect(JSON.parse(row.detail ?? '{}')).toMatchObject({ scope: 'account', action: 'sign_in' });
    // Further refusals in the same window add nothing.
    const again = await observe(async () => expect((await login('target@example.com', 'guess-number-y')).status).toBe(429));
    expect(again.rows).toEqual([]);
    expect(again.lines).toEqual([]);
  });

  it('logs every stored event exactly once', async () => {
    const stored = await securityEvents(app);
    const logged = securityLogLines(logs.lines());
    expect(logged.map((line) => line.event)).toEqual(stored.map((row) => `security.${row.type}`));
  });
});

describe('log lines never carry a password, token or secret', () => {
  it('stays clean through register, sign-in, wrong sign-in, refresh, reuse and logout', async () => {
    const secrets = new Set<string>([ACCESS_SECRET, REFRESH_SECRET]);
    const remember = (response: Response) => {
      for (const cookie of setCookies(response).values()) {
        if (cookie.value === '') continue;
        secrets.add(cookie.value);
        // Also the parts that matter on their own: the JWT signature, the refresh token's MAC.
        const parts = cookie.value.split('.');
        secrets.add(parts[parts.length - 1] ?? cookie.value);
      }
      return response;
    };
    const password = 'correct horse battery staple 🐎 ünïcode';
    const wrongPassword = 'Tr0ub4dor&3-but-wrong-on-purpose';
    for (const text of [password, wrongPassword, password.normalize('NFD')]) secrets.add(text);
    const before = logs.lines().length;

    const registered = remember(await app.send('register', 'POST', client({ json: { email: 'Bob@Example.com', password, name: 'Bob' } })));
    expect(registered.status).toBe(201);
    expect((await login('bob@example.com', wrongPassword)).status).toBe(401);
    expect((await login('ghost@example.com', password)).status).toBe(401);
    const signedIn = remember(await login('bob@example.com', password));
    expect(signedIn.status).toBe(200);
    const stale = new CookieJar().apply(signedIn);
    const fresh = stale.clone().apply(remember(await app.send('refresh', 'POST', client({ cookies: stale }))));
    expect(fresh.get('refresh_token')).not.toBe(stale.get('refresh_token'));
    expect((await app.send('me', 'GET', client({ bearer: fresh.get('access_token') ?? '' }))).status).toBe(200);
    advanceClock(11 * SECOND);
    expect((await app.send('refresh', 'POST', client({ cookies: stale }))).status).toBe(401);
    const other = new CookieJar().apply(remember(await login('bob@example.com', password)));
    expect((await app.send('logout', 'POST', client({ cookies: other }))).status).toBe(204);
    // A malformed body with the password inside it: the error path must not echo it either.
    expect((await app.send('login', 'POST', client({ raw: `{"email":"bob@example.com","password":"${password}"`, contentType: 'application/json' }))).status).toBe(400);

    const lines = logs.lines().slice(before);
    expect(securityLogLines(lines).length).toBeGreaterThanOrEqual(6);
    for (const secret of secrets) {
      for (const line of lines) expect(line.includes(secret), `a log line contains a secret value: ${line.slice(0, 120)}`).toBe(false);
    }
  });
});
