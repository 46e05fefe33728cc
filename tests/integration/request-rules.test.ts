/**
 * The contract's rules for every auth request: JSON only (415), body cap (413), malformed JSON
 * (400), 405 for wrong methods, the Origin rule (403), `Cache-Control: no-store` on every
 * response (checked by `call` in tests/support/http.ts) and error bodies without internals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type Method, type RouteName, type TestApp } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { PASSWORD, T0 } from '../support/env';
import { type CookieJar, expectError, ORIGIN } from '../support/http';

let app: TestApp;
let jar: CookieJar;
const EMAIL = 'rules@example.com';

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
  jar = (await app.signUp(EMAIL, PASSWORD)).jar;
});

afterAll(() => {
  restoreClock();
});

/** Routes that read a JSON body, with a valid body for each. */
const JSON_ROUTES: [RouteName, unknown][] = [
  ['register', { email: 'someone-new@example.com', password: PASSWORD }],
  ['login', { email: EMAIL, password: PASSWORD }],
  ['logout', { scope: 'current' }],
];
const POST_ROUTES: RouteName[] = ['register', 'login', 'refresh', 'logout'];

const countUsers = async () => (await app.query<{ n: number }>('SELECT count(*) AS n FROM users'))[0]?.n;
const countSessions = async () => (await app.query<{ n: number }>('SELECT count(*) AS n FROM sessions'))[0]?.n;

describe('media type', () => {
  it.each(JSON_ROUTES)('%s: text/plain is 415 unsupported_media_type', async (route, json) => {
    const response = await app.send(route, 'POST', { raw: JSON.stringify(json), contentType: 'text/plain;charset=UTF-8' });
    await expectError(response, 415, 'unsupported_media_type');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it.each(JSON_ROUTES)('%s: a body without a content type is 415', async (route, json) => {
    const response = await app.send(route, 'POST', { raw: new TextEncoder().encode(JSON.stringify(json)), contentType: null });
    await expectError(response, 415, 'unsupported_media_type');
  });

  it.each(['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'text/json', 'application/json-patch+json'])(
    'login: %s is 415',
    async (contentType) => {
      await expectError(await app.send('login', 'POST', { raw: JSON.stringify({ email: EMAIL, password: PASSWORD }), contentType }), 415, 'unsupported_media_type');
    },
  );

  it.each(['application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8'])('login: %s is accepted', async (contentType) => {
    const response = await app.send('login', 'POST', { raw: JSON.stringify({ email: EMAIL, password: PASSWORD }), contentType });
    expect(response.status).toBe(200);
  });

  it('refresh: a non-JSON body is 415 (the rule holds on every route), while no body is fine', async () => {
    await expectError(await app.send('refresh', 'POST', { raw: 'hello', contentType: 'text/plain', cookies: jar.clone() }), 415, 'unsupported_media_type');
    await expectError(await app.send('refresh', 'POST'), 401, 'invalid_refresh_token');
  });

  it('refuses before doing anything: no user is created by a text/plain register', async () => {
    const before = await countUsers();
    await app.send('register', 'POST', { raw: JSON.stringify({ email: 'plain@example.com', password: PASSWORD }), contentType: 'text/plain' });
    expect(await countUsers()).toBe(before);
  });
});

describe('malformed JSON', () => {
  it.each(JSON_ROUTES)('%s: a broken body is 400 invalid_json', async (route) => {
    for (const raw of ['{"email":', "{'email':'a'}", '{"a":1,}', 'undefined', 'NaN', '{"a":1} trailing']) {
      const response = await app.send(route, 'POST', { raw, contentType: 'application/json' });
      await expectError(response, 400, 'invalid_json');
    }
  });

  it('an empty JSON body is 400 invalid_json on register and login', async () => {
    await expectError(await app.send('register', 'POST', { raw: '', contentType: 'application/json' }), 400, 'invalid_json');
    await expectError(await app.send('login', 'POST', { raw: '', contentType: 'application/json' }), 400, 'invalid_json');
  });

  it('invalid UTF-8 is 400 invalid_json', async () => {
    const raw = new Uint8Array([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"e":"\xff\xfe"}
    await expectError(await app.send('login', 'POST', { raw, contentType: 'application/json' }), 400, 'invalid_json');
  });

  it.each(['null', '[]', '"a string"', '42', 'true', '[{"email":"rules@example.com"}]'])('well-formed JSON that is not an object (%s) is 400 validation_error', async (raw) => {
    await expectError(await app.send('login', 'POST', { raw, contentType: 'application/json' }), 400, 'validation_error');
    await expectError(await app.send('register', 'POST', { raw, contentType: 'application/json' }), 400, 'validation_error');
  });

  it('a validation error lists the fields', async () => {
    const body = await expectError(await app.send('register', 'POST', { json: { email: 1, password: false, name: {} } }), 400, 'validation_error');
    expect(Object.keys(body.error.fields ?? {}).sort()).toEqual(['email', 'name', 'password']);
  });
});

describe('body cap (16 KB)', () => {
  const big = (bytes: number) => JSON.stringify({ email: EMAIL, password: PASSWORD, pad: 'x'.repeat(bytes) }).slice(0, bytes);
  const jsonOf = (bytes: number) => {
    const text = JSON.stringify({ email: EMAIL, password: PASSWORD, pad: '' });
    return `${text.slice(0, -2)}${'x'.repeat(bytes - text.length)}"}`;
  };

  it.each(JSON_ROUTES)('%s: a body over 16 KB is 413 payload_too_large (declared length)', async (route) => {
    await expectError(await app.send(route, 'POST', { raw: jsonOf(16 * 1024 + 1), contentType: 'application/json' }), 413, 'payload_too_large');
  });

  it.each(JSON_ROUTES)('%s: a streamed body over 16 KB without Content-Length is 413', async (route) => {
    await expectError(await app.send(route, 'POST', { raw: jsonOf(64 * 1024), contentType: 'application/json', contentLength: null }), 413, 'payload_too_large');
  });

  it('a body that understates its length is still cut off at 16 KB', async () => {
    await expectError(await app.send('login', 'POST', { raw: jsonOf(20 * 1024), contentType: 'application/json', contentLength: 100 }), 413, 'payload_too_large');
  });

  it('a huge declared length is refused before anything is read', async () => {
    await expectError(await app.send('register', 'POST', { raw: big(100), contentType: 'application/json', contentLength: 10 * 1024 * 1024 }), 413, 'payload_too_large');
  });

  it('exactly 16 KB is read (and here signs in)', async () => {
    const body = jsonOf(16 * 1024);
    expect(Buffer.byteLength(body)).toBe(16 * 1024);
    expect((await app.send('login', 'POST', { raw: body, contentType: 'application/json' })).status).toBe(200);
  });

  it('a 1 MB password is refused with 413 before it could be hashed', async () => {
    const response = await app.send('register', 'POST', { json: { email: 'huge@example.com', password: 'p'.repeat(1024 * 1024) } });
    await expectError(response, 413, 'payload_too_large');
  });
});

describe('methods', () => {
  const wrong: [RouteName, Method, string][] = [];
  for (const route of POST_ROUTES) for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) wrong.push([route, method, 'POST']);
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) wrong.push(['me', method, 'GET']);

  it.each(wrong)('%s %s is 405 method_not_allowed with the contract body and Allow', async (route, method, allow) => {
    const response = await app.send(route, method, { cookies: jar });
    await expectError(response, 405, 'method_not_allowed');
    expect(response.headers.get('allow')).toBe(allow);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('GET logout and GET refresh change nothing', async () => {
    const sessions = await countSessions();
    const probe = jar.clone();
    await app.send('logout', 'GET', { cookies: probe });
    await app.send('refresh', 'GET', { cookies: probe });
    expect(await countSessions()).toBe(sessions);
    expect((await app.send('me', 'GET', { cookies: probe })).status).toBe(200);
  });
});

describe('Origin', () => {
  const bodies: Record<RouteName, unknown> = {
    register: { email: 'origin-test@example.com', password: PASSWORD },
    login: { email: EMAIL, password: PASSWORD },
    refresh: undefined,
    logout: undefined,
    me: undefined,
  };

  it.each(POST_ROUTES.flatMap((route) => ['https://evil.example', 'null', 'http://localhost:3001', 'https://localhost:3000', 'http://localhost:3000.evil.example'].map((origin) => [route, origin] as const)))(
    '%s with Origin %s is 403 forbidden_origin, and nothing happens',
    async (route, origin) => {
      const users = await countUsers();
      const probe = jar.clone();
      const response = await app.send(route, 'POST', { json: bodies[route], cookies: probe, origin });
      await expectError(response, 403, 'forbidden_origin');
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(await countUsers()).toBe(users);
      // The session is untouched: not logged out, not rotated.
      expect((await app.send('me', 'GET', { cookies: probe })).status).toBe(200);
    },
  );

  it.each(POST_ROUTES)('%s with Sec-Fetch-Site: cross-site is 403', async (route) => {
    const response = await app.send(route, 'POST', { json: bodies[route], cookies: jar.clone(), headers: { 'sec-fetch-site': 'cross-site' } });
    await expectError(response, 403, 'forbidden_origin');
  });

  it('the Origin check comes before the body is parsed', async () => {
    await expectError(await app.send('login', 'POST', { raw: '{', contentType: 'text/plain', origin: 'https://evil.example' }), 403, 'forbidden_origin');
  });

  it('requests with our own Origin, or none at all, pass', async () => {
    for (const origin of [ORIGIN, undefined]) {
      const login = await app.send('login', 'POST', { json: bodies.login, ...(origin ? { origin } : {}) });
      expect(login.status).toBe(200);
      const probe = (await app.signIn(EMAIL, PASSWORD)).jar;
      expect((await app.send('refresh', 'POST', { cookies: probe, ...(origin ? { origin } : {}) })).status).toBe(200);
      expect((await app.send('logout', 'POST', { cookies: probe, ...(origin ? { origin } : {}) })).status).toBe(204);
    }
    const registered = await app.send('register', 'POST', { json: { email: 'same-origin@example.com', password: PASSWORD }, origin: ORIGIN });
    expect(registered.status).toBe(201);
  });

  it('GET /me is not a state change: a foreign Origin does not matter there', async () => {
    expect((await app.send('me', 'GET', { cookies: jar, origin: 'https://evil.example' })).status).toBe(200);
  });
});

describe('CORS', () => {
  it('never reflects a foreign origin or allows * with credentials', async () => {
    const responses = [
      await app.send('login', 'POST', { json: { email: EMAIL, password: PASSWORD }, origin: 'https://evil.example' }),
      await app.send('me', 'GET', { cookies: jar, origin: 'https://evil.example' }),
    ];
    for (const response of responses) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });
});
