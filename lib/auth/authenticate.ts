/**
 * Authenticating a request in a route handler, independently of the middleware (checklist D22):
 * the access token comes from `Authorization: Bearer`, `Authorization: DPoP` with a proof, or the
 * access cookie, never the URL.
 *
 * DPoP (RFC 9449): a token bound to a key (`cnf.jkt`) is accepted only with the DPoP scheme and a
 * fresh proof by that key whose `ath` is the token's hash; presented as Bearer or in a cookie it
 * is refused (a copied token is useless without the key). A token without `cnf` presented with the
 * DPoP scheme is refused too (RFC 9449 §7.2): the scheme promises a binding the token lacks.
 */
import 'server-only';
import type { SessionRecord, Store, UserRecord } from '@/db/store';
import { clientContext } from '@/lib/http/client';
import type { Config } from '@/lib/config';
import { verifyAccessToken, type AccessClaims } from './access-token';
import { looksLikeApiKey } from './api-key-tokens';
import { authenticateApiKey, type ApiKeyCaller } from './authenticate-api-key';
import { authenticateClient, type ClientCaller } from './authenticate-client';
import { requestAuthCookies } from './cookies';
import type { AuthDeps } from './deps';
import { checkDpopProof, dpopHeader, dpopRequestUrl, spendDpopProof } from './dpop';
import { isLive } from './find-session';

export interface Authenticated {
  user: UserRecord;
  session: SessionRecord;
  claims: AccessClaims;
}

/**
 * Why a request is not authenticated: the channel the token came by, and for DPoP failures (and
 * bound tokens presented without a proof) the RFC 9449 §7.1 error its challenge names.
 */
export type AuthFailure = { via: 'bearer' | 'dpop' | 'cookie' | 'none'; dpopError?: 'invalid_token' | 'invalid_dpop_proof' };

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;
// Authentication schemes are case-insensitive (RFC 9110 §11.1); the token68 itself is not.
const DPOP = /^DPoP ([A-Za-z0-9._~+/-]+=*)$/i;

/** The presented access token and where it came from. */
export function presentedAccessToken(request: Request, secureCookies: boolean): { token: string; via: 'bearer' | 'dpop' | 'cookie' } | { token: null; via: 'bearer' | 'dpop' | 'none' } {
  const authorization = request.headers.get('authorization');
  if (authorization !== null) {
    const dpop = DPOP.exec(authorization);
    if (dpop) return { token: dpop[1] as string, via: 'dpop' };
    if (/^DPoP\b/i.test(authorization)) return { token: null, via: 'dpop' };
    const match = BEARER.exec(authorization);
    return match ? { token: match[1] as string, via: 'bearer' } : { token: null, via: 'bearer' };
  }
  // One reader for every layer: an access cookie sent twice is absent here as in the middleware.
  const cookie = requestAuthCookies(request, secureCookies).access;
  return cookie ? { token: cookie, via: 'cookie' } : { token: null, via: 'none' };
}

/** The live session a verified token names, with its user; null when revoked, expired, gone or not the subject's. */
async function sessionOfClaims(store: Store, claims: AccessClaims, now: number): Promise<Authenticated | null> {
  // One round trip: the session and its user together.
  const found = await store.findSessionWithUser(claims.sid);
  if (!found || !isLive(found.session, now) || found.session.userId !== claims.sub) return null;
  return { user: found.user, session: found.session, claims };
}

/**
 * A token presented without a proof (Bearer or cookie): its session, `bound` for a DPoP-bound
 * token (refused: it needs the DPoP scheme and a proof), or null.
 */
async function unboundTokenSession(store: Store, token: string, now: number): Promise<Authenticated | 'bound' | null> {
  const result = await verifyAccessToken(token, now);
  if (!result.ok) return null;
  if (result.claims.cnf !== undefined) return 'bound';
  return sessionOfClaims(store, result.claims, now);
}

/**
 * Verifies an access token presented without a DPoP proof (a cookie, a Bearer header) and, unlike
 * the middleware, checks its session in the database, so a revoked session's token is refused at
 * once. The token's subject must own the session it names. A DPoP-bound token is refused.
 */
export async function authenticateToken(store: Store, token: string, now: number): Promise<Authenticated | null> {
  const found = await unboundTokenSession(store, token, now);
  return found === 'bound' ? null : found;
}

/**
 * `Authorization: DPoP <token>` with a `DPoP` proof: the proof is checked first (no I/O), then the
 * token and its binding to the proof's key, and only then is the proof's `jti` spent, so the
 * replay cache is written for holders of a valid bound token alone; last, the session.
 */
async function authenticateDpop(deps: { store: Store; config: Pick<Config, 'appOrigin'> }, request: Request, token: string, now: number): Promise<Authenticated | AuthFailure> {
  const checked = await checkDpopProof(dpopHeader(request.headers), { method: request.method, url: dpopRequestUrl(deps.config.appOrigin, request), accessToken: token }, now);
  if (!checked.ok) return { via: 'dpop', dpopError: 'invalid_dpop_proof' };
  const result = await verifyAccessToken(token, now);
  // An unbound token, or one bound to another key than the proof's.
  if (!result.ok || result.claims.cnf?.jkt !== checked.proof.jkt) return { via: 'dpop', dpopError: 'invalid_token' };
  if (!(await spendDpopProof(deps.store, checked.proof, now))) return { via: 'dpop', dpopError: 'invalid_dpop_proof' };
  return (await sessionOfClaims(deps.store, result.claims, now)) ?? { via: 'dpop', dpopError: 'invalid_token' };
}

/**
 * Authenticates a route handler's request as a session (Bearer, DPoP or cookie); returns the
 * failure's channel instead of throwing.
 */
export async function authenticate(deps: { store: Store; config: Pick<Config, 'appOrigin' | 'cookieSecure'> }, request: Request, now: number): Promise<Authenticated | AuthFailure> {
  const presented = presentedAccessToken(request, deps.config.cookieSecure);
  if (presented.token === null) return { via: presented.via };
  if (presented.via === 'dpop') return authenticateDpop(deps, request, presented.token, now);
  const found = await unboundTokenSession(deps.store, presented.token, now);
  if (found === 'bound') return { via: presented.via, dpopError: 'invalid_token' };
  return found ?? { via: presented.via };
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
  // API keys and machine clients' tokens are never DPoP-bound: the DPoP scheme means a session's token.
  if (presented.via === 'dpop') {
    const session = await authenticateDpop(deps, request, presented.token, now);
    return 'via' in session ? session : { kind: 'session', ...session };
  }
  if (presented.via === 'bearer' && looksLikeApiKey(presented.token)) {
    if (!allowed.apiKey) return { via: 'bearer' };
    return (await authenticateApiKey(deps, presented.token, clientContext(request.headers, deps.config), now)) ?? { via: 'bearer' };
  }
  const session = await unboundTokenSession(deps.store, presented.token, now);
  if (session === 'bound') return { via: presented.via, dpopError: 'invalid_token' };
  if (session) return { kind: 'session', ...session };
  if (allowed.client && presented.via === 'bearer') {
    const client = await authenticateClient(deps, request, presented.token, now);
    if (client) return client;
  }
  return { via: presented.via };
}
