/**
 * A native app's side of the code flow (RFC 8252), against the real route handlers: PKCE, the
 * authorization request, the user's Allow on /authorize (its POST), and the token and revocation
 * endpoints. What a browser does between them is tests/e2e/native-app.spec.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { apiRequest, ORIGIN, type CookieJar, type Handler } from './http';

export const NATIVE_CLIENT = 'com.example.notes';
export const OTHER_CLIENT = 'com.example.other';
export const LOOPBACK = 'http://127.0.0.1/callback';
export const CUSTOM_SCHEME = 'com.example.notes:/oauth';
export const NATIVE_CLIENTS = JSON.stringify([
  { clientId: NATIVE_CLIENT, redirectUris: [LOOPBACK, CUSTOM_SCHEME] },
  { clientId: OTHER_CLIENT, redirectUris: ['http://[::1]/cb'] },
]);

export interface Pkce {
  verifier: string;
  challenge: string;
}

/** A fresh PKCE pair (RFC 7636 S256). */
export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface NativeRoutes {
  authorize: Partial<Record<'GET' | 'POST', Handler>>;
  token: Partial<Record<'POST', Handler>>;
  revoke: Partial<Record<'POST', Handler>>;
}

/** Imports the routes (after startApp, which sets the environment). */
export async function loadNativeRoutes(): Promise<NativeRoutes> {
  return {
    authorize: await import('@/app/api/auth/authorize/route'),
    token: await import('@/app/api/auth/token/route'),
    revoke: await import('@/app/api/auth/revoke/route'),
  };
}

function must<T>(handler: T | undefined): T {
  if (!handler) throw new TypeError('missing handler');
  return handler;
}

/** The parameters of a good authorization request, with `overrides` (undefined removes one). */
export function authorizeParams(pkce: Pkce, overrides: Record<string, string | undefined> = {}): URLSearchParams {
  const entries: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: NATIVE_CLIENT,
    redirect_uri: 'http://127.0.0.1:51234/callback',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    state: 'st-8d2f',
    ...overrides,
  };
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(entries)) if (value !== undefined) params.append(name, value);
  return params;
}

/** GET /api/auth/authorize with a query string. */
export function getAuthorize(routes: NativeRoutes, query: string): Promise<Response> {
  return must(routes.authorize.GET)(apiRequest('GET', `/api/auth/authorize?${query}`), { params: Promise.resolve({}) });
}

/** The signed-in browser's answer on /authorize: the `redirectTo` it is sent to. */
export async function answer(routes: NativeRoutes, jar: CookieJar, query: string, decision: 'allow' | 'cancel'): Promise<Response> {
  return must(routes.authorize.POST)(apiRequest('POST', '/api/auth/authorize', { json: { query, decision }, cookies: jar, origin: ORIGIN }), { params: Promise.resolve({}) });
}

/** The whole browser part for a signed-in browser: returns the code the app receives. */
export async function authorizationCode(routes: NativeRoutes, jar: CookieJar, params: URLSearchParams): Promise<string> {
  const start = await getAuthorize(routes, params.toString());
  expect(start.status).toBe(303);
  const consent = new URL(start.headers.get('location') ?? '');
  expect(consent.pathname).toBe('/authorize');
  const allowed = await answer(routes, jar, consent.search.slice(1), 'allow');
  expect(allowed.status).toBe(200);
  const { redirectTo } = (await allowed.json()) as { redirectTo: string };
  const redirect = new URL(redirectTo);
  expect(redirect.searchParams.get('state')).toBe(params.get('state'));
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirectTo}`);
  return code;
}

export interface OAuthResult {
  status: number;
  body: Record<string, unknown>;
  response: Response;
}

/** POSTs a form to the token or revocation endpoint and checks what every answer must be: no-store, no cookie. */
export async function postForm(routes: NativeRoutes, endpoint: 'token' | 'revoke', form: Record<string, string>, headers: Record<string, string> = {}): Promise<OAuthResult> {
  const path = endpoint === 'token' ? '/api/auth/token' : '/api/auth/revoke';
  const response = await must(routes[endpoint].POST)(apiRequest('POST', path, { raw: new URLSearchParams(form).toString(), contentType: 'application/x-www-form-urlencoded', headers }), { params: Promise.resolve({}) });
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('pragma')).toBe('no-cache');
  expect(response.headers.getSetCookie()).toEqual([]);
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), response };
}

/** Exchanges a code as the app does. */
export function exchange(routes: NativeRoutes, code: string, pkce: Pkce, overrides: Record<string, string> = {}): Promise<OAuthResult> {
  return postForm(routes, 'token', { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:51234/callback', client_id: NATIVE_CLIENT, code_verifier: pkce.verifier, ...overrides });
}

/** An RFC 6749 §5.2 error: exactly `error` and `error_description`. */
export function expectOAuthError(result: OAuthResult, status: number, error: string): void {
  expect({ status: result.status, body: result.body }).toMatchObject({ status, body: { error } });
  expect(Object.keys(result.body).sort()).toEqual(['error', 'error_description']);
}
