/**
 * Building requests for the real route handlers and reading their responses: cookies, the
 * contract's error body, and the `Cache-Control: no-store` every auth response must carry.
 */
import { expect } from 'vitest';

export const ORIGIN = 'http://localhost:3000';

/** A route handler as Next.js calls it (the 405 exports ignore both arguments). */
export type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface RequestOptions {
  /** Serialised as JSON with `Content-Type: application/json` unless `raw` is given. */
  json?: unknown;
  /** A body sent as is (a Uint8Array body gets no content type from fetch). */
  raw?: string | Uint8Array;
  /** Overrides the content type; null sends none. */
  contentType?: string | null;
  /** `Cookie` header: a jar, a record or a literal header value. */
  cookies?: CookieJar | Record<string, string> | string;
  /**
   * `Content-Length` for a body: by default its byte length, as on a real HTTP request (a Request
   * built in memory has none); null sends none (a streamed body); a number declares that value.
   */
  contentLength?: number | null;
  /** `Origin` header (absent unless given). */
  origin?: string;
  bearer?: string;
  headers?: Record<string, string>;
}

/** A request to one of our API paths. */
export function apiRequest(method: string, pathname: string, options: RequestOptions = {}): Request {
  const headers = new Headers(options.headers);
  let body: string | Uint8Array | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers.set('content-type', 'application/json');
  } else if (options.raw !== undefined) {
    body = options.raw;
  }
  if (options.contentType !== undefined) {
    if (options.contentType === null) headers.delete('content-type');
    else headers.set('content-type', options.contentType);
  }
  if (body !== undefined && options.contentLength !== null && !headers.has('content-length')) {
    headers.set('content-length', String(options.contentLength ?? (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength)));
  }
  if (options.origin !== undefined) headers.set('origin', options.origin);
  if (options.bearer !== undefined) headers.set('authorization', `Bearer ${options.bearer}`);
  const cookie = cookieHeader(options.cookies);
  if (cookie) headers.set('cookie', cookie);
  const request = new Request(new URL(pathname, ORIGIN), { method, headers, body: body as BodyInit | undefined });
  if (options.contentType === null) {
    // fetch adds `text/plain;charset=UTF-8` to string bodies; the test asked for no content type.
    expect(request.headers.get('content-type')).toBeNull();
  }
  return request;
}

/** Calls a handler and checks the contract's `Cache-Control: no-store` on the response. */
export async function call(handler: Handler, request: Request): Promise<Response> {
  const response = await handler(request, { params: Promise.resolve({}) });
  expect(response.headers.get('cache-control'), `${request.method} ${new URL(request.url).pathname}`).toBe('no-store');
  return response;
}

export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased; flag attributes map to true. */
  attributes: Map<string, string | true>;
  raw: string;
}

/** Parses one Set-Cookie header value. */
export function parseSetCookie(raw: string): SetCookie {
  const [pair = '', ...attributeParts] = raw.split(';');
  const index = pair.indexOf('=');
  const attributes = new Map<string, string | true>();
  for (const part of attributeParts) {
    const eq = part.indexOf('=');
    if (eq === -1) attributes.set(part.trim().toLowerCase(), true);
    else attributes.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return { name: pair.slice(0, index).trim(), value: pair.slice(index + 1).trim(), attributes, raw };
}

/** Every cookie a response sets, by name (a name set twice fails the test). */
export function setCookies(response: Response): Map<string, SetCookie> {
  const cookies = new Map<string, SetCookie>();
  for (const raw of response.headers.getSetCookie()) {
    const cookie = parseSetCookie(raw);
    expect(cookies.has(cookie.name), `cookie ${cookie.name} set twice`).toBe(false);
    cookies.set(cookie.name, cookie);
  }
  return cookies;
}

/** Checks a cookie's attributes against the contract and returns its value. */
export function expectAuthCookie(cookies: Map<string, SetCookie>, name: string, expected: { maxAge: number; secure: boolean }): string {
  const cookie = cookies.get(name);
  expect(cookie, `Set-Cookie ${name}`).toBeDefined();
  if (!cookie) return '';
  const { attributes } = cookie;
  expect(attributes.get('httponly')).toBe(true);
  expect(attributes.get('path')).toBe('/');
  expect(String(attributes.get('samesite')).toLowerCase()).toBe('lax');
  expect(attributes.get('max-age')).toBe(String(expected.maxAge));
  expect(attributes.has('domain')).toBe(false);
  expect(attributes.has('secure')).toBe(expected.secure);
  if (expected.maxAge === 0) expect(cookie.value).toBe('');
  else expect(cookie.value).not.toBe('');
  return cookie.value;
}

/** A minimal browser cookie store: applies Set-Cookie (Max-Age=0 deletes) and builds `Cookie`. */
export class CookieJar {
  readonly values = new Map<string, string>();

  constructor(initial: Record<string, string> = {}) {
    for (const [name, value] of Object.entries(initial)) this.values.set(name, value);
  }

  apply(response: Response): this {
    for (const cookie of setCookies(response).values()) {
      if (cookie.attributes.get('max-age') === '0') this.values.delete(cookie.name);
      else this.values.set(cookie.name, cookie.value);
    }
    return this;
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  clone(): CookieJar {
    return new CookieJar(Object.fromEntries(this.values));
  }

  header(): string {
    return [...this.values].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

function cookieHeader(cookies: RequestOptions['cookies']): string {
  if (cookies === undefined) return '';
  if (typeof cookies === 'string') return cookies;
  if (cookies instanceof CookieJar) return cookies.header();
  return Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
}

/** Text that would betray internals: stack frames, file paths, SQL, library errors. */
const LEAKS = [/\n\s+at /, /at .*\(.*:\d+:\d+\)/, /\.(ts|js|mjs):\d+/, /node_modules/, /SQLITE/i, /\bselect\b.*\bfrom\b/i, /\binsert into\b/i, /ZodError/, /TypeError|ReferenceError|SyntaxError/, /"stack"/];

export interface ErrorBodyShape {
  error: { code: string; message: string; fields?: Record<string, string[]> };
}

/**
 * Checks a response is the contract's error: status, exact body shape `{"error":{"code","message"
 * [,"fields"]}}`, a JSON content type, and no leaked internals. Returns the body.
 */
export async function expectError(response: Response, status: number, code: string): Promise<ErrorBodyShape> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  for (const leak of LEAKS) expect(text).not.toMatch(leak);
  const body = JSON.parse(text) as unknown;
  expect(body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  const error = (body as ErrorBodyShape).error;
  expect(Object.keys(body as object)).toEqual(['error']);
  for (const key of Object.keys(error)) expect(['code', 'message', 'fields']).toContain(key);
  expect(error.message.length).toBeGreaterThan(0);
  if (error.fields !== undefined) {
    for (const messages of Object.values(error.fields)) {
      expect(Array.isArray(messages)).toBe(true);
      for (const message of messages) expect(typeof message).toBe('string');
    }
  }
  return body as ErrorBodyShape;
}

/** The decoded payload of a JWT (no verification: for reading ids in assertions). */
export function jwtPayload(token: string): Record<string, unknown> {
  const segment = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
}
