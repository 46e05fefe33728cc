/**
 * Authenticating a request in a route handler, independently of the middleware (checklist D22):
 * the access token comes from `Authorization: Bearer` or the access cookie, never the URL.
 */
import 'server-only';
import type { SessionRecord, Store, UserRecord } from '@/db/store';
import { clientContext } from '@/lib/http/client';
import { verifyAccessToken, type AccessClaims } from './access-token';
import { looksLikeApiKey } from './api-key-tokens';
import { authenticateApiKey, type ApiKeyCaller } from './authenticate-api-key';
import { authenticateClient, type ClientCaller } from './authenticate-client';
import { requestAuthCookies } from './cookies';
import type { AuthDeps } from './deps';
import { isLive } from './find-session';

export interface Authenticated {
  user: UserRecord;
  session: SessionRecord;
  claims: AccessClaims;
}

export type AuthFailure = { via: 'bearer' | 'cookie' | 'none' };

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** The presented access token and where it came from. */
export function presentedAccessToken(request: Request, secureCookies: boolean): { token: string; via: 'bearer' | 'cookie' } | { token: null; via: 'bearer' | 'none' } {
  const authorization = request.headers.get('authorization');
  if (authorization !== null) {
    const match = BEARER.exec(authorization);
    return match ? { token: match[1] as string, via: 'bearer' } : { token: null, via: 'bearer' };
  }
  // One reader for every layer: an access cookie sent twice is absent here as in the middleware.
  const cookie = requestAuthCookies(request, secureCookies).access;
  return cookie ? { token: cookie, via: 'cookie' } : { token: null, via: 'none' };
}

/**
 * Verifies an access token and, unlike the middleware, checks its session in the database, so a
 * revoked session's token is refused at once. The token's subject must own the session it names.
 */
export async function authenticateToken(store: Store, token: string, now: number): Promise<Authenticated | null> {
  const result = await verifyAccessToken(token, now);
  if (!result.ok) return null;
  // One round trip: the session and its user together.
  const found = await store.findSessionWithUser(result.claims.sid);
  if (!found || !isLive(found.session, now) || found.session.userId !== result.claims.sub) return null;
  return { user: found.user, session: found.session, claims: result.claims };
}

/** Authenticates a route handler's request (bearer or cookie); returns the failure's channel instead of throwing. */
export async function authenticate(store: Store, request: Request, secureCookies: boolean, now: number): Promise<Authenticated | AuthFailure> {
  const presented = presentedAccessToken(request, secureCookies);
  if (presented.token === null) return { via: presented.via };
  return (await authenticateToken(store, presented.token, now)) ?? { via: presented.via };
}

/** Who may call a route besides a signed-in session: each route opts in explicitly (least privilege). */
export interface CallerKinds {
  /** `Authorization: Bearer ntak_…`: for read-only routes only, never for anything that changes the account. */
  apiKey?: boolean;
  /** A machine client's certificate-bound token, with its certificate forwarded by the trusted proxy. */
  client?: boolean;
}

export type SessionCaller = Authenticated & { kind: 'session' };
export type ApiCaller = SessionCaller | ApiKeyCaller | ClientCaller;

/**
 * Authenticates a route handler's request as a session, or also as an API key or a machine client
 * where the route allows them. An API key presented to a route that does not allow keys is refused
 * like any bad bearer token (401), never looked up.
 */
export async function authenticateCaller(deps: AuthDeps, request: Request, allowed: CallerKinds, now: number): Promise<ApiCaller | AuthFailure> {
  const presented = presentedAccessToken(request, deps.config.cookieSecure);
  if (presented.token === null) return { via: presented.via };
  if (presented.via === 'bearer' && looksLikeApiKey(presented.token)) {
    if (!allowed.apiKey) return { via: 'bearer' };
    return (await authenticateApiKey(deps, presented.token, clientContext(request.headers, deps.config), now)) ?? { via: 'bearer' };
  }
  const session = await authenticateToken(deps.store, presented.token, now);
  if (session) return { kind: 'session', ...session };
  if (allowed.client && presented.via === 'bearer') {
    const client = await authenticateClient(deps, request, presented.token, now);
    if (client) return client;
  }
  return { via: presented.via };
}
