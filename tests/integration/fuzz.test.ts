/**
 * Property-based fuzzing of every auth route handler (issue 4; checklist A1–A3, A5–A7, A10, B11,
 * C18, D22, D24, F27–F29, I42, M52–M53).
 *
 * Every `route.ts` under app/api/auth is found on disk and every HTTP method it exports is called
 * with random and hostile bodies, content types, cookies, Authorization headers and forged JWTs
 * signed with the real ACCESS_TOKEN_SECRET. Each response must keep the contract: never a 5xx,
 * non-2xx bodies exactly `{"error":{"code","message","fields"?}}` without internals, and no
 * failed request ever sets a cookie to a value. Forged credentials never authenticate, and no
 * hostile request ends another user's session.
 *
 * The seed is fixed (FUZZ_SEED overrides it; fast-check prints seed and path on failure).
 */
import { createHmac } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { ACCESS_SECRET, PASSWORD, REFRESH_SECRET } from '../support/env';
import {
  FUZZ_SEED,
  GENUINE_HEADER,
  authorizationHeader,
  contentType,
  cookieHeader,
  expectContractResponse,
  extraHeaders,
  headerSafe,
  hostileHeader,
  hostileString,
  originHeader,
  prototypeSnapshot,
  rawBody,
  signatureKind,
  type JwtHash,
  type SignatureKind,
} from '../support/fuzz';
import { CookieJar, ORIGIN, jwtPayload, parseSetCookie } from '../support/http';
import { b64url, nonCanonical } from '../support/jwt';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
type Method = (typeof METHODS)[number];
type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

interface RouteUnderTest {
  /** e.g. `sessions/[id]` */
  name: string;
  /** The URL path template, e.g. `/api/auth/sessions/[id]`. */
  template: string;
  params: string[];
  handlers: Partial<Record<Method, Handler>>;
  methods: Method[];
}

/** Routes that never issue a token, whatever happens (me, logout, sessions, password, …). */
const ISSUING_ROUTES = new Set(['login', 'register', 'refresh', 'passkeys/authentication']);
/** Routes that set the passkey challenge cookie (a challenge id, never a token) and no other. */
const CHALLENGE_ROUTES = new Set(['passkeys/registration/options', 'passkeys/authentication/options']);
/**
 * Routes a browser navigates to (GET): the OpenID Connect callback answers 303 to a page of the
 * site whatever it is sent (signed in, or with `?oauth_error=`), never an error body.
 */
const NAVIGATION_ROUTES = new Set(['oauth/[provider]/callback']);
/** Routes that need a signed-in caller. */
const PROTECTED_ROUTES = new Set(['me', 'sessions', 'sessions/[id]', 'password', 'account', 'passkeys', 'passkeys/[id]', 'passkeys/registration', 'passkeys/registration/options', 'api-keys', 'api-keys/[id]']);
/** OAuth endpoints: their errors are RFC 6749 §5.2's shape, and they take form bodies. */
const OAUTH_ROUTES = new Set(['token', 'revoke']);

const API_DIR = path.resolve(__dirname, '../../app/api/auth');
/** Scale every property's run count: FUZZ_RUNS=10 for a long local session. */
const RUN_SCALE = Number(process.env.FUZZ_RUNS ?? '1');
const runs = (n: number) => Math.max(1, Math.round(n * RUN_SCALE));
const fuzzOptions = (numRuns: number) => ({ seed: FUZZ_SEED, numRuns: runs(numRuns) });

function findRouteFiles(dir: string, prefix = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...findRouteFiles(path.join(dir, entry.name), prefix ? `${prefix}/${entry.name}` : entry.name));
    else if (entry.name === 'route.ts') found.push(prefix);
  }
  return found.sort();
}

let app: TestApp;
let routes: RouteUnderTest[];
let alice: { jar: CookieJar; access: string; refresh: string; claims: Record<string, unknown> };
let mallory: { access: string; claims: Record<string, unknown> };
let errorSpy: MockInstance<typeof console.error>;
const prototypeBefore = prototypeSnapshot();

async function signIn(email: string): Promise<CookieJar> {
  const response = await app.send('login', 'POST', { json: { email, password: PASSWORD } });
  expect(response.status).toBe(200);
  return new CookieJar().apply(response);
}

beforeAll(async () => {
  app = await startApp({ RATE_LIMIT_PER_ACCOUNT: '1000000/15m', RATE_LIMIT_PER_IP: '1000000/15m' });
  errorSpy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  routes = [];
  for (const name of findRouteFiles(API_DIR)) {
    const exports = (await import(/* @vite-ignore */ path.join(API_DIR, name, 'route.ts'))) as Record<string, unknown>;
    const handlers: Partial<Record<Method, Handler>> = {};
    for (const method of METHODS) {
      const exported = exports[method];
      if (typeof exported === 'function') handlers[method] = exported as Handler;
    }
    routes.push({
      name,
      template: `/api/auth/${name}`,
      params: [...name.matchAll(/\[([^\]]+)\]/g)].map((match) => match[1] as string),
      handlers,
      methods: METHODS.filter((method) => handlers[method] !== undefined),
    });
  }
  await app.signUp('alice@example.com', PASSWORD, 'Alice');
  await app.signUp('mallory@example.com', PASSWORD, 'Mallory');
  const jar = await signIn('alice@example.com');
  alice = { jar, access: jar.get('access_token') ?? '', refresh: jar.get('refresh_token') ?? '', claims: jwtPayload(jar.get('access_token') ?? '') };
  const malloryAccess = (await signIn('mallory@example.com')).get('access_token') ?? '';
  mallory = { access: malloryAccess, claims: jwtPayload(malloryAccess) };
});

afterEach(() => {
  // No request may pollute a shared prototype…
  expect(prototypeSnapshot()).toEqual(prototypeBefore);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  // …or reach the "unhandled error" branch (which would be a 500).
  const unhandled = errorSpy.mock.calls.filter((args) => args.some((arg) => String(arg).includes('unhandled_error')));
  expect(unhandled).toEqual([]);
});

afterAll(() => {
  errorSpy.mockRestore();
});

// ---------------------------------------------------------------------------------------------
// Requests

interface FuzzRequest {
  route: RouteUnderTest;
  method: Method;
  params?: Record<string, string>;
  headers?: Record<string, string | undefined>;
  cookie?: string;
  authorization?: string;
  contentType?: string | null;
  body?: string | Uint8Array;
}

function pathFor(route: RouteUnderTest, params: Record<string, string>): string {
  // Lone surrogates cannot be percent-encoded (nor arrive in a URL); the handler still gets the raw param.
  const encode = (value: string) => encodeURIComponent(value.toWellFormed());
  return route.template.replace(/\[([^\]]+)\]/g, (_, name: string) => encode(params[name] ?? 'x'));
}

/** Builds the request as Next.js would hand it to the handler, calls it, and checks the invariants. */
async function send(request: FuzzRequest) {
  const { route, method } = request;
  const params = Object.fromEntries(route.params.map((name) => [name, request.params?.[name] ?? 'x']));
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers ?? {})) if (value !== undefined) headers.set(name, value);
  if (request.cookie !== undefined) headers.set('cookie', request.cookie);
  if (request.authorization !== undefined) headers.set('authorization', request.authorization);
  if (request.contentType !== undefined && request.contentType !== null) headers.set('content-type', request.contentType);
  const canHaveBody = method !== 'GET' && method !== 'HEAD';
  // Strings go as bytes so that fetch adds no content type of its own.
  const body = canHaveBody && request.body !== undefined ? (typeof request.body === 'string' ? new TextEncoder().encode(request.body) : request.body) : undefined;
  const url = new URL(pathFor(route, params), ORIGIN);
  const built = new Request(url, { method, headers, body: body as BodyInit | undefined });
  const handler = route.handlers[method];
  if (!handler) throw new TypeError(`${route.name} has no ${method}`);
  const label = `${method} ${url.pathname}`;
  const response = await handler(built, { params: Promise.resolve(params) });
  if (NAVIGATION_ROUTES.has(route.name) && method === 'GET') return expectNavigation(response, label);
  const checked = await expectContractResponse(response, { label, neverIssues: !ISSUING_ROUTES.has(route.name) && !CHALLENGE_ROUTES.has(route.name), errorShape: OAUTH_ROUTES.has(route.name) ? 'oauth' : 'contract' });
  if (CHALLENGE_ROUTES.has(route.name)) for (const line of checked.issued) expect(line, label).toMatch(/^passkey_challenge=[A-Za-z0-9_-]{43};/);
  return checked;
}

/** A navigation route's answer: 303 to a page of this site, no-store, no token issued. */
async function expectNavigation(response: Response, label: string) {
  const text = await response.text();
  const where = `${label} -> ${response.status} ${response.headers.get('location') ?? ''}`;
  expect(response.status, where).toBe(303);
  expect((response.headers.get('location') ?? '').startsWith(`${ORIGIN}/`), where).toBe(true);
  expect(response.headers.get('cache-control'), where).toBe('no-store');
  expect(text, where).toBe('');
  const issued = response.headers.getSetCookie().filter((line) => parseSetCookie(line).value !== '');
  expect(issued, where).toEqual([]);
  return { status: response.status, text, issued };
}

/**
 * `{route, method}` pairs, generated as `"<METHOD> <route>"` strings so that a counterexample
 * prints as a short, readable line rather than a dump of handler source.
 */
const routeAndMethod = (filter: (route: RouteUnderTest) => boolean = () => true) =>
  fc
    .constantFrom(...routes.filter(filter).flatMap((route) => route.methods.map((method) => `${method} ${route.name}`)))
    .map((key) => {
      const [method, name] = key.split(' ') as [Method, string];
      const route = routes.find((candidate) => candidate.name === name);
      if (!route) throw new TypeError(key);
      return { route, method, toString: () => key };
    });

/** Alice's session must survive everything the fuzzer does as somebody else. */
async function expectAliceSessionLive(): Promise<void> {
  const rows = await app.query<{ revoked_at: number | null }>('SELECT revoked_at FROM sessions WHERE id = ?', alice.claims.sid);
  expect(rows, "alice's session").toEqual([{ revoked_at: null }]);
}

// ---------------------------------------------------------------------------------------------
// Forged access tokens

function hmac(input: string, hash: JwtHash): string {
  return createHmac(hash, ACCESS_SECRET).update(input).digest('base64url');
}

function sign(headerSegment: string, payloadSegment: string, hash: JwtHash, kind: SignatureKind): string {
  const input = `${headerSegment}.${payloadSegment}`;
  switch (kind) {
    case 'hmac':
      return `${input}.${hmac(input, hash)}`;
    case 'empty':
      return `${input}.`;
    case 'spliced':
      // A genuine signature from another token (mallory's).
      return `${input}.${mallory.access.split('.')[2] ?? ''}`;
    case 'random':
      return `${input}.${b64url(crypto.getRandomValues(new Uint8Array(32)))}`;
    case 'truncated':
      return `${input}.${hmac(input, hash).slice(0, -2)}`;
  }
}

/** Payload texts that must never verify, even under our exact header and a valid HMAC (A4–A7). */
function hostilePayloads(claims: Record<string, unknown>): fc.Arbitrary<string> {
  const now = Math.floor(Date.now() / 1000);
  const json = (patch: Record<string, unknown>, drop: string[] = []) => {
    const next: Record<string, unknown> = { ...claims, ...patch };
    for (const key of drop) Reflect.deleteProperty(next, key);
    return JSON.stringify(next);
  };
  const body = JSON.stringify(claims).slice(1, -1);
  return fc.oneof(
    fc.constantFrom(
      // Claims as an array, or not an object at all (A7).
      JSON.stringify([claims]),
      'null',
      '"sub"',
      '42',
      // Duplicate keys: mallory's sub before or after alice's (A7).
      `{"sub":${JSON.stringify(mallory.claims.sub)},${body}}`,
      `{${body},"sub":${JSON.stringify(mallory.claims.sub)}}`,
      `{${body},"sid":${JSON.stringify(mallory.claims.sid)}}`,
      // Another user's sub with alice's session.
      json({ sub: mallory.claims.sub }),
      // Issuer and audience must match exactly; an iss array is not a match (A5).
      json({ iss: [claims.iss] }),
      json({ iss: 'https://evil.example' }),
      json({ aud: 'https://evil.example' }),
      json({ iss: `${String(claims.iss)}/` }),
      // Times (A4): no exp, exp as text, future iat/nbf, ancient iat with a far exp.
      json({}, ['exp']),
      json({}, ['iat']),
      json({ exp: String(claims.exp) }),
      json({ exp: now + 10 * 365 * 86_400, iat: now - 365 * 86_400 }),
      json({ iat: now + 3600 }),
      json({ nbf: now + 3600 }),
      json({ exp: now - 3600 }),
      json({ sid: null }),
      json({ sid: { $ne: null } }),
      json({ sid: "' OR 1=1 --" }),
      json({ sub: 1 }),
      '{}',
    ),
    hostileString.map((text) => json({ sid: text })),
  );
}

interface ForgedToken {
  token: string;
  why: string;
  /**
   * Our exact header, a valid HMAC, alice's sid but mallory's sub: only the server itself could
   * mint it. See the KNOWN BUG test below for what logout does with it.
   */
  subMismatch?: boolean;
}

/**
 * A token every verifier must refuse: a hostile header over alice's real claims (or hostile
 * ones), our exact header over hostile claims, our exact header and claims with a broken
 * signature, or a non-canonical encoding — all signed with the real secret where that helps.
 */
function forgedToken(options: { refreshAsAccess: boolean } = { refreshAsAccess: true }): fc.Arbitrary<ForgedToken> {
  const genuineHeader = b64url(JSON.stringify(GENUINE_HEADER));
  const realPayload = b64url(JSON.stringify(alice.claims));
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .tuple(hostileHeader, fc.oneof({ arbitrary: fc.constant(JSON.stringify(alice.claims)), weight: 3 }, { arbitrary: hostilePayloads(alice.claims), weight: 1 }), signatureKind)
        .map(([header, payload, kind]) => ({ token: sign(b64url(header.text), b64url(payload), header.hash, kind), why: `header ${header.text.slice(0, 200)} sig ${kind}` })),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(hostilePayloads(alice.claims), signatureKind)
        .map(([payload, kind]) => ({
          token: sign(genuineHeader, b64url(payload), 'sha256', kind),
          why: `payload ${payload.slice(0, 200)} sig ${kind}`,
          subMismatch: kind === 'hmac' && payload === JSON.stringify({ ...alice.claims, sub: mallory.claims.sub }),
        })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom<SignatureKind>('empty', 'spliced', 'random', 'truncated')
        .map((kind) => ({ token: sign(genuineHeader, realPayload, 'sha256', kind), why: `genuine claims, sig ${kind}` })),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        // Non-canonical base64url (A7), padding, and whitespace around segments.
        (() => {
          try {
            return { token: sign(genuineHeader, nonCanonical(realPayload), 'sha256', 'hmac'), why: 'non-canonical payload' };
          } catch {
            return { token: sign(genuineHeader, `${realPayload}=`, 'sha256', 'hmac'), why: 'padded payload' };
          }
        })(),
        { token: sign(`${genuineHeader}=`, realPayload, 'sha256', 'hmac'), why: 'padded header' },
        { token: `${alice.access}.`, why: 'four segments' },
        { token: alice.access.split('.').slice(0, 2).join('.'), why: 'two segments' },
        { token: `${alice.access.slice(0, -1)}${alice.access.endsWith('A') ? 'B' : 'A'}`, why: 'flipped signature byte' },
        // Type confusion (B11): the refresh token as an access token (only where it is judged as one).
        options.refreshAsAccess ? { token: alice.refresh, why: 'refresh token as access token' } : { token: `${alice.refresh}x`, why: 'refresh token plus a byte' },
        // A JWT of another type of ours signed with the refresh secret.
        { token: (() => { const p = b64url(JSON.stringify(alice.claims)); return `${genuineHeader}.${p}.${createHmac('sha256', REFRESH_SECRET).update(`${genuineHeader}.${p}`).digest('base64url')}`; })(), why: 'signed with the refresh secret' },
      ),
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Properties

describe(`fuzzing every auth route handler (seed ${FUZZ_SEED})`, () => {
  it('finds the auth routes on disk and their methods', () => {
    const names = routes.map((route) => route.name);
    for (const name of ['login', 'logout', 'me', 'refresh', 'register']) expect(names).toContain(name);
    for (const route of routes) expect(route.methods.length, route.name).toBeGreaterThan(0);
  });

  it('the fuzz harness can authenticate: alice’s genuine token, re-signed by the harness, is accepted', async () => {
    // Proves the forgeries below fail because of what is hostile in them, not because of the harness.
    const me = routes.find((route) => route.name === 'me');
    if (!me) throw new TypeError('no me route');
    const header = b64url(JSON.stringify(GENUINE_HEADER));
    const payload = b64url(JSON.stringify(alice.claims));
    const token = sign(header, payload, 'sha256', 'hmac');
    expect((await send({ route: me, method: 'GET', authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await send({ route: me, method: 'GET', cookie: `access_token=${token}` })).status).toBe(200);
  });

  it('hostile bodies, content types, origins and headers on every route and method', async () => {
    await fc.assert(
      fc.asyncProperty(
        routeAndMethod(),
        rawBody,
        contentType,
        originHeader,
        extraHeaders,
        fc.constantFrom('none', 'cookies', 'bearer', 'garbage'),
        hostileString,
        async ({ route, method }, body, type, origin, extra, auth, id) => {
          let cookie: string | undefined;
          let authorization: string | undefined;
          if (auth === 'cookies' || auth === 'bearer') {
            const jar = await signIn('mallory@example.com');
            if (auth === 'cookies') cookie = jar.header();
            else authorization = `Bearer ${jar.get('access_token') ?? ''}`;
          } else if (auth === 'garbage') {
            cookie = headerSafe(`access_token=${id}; refresh_token=${id}`);
          }
          const result = await send({ route, method, params: { id }, headers: { ...extra, origin }, cookie, authorization, contentType: type, body });
          const signedOut = auth === 'none' || auth === 'garbage';
          if (signedOut && (PROTECTED_ROUTES.has(route.name) || route.name === 'refresh')) expect(result.status).toBeGreaterThanOrEqual(400);
          // A foreign or `null` Origin, or a cross-site fetch, is refused before anything else (F27);
          // the 405 exports answer every request alike.
          const unsafe = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
          if (unsafe && ((origin !== undefined && origin !== ORIGIN) || extra['sec-fetch-site'] === 'cross-site')) {
            expect([403, 405], `origin ${JSON.stringify(origin)} sec-fetch-site ${String(extra['sec-fetch-site'])}`).toContain(result.status);
            if (result.status === 403) expect(JSON.parse(result.text)).toMatchObject(OAUTH_ROUTES.has(route.name) ? { error: 'invalid_request' } : { error: { code: 'forbidden_origin' } });
          }
          await expectAliceSessionLive();
        },
      ),
      fuzzOptions(200),
    );
  }, 60_000);

  it('random Cookie headers: garbage, huge, Unicode, many cookies, duplicate names', async () => {
    await fc.assert(
      fc.asyncProperty(routeAndMethod(), cookieHeader(forgedToken({ refreshAsAccess: false }).map((forged) => forged.token)), fc.option(fc.constantFrom('{}', '{"scope":"all"}', '{"scope":"others"}', `{"currentPassword":"wrong-password-1","newPassword":"a-new-long-passphrase"}`, `{"email":"alice@example.com","password":"wrong-password-1"}`), { nil: undefined }), async ({ route, method }, cookie, body) => {
        const result = await send({ route, method, cookie, contentType: body === undefined ? undefined : 'application/json', body, params: { id: String(alice.claims.sid) } });
        // No genuine token is in the header: nothing protected opens, no refresh succeeds (D24, C18).
        if (PROTECTED_ROUTES.has(route.name) || route.name === 'refresh') expect(result.status, cookie.slice(0, 200)).toBeGreaterThanOrEqual(400);
        if (route.name === 'me' && method === 'GET') expect(result.status).toBe(401);
        await expectAliceSessionLive();
      }),
      fuzzOptions(200),
    );
  }, 60_000);

  it('random Authorization headers never authenticate; a bad bearer token gets the RFC 6750 challenge', async () => {
    await fc.assert(
      fc.asyncProperty(routeAndMethod((route) => PROTECTED_ROUTES.has(route.name)), authorizationHeader(forgedToken().map((forged) => forged.token)), fc.boolean(), async ({ route, method }, authorization, withAliceCookie) => {
        // Even next to alice's genuine cookie, a bad Authorization header is what gets judged.
        const result = await send({ route, method, authorization, cookie: withAliceCookie ? alice.jar.header() : undefined, params: { id: String(alice.claims.sid) }, contentType: 'application/json', body: '{"currentPassword":"x","newPassword":"a-new-long-passphrase"}' });
        expect(result.status, authorization.slice(0, 200)).toBeGreaterThanOrEqual(400);
        if (route.name === 'me' && method === 'GET') {
          expect(result.status).toBe(401);
          expect(JSON.parse(result.text)).toMatchObject({ error: { code: 'unauthenticated' } });
        }
        await expectAliceSessionLive();
      }),
      fuzzOptions(200),
    );
  }, 60_000);

  it('bad bearer tokens on GET /api/auth/me are answered with WWW-Authenticate: Bearer error="invalid_token" (A10)', async () => {
    const me = routes.find((route) => route.name === 'me');
    if (!me?.handlers.GET) throw new TypeError('no GET me');
    const handler = me.handlers.GET;
    await fc.assert(
      fc.asyncProperty(forgedToken(), async ({ token }) => {
        const response = await handler(new Request(new URL('/api/auth/me', ORIGIN), { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({}) });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      }),
      fuzzOptions(60),
    );
  });

  it('forged JWTs (alg none/HS384/RS256, jku, x5u, jwk, x5c, odd kid, crit, array payloads, duplicate keys) signed with the real secret never authenticate', async () => {
    const byName = (name: string) => routes.find((route) => route.name === name);
    type Target = { route: string; method: Method; body?: string; expected: number[] };
    const all: Target[] = [
      { route: 'me', method: 'GET', expected: [401] },
      { route: 'sessions', method: 'GET', expected: [401] },
      { route: 'sessions/[id]', method: 'DELETE', expected: [401] },
      { route: 'password', method: 'POST', body: '{"currentPassword":"x","newPassword":"a-new-long-passphrase"}', expected: [401] },
      { route: 'account', method: 'DELETE', body: `{"password":"${PASSWORD}"}`, expected: [401] },
      { route: 'logout', method: 'POST', body: '{"scope":"others"}', expected: [401] },
      { route: 'logout', method: 'POST', body: '{"scope":"all"}', expected: [401] },
      // Signing out "this" browser always answers 204, but must not end alice's session.
      { route: 'logout', method: 'POST', expected: [204] },
      { route: 'logout', method: 'POST', body: '{"scope":"current"}', expected: [204] },
    ];
    const targets = all.filter((target) => byName(target.route) !== undefined);
    await fc.assert(
      fc.asyncProperty(forgedToken(), fc.constantFrom(...targets), fc.constantFrom('cookie', 'bearer', 'both', 'duplicate-cookie'), async (forged, target, via) => {
        const route = byName(target.route);
        if (!route) throw new TypeError(target.route);
        // Covered (and currently failing) in the KNOWN BUG test below; it would end alice's session here.
        fc.pre(!(forged.subMismatch && target.route === 'logout' && target.expected.includes(204)));
        const cookie = via === 'cookie' ? `access_token=${forged.token}` : via === 'duplicate-cookie' ? `access_token=${forged.token}; access_token=${forged.token}x` : via === 'both' ? `access_token=${forged.token}` : undefined;
        const authorization = via === 'bearer' || via === 'both' ? `Bearer ${forged.token}` : undefined;
        const result = await send({ route, method: target.method, cookie, authorization, params: { id: String(alice.claims.sid) }, contentType: target.body ? 'application/json' : undefined, body: target.body });
        expect(target.expected, `${forged.why} via ${via} -> ${result.status} ${result.text}`).toContain(result.status);
        if (result.status === 401) expect(JSON.parse(result.text)).toMatchObject({ error: { code: 'unauthenticated' } });
        await expectAliceSessionLive();
      }),
      fuzzOptions(300),
    );
  }, 60_000);

  // Found by this fuzzer: logout (scope "current") must check that the token's `sub` owns the
  // session it names, as authenticate() does. Only a token signed with ACCESS_TOKEN_SECRET can
  // try it, so this is defence in depth, not a forgery.
  it('logout with a server-signed token whose sub does not own its sid leaves that session alone', async () => {
    const logout = routes.find((route) => route.name === 'logout');
    if (!logout) throw new TypeError('no logout route');
    const victim = await signIn('alice@example.com');
    const claims = jwtPayload(victim.get('access_token') ?? '');
    const header = b64url(JSON.stringify(GENUINE_HEADER));
    const token = sign(header, b64url(JSON.stringify({ ...claims, sub: mallory.claims.sub })), 'sha256', 'hmac');
    expect((await send({ route: logout, method: 'POST', cookie: `access_token=${token}` })).status).toBe(204);
    const rows = await app.query<{ revoked_at: number | null }>('SELECT revoked_at FROM sessions WHERE id = ?', claims.sid);
    expect(rows).toEqual([{ revoked_at: null }]);
  });

  it('forged and foreign values in the refresh cookie never refresh and never revoke the session they name (B11, C18)', async () => {
    const refresh = routes.find((route) => route.name === 'refresh');
    if (!refresh) throw new TypeError('no refresh route');
    const sid = String(alice.claims.sid);
    const refreshLike = fc.oneof(
      forgedToken({ refreshAsAccess: false }).map((forged) => forged.token),
      // Alice's access JWT as a refresh token (B11).
      fc.constant(alice.access),
      // Refresh-shaped: alice's session id, any generation, a MAC made with the wrong key or random.
      fc.tuple(fc.integer({ min: -1, max: 5 }), fc.constantFrom('access', 'random', 'empty', 'sql')).map(([generation, kind]) => {
        const mac = kind === 'access' ? createHmac('sha256', ACCESS_SECRET).update(`${sid}.${generation}`).digest('base64url') : kind === 'random' ? b64url(crypto.getRandomValues(new Uint8Array(32))) : kind === 'sql' ? "' OR 1=1 --" : '';
        return `${sid}.${generation}.${mac}`;
      }),
      // Alice's real token with one character changed.
      fc.nat({ max: alice.refresh.length - 1 }).map((index) => `${alice.refresh.slice(0, index)}${alice.refresh[index] === 'A' ? 'B' : 'A'}${alice.refresh.slice(index + 1)}`),
      hostileString.map(headerSafe),
    );
    await fc.assert(
      fc.asyncProperty(refreshLike, fc.constantFrom('refresh_token', '__Host-refresh_token'), async (value, name) => {
        const result = await send({ route: refresh, method: 'POST', cookie: `${name}=${value}` });
        expect(result.status, value.slice(0, 200)).toBe(401);
        expect(JSON.parse(result.text)).toMatchObject({ error: { code: 'invalid_refresh_token' } });
        await expectAliceSessionLive();
      }),
      fuzzOptions(200),
    );
    // Alice's real refresh token still rotates afterwards: nothing above touched her session.
    const rotated = await send({ route: refresh, method: 'POST', cookie: `refresh_token=${alice.refresh}` });
    expect(rotated.status).toBe(200);
    alice.jar.apply(new Response(null, { headers: rotated.issued.map((line): [string, string] => ['set-cookie', line]) }));
  }, 60_000);

  it('DELETE /api/auth/sessions/{id} with hostile ids never touches another user’s session', async () => {
    const route = routes.find((candidate) => candidate.name === 'sessions/[id]');
    if (!route) return; // Not built yet.
    const malloryJar = await signIn('mallory@example.com');
    const sid = String(alice.claims.sid);
    const ids = fc.oneof(
      fc.constant(sid),
      fc.constantFrom(sid.toUpperCase(), sid.toLowerCase(), `${sid} `, ` ${sid}`, `${sid}/`, `${sid}%00`, `${sid}\u0000`, `${sid}' OR '1'='1`, `${sid.slice(0, -1)}%`, '*', '%', '_'.repeat(22), `../${sid}`),
      fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'), minLength: 22, maxLength: 22 }),
      hostileString,
    );
    await fc.assert(
      fc.asyncProperty(ids, async (id) => {
        const result = await send({ route, method: 'DELETE', cookie: malloryJar.header(), params: { id } });
        expect(result.status, JSON.stringify(id).slice(0, 200)).toBe(404);
        expect(JSON.parse(result.text)).toMatchObject({ error: { code: 'not_found' } });
        await expectAliceSessionLive();
      }),
      fuzzOptions(150),
    );
  }, 60_000);

  describe('huge, streamed and lying bodies (I42, M53)', () => {
    /** Routes whose POST does something (not the 405 answer). */
    const postRoutes = async () => {
      const found: RouteUnderTest[] = [];
      for (const route of routes) {
        if (route.handlers.POST && (await send({ route, method: 'POST' })).status !== 405) found.push(route);
      }
      return found;
    };

    it('a body over 16 KB is 413 payload_too_large on every POST route, declared or streamed', async () => {
      const big = `{"email":"${'a'.repeat(1024 * 1024)}@example.com","password":"${'p'.repeat(100)}"}`;
      for (const route of await postRoutes()) {
        const handler = route.handlers.POST as Handler;
        const jar = await signIn('mallory@example.com');
        const oauth = OAUTH_ROUTES.has(route.name);
        const contentType = oauth ? 'application/x-www-form-urlencoded' : 'application/json';
        const cases: Array<[string, () => Request]> = [
          ['declared', () => new Request(new URL(route.template, ORIGIN), { method: 'POST', headers: { 'content-type': contentType, cookie: jar.header() }, body: big })],
          [
            'streamed without a length',
            () =>
              new Request(new URL(route.template, ORIGIN), {
                method: 'POST',
                headers: { 'content-type': contentType, cookie: jar.header(), 'transfer-encoding': 'chunked' },
                body: new ReadableStream<Uint8Array>({
                  start(controller) {
                    const chunk = new TextEncoder().encode('{"email":"' + 'a'.repeat(4096));
                    for (let i = 0; i < 256; i++) controller.enqueue(chunk);
                    controller.close();
                  },
                }),
                duplex: 'half',
              } as RequestInit),
          ],
          ['a lying Content-Length', () => new Request(new URL(route.template, ORIGIN), { method: 'POST', headers: { 'content-type': contentType, 'content-length': '12', cookie: jar.header() }, body: big })],
        ];
        for (const [what, make] of cases) {
          const response = await handler(make(), { params: Promise.resolve({ id: 'x' }) });
          const { status, text } = await expectContractResponse(response, { label: `POST ${route.template} (${what})`, neverIssues: !ISSUING_ROUTES.has(route.name) && !CHALLENGE_ROUTES.has(route.name), errorShape: oauth ? 'oauth' : 'contract' });
          // Routes that read no body (refresh) may ignore it; every route that reads one refuses it.
          if (route.name !== 'refresh') {
            expect([status, what], text).toEqual([413, what]);
            expect(JSON.parse(text)).toMatchObject(oauth ? { error: 'invalid_request' } : { error: { code: 'payload_too_large' } });
          }
        }
      }
    }, 30_000);

    it('deeply nested JSON (10,000 levels in 16 KB) is refused as a 4xx, not a crash', async () => {
      for (const route of await postRoutes()) {
        for (const text of ['['.repeat(8000) + ']'.repeat(8000), '{"email":' + '['.repeat(7000) + ']'.repeat(7000) + '}', '{"a":'.repeat(3000) + '1' + '}'.repeat(3000)]) {
          const jar = await signIn('mallory@example.com');
          const result = await send({ route, method: 'POST', cookie: jar.header(), contentType: 'application/json', body: text });
          if (route.name !== 'refresh' && route.name !== 'logout') expect(result.status).toBeGreaterThanOrEqual(400);
        }
      }
    });

    it('prototype-pollution keys are plain data: registering with __proto__ and constructor changes nothing else', async () => {
      const register = routes.find((route) => route.name === 'register');
      if (!register) throw new TypeError('no register route');
      const text = `{"__proto__":{"id":"admin","name":"Admin","polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"email":"proto@example.com","password":"${PASSWORD}"}`;
      const result = await send({ route: register, method: 'POST', contentType: 'application/json', body: text });
      expect(result.status).toBe(201);
      const body = JSON.parse(result.text) as { user: { id: string; name: unknown; email: string } };
      expect(body.user.id).not.toBe('admin');
      expect(body.user.name).toBeNull();
      expect(body.user.email).toBe('proto@example.com');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
