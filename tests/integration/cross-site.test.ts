/**
 * Cross-site requests (checklist F27–F31): every state-changing route refuses a foreign Origin,
 * `Origin: null` and `Sec-Fetch-Site: cross-site` with 403 `forbidden_origin` and changes nothing;
 * its own origin and no Origin pass. A cross-site form post cannot sign a browser in (login CSRF).
 * Wrong methods get 405 with `Allow`; no response carries CORS headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type Method, type RouteName, type TestApp } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { T0 } from '../support/env';
import { CookieJar, expectError, jwtPayload, ORIGIN, type RequestOptions } from '../support/http';
import { expectNoCookies, GOOD_PASSWORD, OTHER_PASSWORD } from '../support/security';

type StateChangingRoute = 'register' | 'login' | 'refresh' | 'logout';
const STATE_CHANGING: readonly StateChangingRoute[] = ['register', 'login', 'refresh', 'logout'];
const SUCCESS: Record<StateChangingRoute, number> = { register: 201, login: 200, refresh: 200, logout: 204 };

/** What a hostile page (or a browser sending it cross-site) puts on the request. */
const CROSS_SITE: Record<string, RequestOptions> = {
  'a foreign Origin': { origin: 'https://evil.example' },
  'Origin: null (sandboxed frame, data: URL)': { origin: 'null' },
  'a look-alike host': { origin: 'http://localhost:3000.evil.example' },
  'a sibling subdomain': { origin: 'http://evil.localhost:3000' },
  'another port': { origin: 'http://localhost:3001' },
  'another scheme': { origin: 'https://localhost:3000' },
  'Sec-Fetch-Site: cross-site without Origin': { headers: { 'sec-fetch-site': 'cross-site' } },
  'Sec-Fetch-Site: cross-site with our Origin': { origin: ORIGIN, headers: { 'sec-fetch-site': 'cross-site' } },
};

const ALLOWED: Record<string, RequestOptions> = {
  'our own Origin': { origin: ORIGIN },
  'our own Origin with Sec-Fetch-Site: same-origin': { origin: ORIGIN, headers: { 'sec-fetch-site': 'same-origin' } },
  'no Origin (native client, script)': {},
  'Sec-Fetch-Site: none (typed in the address bar) without Origin': { headers: { 'sec-fetch-site': 'none' } },
};

let app: TestApp;
let victimId: string;
let attackerId: string;
let counter = 0;

const merge = (base: RequestOptions, extra: RequestOptions): RequestOptions => ({ ...base, ...extra, headers: { ...base.headers, ...extra.headers } });
const sessionCount = async (userId: string) => (await app.query('SELECT id FROM sessions WHERE user_id = ?', userId)).length;
const sessionRow = async (id: string) => (await app.query<{ generation: number; revoked_at: number | null }>('SELECT generation, revoked_at FROM sessions WHERE id = ?', id))[0];

/** A signed-in browser of the victim (signed in without an Origin header) and its session id. */
async function victimBrowser(): Promise<{ jar: CookieJar; sessionId: string }> {
  const response = await app.send('login', 'POST', { json: { email: 'victim@example.com', password: GOOD_PASSWORD } });
  expect(response.status).toBe(200);
  const jar = new CookieJar().apply(response);
  return { jar, sessionId: String(jwtPayload(jar.get('access_token') ?? '').sid) };
}

/**
 * Sends a request that would succeed and change state on `route`, with `extra` added, and
 * reports whether it did change anything (user created, session started, rotated or revoked).
 */
async function attempt(route: StateChangingRoute, extra: RequestOptions): Promise<{ response: Response; changed: boolean }> {
  switch (route) {
    case 'register': {
      const email = `newcomer-${(counter += 1)}@example.com`;
      const response = await app.send('register', 'POST', merge({ json: { email, password: GOOD_PASSWORD } }, extra));
      return { response, changed: (await app.query('SELECT id FROM users WHERE email = ?', email)).length > 0 };
    }
    case 'login': {
      const before = await sessionCount(victimId);
      const response = await app.send('login', 'POST', merge({ json: { email: 'victim@example.com', password: GOOD_PASSWORD } }, extra));
      return { response, changed: (await sessionCount(victimId)) !== before };
    }
    case 'refresh': {
      const { jar, sessionId } = await victimBrowser();
      const response = await app.send('refresh', 'POST', merge({ cookies: jar }, extra));
      return { response, changed: (await sessionRow(sessionId))?.generation !== 0 };
    }
    case 'logout': {
      const { jar, sessionId } = await victimBrowser();
      const response = await app.send('logout', 'POST', merge({ cookies: jar }, extra));
      return { response, changed: (await sessionRow(sessionId))?.revoked_at !== null };
    }
  }
}

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
  const victim = await app.signUp('victim@example.com', GOOD_PASSWORD);
  victimId = ((await victim.response.json()) as { user: { id: string } }).user.id;
  const attacker = await app.signUp('attacker@example.com', OTHER_PASSWORD);
  attackerId = ((await attacker.response.json()) as { user: { id: string } }).user.id;
});

afterAll(() => {
  restoreClock();
});

describe('state-changing routes refuse cross-site requests (F27)', () => {
  for (const route of STATE_CHANGING) {
    for (const [label, extra] of Object.entries(CROSS_SITE)) {
      it(`${route}: ${label} → 403 forbidden_origin, no cookies, nothing changed`, async () => {
        const { response, changed } = await attempt(route, extra);
        await expectError(response, 403, 'forbidden_origin');
        expectNoCookies(response);
        expect(changed).toBe(false);
      });
    }
    for (const [label, extra] of Object.entries(ALLOWED)) {
      it(`${route}: ${label} passes`, async () => {
        const { response, changed } = await attempt(route, extra);
        expect(response.status).toBe(SUCCESS[route]);
        expect(changed).toBe(true);
      });
    }
  }
});

describe('login CSRF: a cross-site form post never signs a browser in (F28, F30)', () => {
  const attackerForm = `email=attacker%40example.com&password=${encodeURIComponent(OTHER_PASSWORD)}`;
  // The classic trick: a text/plain form whose one field is named `{"email":…,"x":"` with the
  // value `"}`; the browser joins them with `=` into a valid JSON document.
  const attackerJsonAsText = `${JSON.stringify({ email: 'attacker@example.com', password: OTHER_PASSWORD, x: '' }).slice(0, -2)}="}`;
  const forms: Record<string, { raw: string; contentType: string }> = {
    'application/x-www-form-urlencoded': { raw: attackerForm, contentType: 'application/x-www-form-urlencoded' },
    'text/plain carrying JSON': { raw: attackerJsonAsText, contentType: 'text/plain' },
    'text/plain;charset=UTF-8 carrying JSON': { raw: JSON.stringify({ email: 'attacker@example.com', password: OTHER_PASSWORD }), contentType: 'text/plain;charset=UTF-8' },
    'multipart/form-data': {
      raw: `--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nattacker@example.com\r\n--x\r\nContent-Disposition: form-data; name="password"\r\n\r\n${OTHER_PASSWORD}\r\n--x--\r\n`,
      contentType: 'multipart/form-data; boundary=x',
    },
  };
  const senders: Record<string, { extra: RequestOptions; status: number; code: string }> = {
    'with a foreign Origin': { extra: { origin: 'https://evil.example', headers: { 'sec-fetch-site': 'cross-site' } }, status: 403, code: 'forbidden_origin' },
    'with Origin: null': { extra: { origin: 'null' }, status: 403, code: 'forbidden_origin' },
    'without Origin (an old browser)': { extra: {}, status: 415, code: 'unsupported_media_type' },
  };

  for (const [formLabel, form] of Object.entries(forms)) {
    for (const [senderLabel, sender] of Object.entries(senders)) {
      it(`login, ${formLabel}, ${senderLabel} → ${sender.status}, no cookies, no session`, async () => {
        const before = await sessionCount(attackerId);
        const response = await app.send('login', 'POST', merge({ raw: form.raw, contentType: form.contentType }, sender.extra));
        await expectError(response, sender.status, sender.code);
        expectNoCookies(response);
        expect(await sessionCount(attackerId)).toBe(before);
      });
    }
  }

  it('the JSON-as-text/plain body really is the attacker\'s valid login: sent as JSON it signs in', async () => {
    // Proves the refusals above are about the media type and origin, not a broken body.
    expect(JSON.parse(attackerJsonAsText)).toEqual({ email: 'attacker@example.com', password: OTHER_PASSWORD, x: '=' });
    const response = await app.send('login', 'POST', { raw: attackerJsonAsText, contentType: 'application/json' });
    expect(response.status).toBe(200);
  });

  it('register by form post creates no account and sets no cookies', async () => {
    for (const [senderLabel, sender] of Object.entries(senders)) {
      const email = `csrf-${(counter += 1)}@example.com`;
      const response = await app.send('register', 'POST', merge({ raw: `email=${encodeURIComponent(email)}&password=${encodeURIComponent(GOOD_PASSWORD)}`, contentType: 'application/x-www-form-urlencoded' }, sender.extra));
      await expectError(response, sender.status, sender.code);
      expectNoCookies(response);
      expect(await app.query('SELECT id FROM users WHERE email = ?', email), senderLabel).toEqual([]);
    }
  });
});

describe('wrong methods → 405 method_not_allowed with Allow (F29, M52)', () => {
  const cases: [RouteName, Method[], string][] = [
    ['register', ['GET', 'PUT', 'PATCH', 'DELETE'], 'POST'],
    ['login', ['GET', 'PUT', 'PATCH', 'DELETE'], 'POST'],
    ['refresh', ['GET', 'PUT', 'PATCH', 'DELETE'], 'POST'],
    ['logout', ['GET', 'PUT', 'PATCH', 'DELETE'], 'POST'],
    ['me', ['POST', 'PUT', 'PATCH', 'DELETE'], 'GET'],
  ];
  for (const [route, methods, allow] of cases) {
    for (const method of methods) {
      it(`${method} ${route} → 405, Allow: ${allow}, no cookies, nothing changed`, async () => {
        const { jar, sessionId } = await victimBrowser();
        const response = await app.send(route, method, { cookies: jar, origin: ORIGIN });
        await expectError(response, 405, 'method_not_allowed');
        expect(response.headers.get('allow')).toBe(allow);
        expectNoCookies(response);
        expect(await sessionRow(sessionId)).toEqual({ generation: 0, revoked_at: null });
      });
    }
  }
});

describe('no CORS headers, whatever the Origin (F31)', () => {
  const routes: RouteName[] = ['register', 'login', 'refresh', 'logout', 'me'];
  const methods: Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
  for (const origin of ['https://evil.example', 'null', ORIGIN]) {
    it(`every route and method, Origin: ${origin}`, async () => {
      for (const route of routes) {
        const { jar } = await victimBrowser();
        for (const method of methods) {
          const body: RequestOptions =
            method === 'POST' && (route === 'register' || route === 'login')
              ? { json: { email: route === 'login' ? 'victim@example.com' : `cors-${(counter += 1)}@example.com`, password: GOOD_PASSWORD } }
              : {};
          const response = await app.send(route, method, merge(body, { cookies: jar, origin, headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } }));
          const label = `${method} ${route} from ${origin} (${response.status})`;
          for (const [name] of response.headers) expect(name.toLowerCase().startsWith('access-control-'), `${label}: ${name}`).toBe(false);
        }
      }
    });
  }

  it('GET /me from a foreign Origin still answers (a read), but without CORS headers a page there cannot read it', async () => {
    const { jar } = await victimBrowser();
    const response = await app.send('me', 'GET', { cookies: jar, origin: 'https://evil.example' });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
