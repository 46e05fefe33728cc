/**
 * POST /api/auth/refresh: rotation, the grace window for parallel refreshes, and reuse after the
 * interval revoking the whole session (contract "Tokens"; checklist C13–C15, C18, B11).
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type SecurityEventRow, type SessionRow, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { PASSWORD, SECOND, T0 } from '../support/env';
import { type CookieJar, expectAuthCookie, expectError, jwtPayload, setCookies } from '../support/http';

let app: TestApp;
let counter = 0;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
});

beforeEach(() => {
  freezeClock(T0 + counter * 86_400_000);
  counter += 1;
});

afterEach(() => {
  restoreClock();
});

/** A new user, signed in: returns the browser's cookies. */
async function signedIn(): Promise<CookieJar> {
  const { response, jar } = await app.signUp(`user${counter}-${Math.random().toString(36).slice(2)}@example.com`, PASSWORD);
  expect(response.status).toBe(201);
  return jar;
}

function refreshCookie(refreshToken: string): Record<string, string> {
  return { refresh_token: refreshToken };
}

async function refresh(cookies: CookieJar | Record<string, string>) {
  return app.send('refresh', 'POST', { cookies });
}

async function sessionOf(jar: CookieJar): Promise<SessionRow> {
  const sid = jwtPayload(jar.get('access_token') ?? '').sid;
  const [row] = await app.query<SessionRow>('SELECT * FROM sessions WHERE id = ?', sid);
  if (!row) throw new Error('no session row');
  return row;
}

describe('rotation', () => {
  it('answers 200 {accessTokenExpiresAt} and rotates both cookies', async () => {
    const jar = await signedIn();
    advanceClock(60 * SECOND);
    const response = await refresh(jar);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accessTokenExpiresAt: new Date(Date.now() + 900_000).toISOString() });
    const cookies = setCookies(response);
    const access = expectAuthCookie(cookies, 'access_token', { maxAge: 900, secure: false });
    const refreshToken = expectAuthCookie(cookies, 'refresh_token', { maxAge: 7 * 86_400, secure: false });
    expect(refreshToken).not.toBe(jar.get('refresh_token'));
    expect(access).not.toBe(jar.get('access_token'));
    expect(jwtPayload(access).sid).toBe(jwtPayload(jar.get('access_token') ?? '').sid);
    // The new access token works.
    expect((await app.send('me', 'GET', { bearer: access })).status).toBe(200);
  });

  it('issues a new refresh token on every refresh, and the session id never changes', async () => {
    const jar = await signedIn();
    const seen = new Set([jar.get('refresh_token')]);
    for (let i = 0; i < 5; i += 1) {
      advanceClock(20 * SECOND);
      const response = await refresh(jar);
      expect(response.status).toBe(200);
      jar.apply(response);
      seen.add(jar.get('refresh_token'));
    }
    expect(seen.size).toBe(6);
    expect((await sessionOf(jar)).generation).toBe(5);
  });

  it('makes the old refresh token single-use once the reuse interval has passed', async () => {
    const jar = await signedIn();
    const old = jar.get('refresh_token') ?? '';
    jar.apply(await refresh(jar));
    advanceClock(11 * SECOND);
    const reused = await refresh(refreshCookie(old));
    await expectError(reused, 401, 'invalid_refresh_token');
  });

  it('stores no usable copy of the refresh token', async () => {
    const jar = await signedIn();
    const token = jar.get('refresh_token') ?? '';
    const mac = token.split('.')[2] ?? '';
    expect(mac).toHaveLength(43);
    const dump = JSON.stringify(await app.query('SELECT * FROM sessions')) + JSON.stringify(await app.query('SELECT * FROM security_events'));
    expect(dump).not.toContain(mac);
  });
});

describe('grace window', () => {
  it('gives parallel refreshes with one token the same successor, all 200', async () => {
    const jar = await signedIn();
    advanceClock(SECOND);
    const responses = await Promise.all(Array.from({ length: 6 }, () => refresh(jar)));
    const successors = new Set<string>();
    for (const response of responses) {
      expect(response.status).toBe(200);
      successors.add(expectAuthCookie(setCookies(response), 'refresh_token', { maxAge: 7 * 86_400, secure: false }));
    }
    expect(successors.size).toBe(1);
    const [successor = ''] = successors;
    expect(successor).not.toBe(jar.get('refresh_token'));
    // The session moved exactly one generation: it never forks.
    expect((await sessionOf(jar)).generation).toBe(1);
    // The shared successor is the live token.
    expect((await refresh(refreshCookie(successor))).status).toBe(200);
  });

  it('returns the current successor to a late tab inside the interval, without revoking anything', async () => {
    const jar = await signedIn();
    const original = jar.get('refresh_token') ?? '';
    const first = await refresh(jar);
    const successor = setCookies(first).get('refresh_token')?.value;
    advanceClock(10 * SECOND);
    const late = await refresh(refreshCookie(original));
    expect(late.status).toBe(200);
    expect(setCookies(late).get('refresh_token')?.value).toBe(successor);
    expect((await sessionOf(jar)).revoked_at).toBeNull();
    expect(await app.query("SELECT id FROM security_events WHERE type = 'refresh_token_reused' AND session_id = ?", (await sessionOf(jar)).id)).toEqual([]);
  });

  it('treats a token two rotations old as reuse even inside the interval', async () => {
    const jar = await signedIn();
    const gen0 = jar.get('refresh_token') ?? '';
    jar.apply(await refresh(jar));
    jar.apply(await refresh(jar));
    expect((await sessionOf(jar)).generation).toBe(2);
    await expectError(await refresh(refreshCookie(gen0)), 401, 'invalid_refresh_token');
    expect((await sessionOf(jar)).revoked_at).not.toBeNull();
  });
});

describe('reuse after the interval', () => {
  it('revokes the session: the current token fails, its access token gets 401 at /me, and the event is recorded', async () => {
    const jar = await signedIn();
    const stolen = jar.get('refresh_token') ?? '';
    const rotated = await refresh(jar);
    jar.apply(rotated);
    const { id: sessionId, user_id: userId } = await sessionOf(jar);
    expect((await app.send('me', 'GET', { cookies: jar })).status).toBe(200);

    advanceClock(10 * SECOND + 1);
    const reuse = await refresh(refreshCookie(stolen));
    await expectError(reuse, 401, 'invalid_refresh_token');
    // The reuse carried only the refresh cookie, so only that one is cleared.
    const cleared = setCookies(reuse);
    expect([...cleared.keys()]).toEqual(['refresh_token']);
    expectAuthCookie(cleared, 'refresh_token', { maxAge: 0, secure: false });

    // The legitimate holder's current token is dead too.
    await expectError(await refresh(jar), 401, 'invalid_refresh_token');
    const me = await app.send('me', 'GET', { cookies: jar });
    await expectError(me, 401, 'unauthenticated');
    await expectError(await app.send('me', 'GET', { bearer: jar.get('access_token') ?? '' }), 401, 'unauthenticated');

    const session = await sessionOf(jar);
    expect(session.revoked_at).toBe(Date.now());
    expect(session.revoked_reason).toBe('refresh_token_reused');
    const events = await app.query<SecurityEventRow>("SELECT type, user_id, session_id, at, detail FROM security_events WHERE type = 'refresh_token_reused'");
    expect(events).toContainEqual(expect.objectContaining({ type: 'refresh_token_reused', user_id: userId, session_id: sessionId, at: Date.now() }));
    const detail = events.find((event) => event.session_id === sessionId)?.detail ?? '';
    expect(detail).not.toContain(stolen);
  });

  it('leaves the user’s other sessions alone', async () => {
    const email = `two-devices-${counter}@example.com`;
    const laptop = (await app.signUp(email, PASSWORD)).jar;
    const phone = (await app.signIn(email, PASSWORD)).jar;
    const stolen = laptop.get('refresh_token') ?? '';
    laptop.apply(await refresh(laptop));
    advanceClock(11 * SECOND);
    await expectError(await refresh(refreshCookie(stolen)), 401, 'invalid_refresh_token');
    expect((await refresh(phone)).status).toBe(200);
  });
});

describe('refused tokens', () => {
  it('answers 401 invalid_refresh_token and clears nothing when no auth cookie came (contract "Cookies")', async () => {
    const response = await refresh({});
    await expectError(response, 401, 'invalid_refresh_token');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('answers 401 invalid_refresh_token and clears the access cookie it carried when the refresh cookie is missing', async () => {
    const response = await refresh({ access_token: 'expired-or-not' });
    await expectError(response, 401, 'invalid_refresh_token');
    const cookies = setCookies(response);
    expect([...cookies.keys()]).toEqual(['access_token']);
    expectAuthCookie(cookies, 'access_token', { maxAge: 0, secure: false });
  });

  it.each([
    ['garbage', 'garbage'],
    ['empty', ''],
    // UTF-8 bytes as a server sees them in a header (one Latin-1 character per byte).
    ['unicode', Buffer.from('ключ🔑', 'utf8').toString('latin1')],
    ['huge', 'x'.repeat(8000)],
    ['shaped like ours but unknown', `AAAAAAAAAAAAAAAAAAAAAA.0.${'A'.repeat(43)}`],
  ])('refuses a %s refresh cookie', async (_name, value) => {
    const response = await refresh(refreshCookie(value));
    await expectError(response, 401, 'invalid_refresh_token');
    // Only the refresh cookie came, so only it is cleared.
    expect([...setCookies(response).keys()]).toEqual(['refresh_token']);
    expectAuthCookie(setCookies(response), 'refresh_token', { maxAge: 0, secure: false });
  });

  it('refuses a forged MAC for a real session without revoking it', async () => {
    const jar = await signedIn();
    const [id, generation] = (jar.get('refresh_token') ?? '').split('.');
    await expectError(await refresh(refreshCookie(`${id}.${generation}.${'B'.repeat(42)}A`)), 401, 'invalid_refresh_token');
    await expectError(await refresh(refreshCookie(`${id}.0.${'B'.repeat(42)}A`)), 401, 'invalid_refresh_token');
    expect((await sessionOf(jar)).revoked_at).toBeNull();
    expect((await refresh(jar)).status).toBe(200);
  });

  it('refuses a client-chosen future generation', async () => {
    const jar = await signedIn();
    const [id, , mac] = (jar.get('refresh_token') ?? '').split('.');
    await expectError(await refresh(refreshCookie(`${id}.1.${mac}`)), 401, 'invalid_refresh_token');
    expect((await refresh(jar)).status).toBe(200);
  });

  it('never accepts the access JWT as a refresh token', async () => {
    const jar = await signedIn();
    await expectError(await refresh(refreshCookie(jar.get('access_token') ?? '')), 401, 'invalid_refresh_token');
  });

  it('never accepts the refresh token as an access token', async () => {
    const jar = await signedIn();
    const refreshToken = jar.get('refresh_token') ?? '';
    await expectError(await app.send('me', 'GET', { bearer: refreshToken }), 401, 'unauthenticated');
    await expectError(await app.send('me', 'GET', { cookies: { access_token: refreshToken } }), 401, 'unauthenticated');
  });

  it('ignores a refresh token sent in the body or the URL', async () => {
    const jar = await signedIn();
    const token = jar.get('refresh_token') ?? '';
    const viaBody = await app.send('refresh', 'POST', { json: { refreshToken: token, refresh_token: token } });
    await expectError(viaBody, 401, 'invalid_refresh_token');
    expect((await sessionOf(jar)).generation).toBe(0);
  });
});
