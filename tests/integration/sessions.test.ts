/**
 * GET /api/auth/sessions and DELETE /api/auth/sessions/{id}: only the caller's live sessions,
 * newest first, the current one flagged; revoking one's own sessions; 404 (never 403) for anyone
 * else's; every check made against the database, not only the access token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type SecurityEventRow, type SessionRow, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { DAY, MINUTE, T0 } from '../support/env';
import { apiRequest, CookieJar, expectError, jwtPayload, ORIGIN, type RequestOptions } from '../support/http';

const PASSWORD = 'heron-quartz-lantern-52';
const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

type Params = { params: Promise<{ id: string }> };
type ListHandler = (request: Request, context: { params: Promise<Record<string, never>> }) => Promise<Response>;
type ItemHandler = (request: Request, context: Params) => Promise<Response>;

interface SessionItem {
  id: string;
  current: boolean;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
}

let app: TestApp;
let list: Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', ListHandler>;
let item: Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', ItemHandler>;

beforeAll(async () => {
  freezeClock(T0);
  // TRUST_PROXY so that the IP a session was started from is known and can be checked.
  app = await startApp({ TRUST_PROXY: 'true' });
  list = await import('@/app/api/auth/sessions/route');
  item = await import('@/app/api/auth/sessions/[id]/route');
});

afterAll(() => {
  restoreClock();
});

/** Checks the contract's `Cache-Control: no-store`, then hands the response back. */
function noStore(response: Response): Response {
  expect(response.headers.get('cache-control')).toBe('no-store');
  return response;
}

async function getSessions(options: RequestOptions = {}, method: keyof typeof list = 'GET'): Promise<Response> {
  return noStore(await list[method](apiRequest(method, '/api/auth/sessions', options), { params: Promise.resolve({}) }));
}

async function deleteSession(id: string, options: RequestOptions = {}, method: keyof typeof item = 'DELETE'): Promise<Response> {
  const request = apiRequest(method, `/api/auth/sessions/${encodeURIComponent(id)}`, options);
  return noStore(await item[method](request, { params: Promise.resolve({ id }) }));
}

async function sessionsOf(jar: CookieJar): Promise<SessionItem[]> {
  const response = await getSessions({ cookies: jar });
  expect(response.status).toBe(200);
  return ((await response.json()) as { sessions: SessionItem[] }).sessions;
}

/** A new device: signs in (or registers) with its own user agent and IP; returns its cookies and session id. */
async function device(email: string, options: { register?: boolean; userAgent?: string; ip?: string } = {}): Promise<{ jar: CookieJar; sid: string }> {
  const headers: Record<string, string> = {};
  if (options.userAgent) headers['user-agent'] = options.userAgent;
  if (options.ip) headers['x-real-ip'] = options.ip;
  const response = options.register
    ? await app.send('register', 'POST', { json: { email, password: PASSWORD }, headers })
    : await app.send('login', 'POST', { json: { email, password: PASSWORD }, headers });
  expect(response.status).toBe(options.register ? 201 : 200);
  const jar = new CookieJar().apply(response);
  return { jar, sid: String(jwtPayload(jar.get('access_token') ?? '').sid) };
}

const refreshWith = (jar: CookieJar) => app.send('refresh', 'POST', { cookies: jar });
const meWith = (jar: CookieJar) => app.send('me', 'GET', { cookies: jar });

async function sessionRow(id: string): Promise<SessionRow | undefined> {
  return (await app.query<SessionRow>('SELECT * FROM sessions WHERE id = ?', id))[0];
}

describe('GET /api/auth/sessions', () => {
  it("lists only the caller's live sessions, newest first, with the current one flagged", async () => {
    const first = await device('lister@example.com', { register: true, userAgent: CHROME_MAC, ip: '203.0.113.7' });
    advanceClock(MINUTE);
    const signedOut = await device('lister@example.com');
    advanceClock(MINUTE);
    const current = await device('lister@example.com', { ip: '2001:db8::1' });
    // Someone else's session must never show up.
    await device('stranger@example.com', { register: true });
    // A signed-out session is not live.
    expect((await app.send('logout', 'POST', { cookies: signedOut.jar })).status).toBe(204);

    const response = await getSessions({ cookies: current.jar });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { sessions: SessionItem[] };
    expect(Object.keys(body)).toEqual(['sessions']);
    expect(body.sessions.map((s) => s.id)).toEqual([current.sid, first.sid]);
    expect(body.sessions.map((s) => s.current)).toEqual([true, false]);
    expect(body.sessions[1]).toEqual({
      id: first.sid,
      current: false,
      createdAt: new Date(T0).toISOString(),
      lastUsedAt: new Date(T0).toISOString(),
      expiresAt: new Date(T0 + 7 * DAY).toISOString(),
      userAgent: CHROME_MAC,
      ip: '203.0.113.7',
    });
    expect(body.sessions[0]?.ip).toBe('2001:db8::1');
    // Explicit fields only: nothing about nonces, generations or revocation leaks.
    for (const session of body.sessions) {
      expect(Object.keys(session).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent']);
    }
  });

  it('flags as current whichever session asks', async () => {
    const a = await device('flags@example.com', { register: true });
    advanceClock(1_000);
    const b = await device('flags@example.com');
    const fromA = await sessionsOf(a.jar);
    const fromB = await sessionsOf(b.jar);
    expect(fromA.find((s) => s.current)?.id).toBe(a.sid);
    expect(fromB.find((s) => s.current)?.id).toBe(b.sid);
    expect(fromA.map((s) => s.id)).toEqual(fromB.map((s) => s.id));
  });

  it('leaves out sessions that expired when idle, and updates "last active" only on refresh', async () => {
    const idle = await device('idle@example.com', { register: true });
    advanceClock(3 * DAY);
    const active = await device('idle@example.com');
    const createdAt = new Date(Date.now()).toISOString();
    advanceClock(10 * MINUTE);
    // Plain reads (list, me) write nothing: "last active" moves only when the session refreshes.
    expect((await sessionsOf(active.jar)).find((s) => s.current)?.lastUsedAt).toBe(createdAt);
    expect((await meWith(active.jar)).status).toBe(200);
    expect((await sessionsOf(active.jar)).find((s) => s.current)?.lastUsedAt).toBe(createdAt);
    advanceClock(10 * MINUTE); // past the 15-minute access token
    active.jar.apply(await refreshWith(active.jar));
    const refreshedAt = new Date(Date.now()).toISOString();
    expect((await sessionsOf(active.jar)).find((s) => s.current)?.lastUsedAt).toBe(refreshedAt);

    advanceClock(4 * DAY + MINUTE); // the first session's 7-day idle expiry has passed, never refreshed
    active.jar.apply(await refreshWith(active.jar));
    const ids = (await sessionsOf(active.jar)).map((s) => s.id);
    expect(ids).toEqual([active.sid]);
    expect(ids).not.toContain(idle.sid);
  });

  it('answers 401 unauthenticated without a session, with a challenge', async () => {
    const response = await getSessions();
    await expectError(response, 401, 'unauthenticated');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers 401 with error="invalid_token" for a bad bearer token', async () => {
    const response = await getSessions({ bearer: 'not.a.token' });
    await expectError(response, 401, 'unauthenticated');
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('accepts the access token as a bearer token (native clients)', async () => {
    const { jar, sid } = await device('bearer@example.com', { register: true });
    const response = await getSessions({ bearer: jar.get('access_token') ?? '' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { sessions: SessionItem[] }).sessions.map((s) => s.id)).toEqual([sid]);
  });

  it("refuses a revoked session's unexpired access token at once (checked in the database)", async () => {
    const { jar } = await device('revoked-reader@example.com', { register: true });
    const stale = jar.clone();
    expect((await app.send('logout', 'POST', { cookies: jar })).status).toBe(204);
    await expectError(await getSessions({ cookies: { access_token: stale.get('access_token') ?? '' } }), 401, 'unauthenticated');
  });

  it('is a read: a foreign Origin does not matter for GET', async () => {
    const { jar } = await device('origin-reader@example.com', { register: true });
    expect((await getSessions({ cookies: jar, origin: 'https://evil.example' })).status).toBe(200);
  });

  it('answers 405 method_not_allowed with Allow: GET for other methods', async () => {
    const { jar } = await device('methods@example.com', { register: true });
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const response = await getSessions({ cookies: jar, origin: ORIGIN }, method);
      await expectError(response, 405, 'method_not_allowed');
      expect(response.headers.get('allow')).toBe('GET');
    }
  });
});

describe('DELETE /api/auth/sessions/{id}', () => {
  it('revokes another of my sessions: 204, gone from the list, its tokens stop working, event recorded', async () => {
    const laptop = await device('reviver@example.com', { register: true });
    advanceClock(1_000);
    const phone = await device('reviver@example.com', { userAgent: 'Phone/1.0' });

    const response = await deleteSession(phone.sid, { cookies: laptop.jar, origin: ORIGIN });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    // The caller's own cookies are untouched.
    expect(response.headers.getSetCookie()).toEqual([]);

    expect((await sessionsOf(laptop.jar)).map((s) => s.id)).toEqual([laptop.sid]);
    expect((await sessionRow(phone.sid))?.revoked_reason).toBe('revoked_by_user');
    // Its refresh token is dead, and its still-unexpired access token is refused by the API.
    await expectError(await refreshWith(phone.jar.clone()), 401, 'invalid_refresh_token');
    await expectError(await meWith(phone.jar), 401, 'unauthenticated');
    // The laptop goes on.
    expect((await meWith(laptop.jar)).status).toBe(200);

    const events = await app.query<SecurityEventRow>("SELECT * FROM security_events WHERE session_id = ? AND type = 'session_revoked'", phone.sid);
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]?.detail ?? '{}')).toMatchObject({ reason: 'revoked_by_user' });
  });

  it("answers 404 not_found (never 403) for another user's session, and leaves it alone", async () => {
    const mallory = await device('mallory@example.com', { register: true });
    const victim = await device('victim@example.com', { register: true });
    const response = await deleteSession(victim.sid, { cookies: mallory.jar, origin: ORIGIN });
    const body = await expectError(response, 404, 'not_found');
    // Same body as for an id that does not exist at all: nothing tells the two apart.
    const unknown = await expectError(await deleteSession('AAAAAAAAAAAAAAAAAAAAAA', { cookies: mallory.jar, origin: ORIGIN }), 404, 'not_found');
    expect(body).toEqual(unknown);
    expect((await sessionRow(victim.sid))?.revoked_at).toBeNull();
    expect((await meWith(victim.jar)).status).toBe(200);
    expect((await refreshWith(victim.jar)).status).toBe(200);
  });

  it('answers 404 for malformed ids and for my own session once it has ended', async () => {
    const a = await device('ended@example.com', { register: true });
    advanceClock(1_000);
    const b = await device('ended@example.com');
    for (const id of ['x', '../../me', 'a'.repeat(2_000), "' OR 1=1 --", `${b.sid}x`]) {
      await expectError(await deleteSession(id, { cookies: a.jar, origin: ORIGIN }), 404, 'not_found');
    }
    expect((await deleteSession(b.sid, { cookies: a.jar, origin: ORIGIN })).status).toBe(204);
    await expectError(await deleteSession(b.sid, { cookies: a.jar, origin: ORIGIN }), 404, 'not_found');
  });

  it('revoking the current session signs this browser out: cookies cleared', async () => {
    const { jar, sid } = await device('self@example.com', { register: true });
    const response = await deleteSession(sid, { cookies: jar, origin: ORIGIN });
    expect(response.status).toBe(204);
    expect(response.headers.get('clear-site-data')).toBe('"cookies"');
    const cleared = jar.clone().apply(response);
    expect(cleared.get('access_token')).toBeUndefined();
    expect(cleared.get('refresh_token')).toBeUndefined();
    await expectError(await meWith(jar), 401, 'unauthenticated');
  });

  it('answers 401 unauthenticated without a live session', async () => {
    const owner = await device('unauth@example.com', { register: true });
    await expectError(await deleteSession(owner.sid, { origin: ORIGIN }), 401, 'unauthenticated');
    // A revoked session's access token cannot revoke anything either.
    const other = await device('unauth@example.com');
    const stale = other.jar.clone();
    expect((await app.send('logout', 'POST', { cookies: other.jar })).status).toBe(204);
    await expectError(await deleteSession(owner.sid, { cookies: { access_token: stale.get('access_token') ?? '' }, origin: ORIGIN }), 401, 'unauthenticated');
    expect((await sessionRow(owner.sid))?.revoked_at).toBeNull();
  });

  it('refuses a foreign or null Origin and cross-site fetches with 403 forbidden_origin, revoking nothing', async () => {
    const a = await device('csrf@example.com', { register: true });
    const b = await device('csrf@example.com');
    for (const options of [{ origin: 'https://evil.example' }, { origin: 'null' }, { origin: 'http://localhost:3001' }, { headers: { 'sec-fetch-site': 'cross-site' } }]) {
      await expectError(await deleteSession(b.sid, { cookies: a.jar, ...options }), 403, 'forbidden_origin');
    }
    expect((await sessionRow(b.sid))?.revoked_at).toBeNull();
    // No Origin at all (a script or native client) is not refused for that reason.
    expect((await deleteSession(b.sid, { cookies: a.jar })).status).toBe(204);
  });

  it('answers 405 method_not_allowed with Allow: DELETE for other methods', async () => {
    const { jar, sid } = await device('item-methods@example.com', { register: true });
    for (const method of ['GET', 'POST', 'PUT', 'PATCH'] as const) {
      const response = await deleteSession(sid, { cookies: jar, origin: ORIGIN }, method);
      await expectError(response, 405, 'method_not_allowed');
      expect(response.headers.get('allow')).toBe('DELETE');
    }
    expect((await sessionRow(sid))?.revoked_at).toBeNull();
  });
});
