/**
 * Authenticating a request in a route handler, independently of the middleware (checklist D22):
 * the access token comes from `Authorization: Bearer` or the access cookie, never the URL.
 */
import 'server-only';
import type { Db } from '@/db/client';
import type { Session } from '@/db/schema';
import { findUserById, type PublicUser } from '@/db/users';
import { requestAuthCookies } from './cookies';
import { findLiveSession } from './sessions';
import { verifyAccessToken, type AccessClaims } from './tokens';

export interface Authenticated {
  user: PublicUser;
  session: Session;
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
export async function authenticateToken(db: Db, token: string, now: number): Promise<Authenticated | null> {
  const result = await verifyAccessToken(token, now);
  if (!result.ok) return null;
  const session = findLiveSession(db, result.claims.sid, now);
  if (!session || session.userId !== result.claims.sub) return null;
  const user = findUserById(db, session.userId);
  return user ? { user, session, claims: result.claims } : null;
}

/** Authenticates a route handler's request (bearer or cookie); returns the failure's channel instead of throwing. */
export async function authenticate(db: Db, request: Request, secureCookies: boolean, now: number): Promise<Authenticated | AuthFailure> {
  const presented = presentedAccessToken(request, secureCookies);
  if (presented.token === null) return { via: presented.via };
  return (await authenticateToken(db, presented.token, now)) ?? { via: presented.via };
}
