/**
 * Data access layer for server components: who is signed in, checked against the database.
 *
 * The middleware's check is a first line only; every page that shows a user's data asks here, and
 * this module verifies the access token itself and looks the session up, so a revoked session's
 * still-unexpired token shows nothing. After a silent refresh the middleware forwards the new
 * access token in the request's Cookie header, so `headers()` already carries it. The cookie is read
 * from that header by the one reader the middleware and route handlers use (`readAuthCookies`),
 * never by `cookies()`, whose rule for a name sent twice (the last wins) differs from ours.
 */
import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { getDb } from '@/db/client';
import { type PublicUser } from '@/db/users';
import { getConfig } from '@/lib/config';
import { describeUserAgent } from '@/lib/devices';
import { recentActivity, type ActivityItem } from './activity';
import { authenticateToken } from './authenticate';
import { readAuthCookies } from './cookies';
import { listSessions, type SessionListItem } from './devices';
import { loginPath } from './redirects';
import { verifyAccessToken } from './tokens';

/** This request's access cookie (null when absent or sent more than once). */
async function accessCookie(secure: boolean): Promise<string | null> {
  return readAuthCookies((await headers()).get('cookie'), secure).access;
}

/** What pages may know about the current session: times and device, never the nonce or generation. */
export interface CurrentSession {
  id: string;
  createdAt: number;
  lastUsedAt: number;
  /** When the refresh token stops working unless it is used (idle expiry). */
  expiresAt: number;
  /** When the session ends however often it is refreshed. */
  absoluteExpiresAt: number;
  /** When the access token this request carried expires. */
  accessTokenExpiresAt: number;
  userAgent: string | null;
}

export interface CurrentUser {
  user: PublicUser;
  session: CurrentSession;
}

/**
 * The signed-in user and session for this request, or null. Memoised per render pass with
 * React's `cache`, so a layout and a page asking both cost one verification and one lookup.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const config = getConfig();
  const token = await accessCookie(config.cookieSecure);
  if (!token) return null;
  const found = await authenticateToken(getDb(), token, Date.now());
  if (!found) return null;
  const { user, session, claims } = found;
  return {
    user,
    session: {
      id: session.id,
      createdAt: session.createdAt,
      lastUsedAt: session.lastUsedAt,
      expiresAt: session.expiresAt,
      absoluteExpiresAt: session.absoluteExpiresAt,
      accessTokenExpiresAt: claims.exp * 1000,
      userAgent: session.userAgent,
    },
  };
});

/** What the access token alone says: ids and its expiry, nothing read from the database. */
export interface VerifiedSession {
  userId: string;
  sessionId: string;
  accessTokenExpiresAt: number;
}

/**
 * Verifies this request's access token without touching the database (memoised per render pass).
 * Stateless: a session revoked after the token was issued still passes until the token expires
 * (at most ACCESS_TOKEN_EXPIRY). Fine for showing non-sensitive things; see requireSession.
 */
export const verifySession = cache(async (): Promise<VerifiedSession | null> => {
  const config = getConfig();
  const token = await accessCookie(config.cookieSecure);
  if (!token) return null;
  const verified = await verifyAccessToken(token, Date.now());
  if (!verified.ok) return null;
  return { userId: verified.claims.sub, sessionId: verified.claims.sid, accessTokenExpiresAt: verified.claims.exp * 1000 };
});

export interface RequireSessionOptions {
  /**
   * Look the session up in the database on this request, so one revoked a moment ago (signed out
   * elsewhere, a password change, token reuse) is refused although its access token has not
   * expired. Use it for every page that shows or changes account data.
   */
  fresh?: boolean;
  /** Where to return after signing in, when there is no session (a same-site path). */
  next?: string;
}

/**
 * The signed-in session, or a redirect to `/login?next=…`. With `{ fresh: true }` the session is
 * checked in the database (getCurrentUser); without it only the access token is verified.
 */
export async function requireSession(options: RequireSessionOptions & { fresh: true }): Promise<CurrentUser>;
export async function requireSession(options?: RequireSessionOptions & { fresh?: false }): Promise<VerifiedSession>;
export async function requireSession(options: RequireSessionOptions = {}): Promise<CurrentUser | VerifiedSession> {
  const found = options.fresh ? await getCurrentUser() : await verifySession();
  if (!found) redirect(loginPath(options.next ?? '/dashboard'));
  return found;
}

/** A live session as the account page shows it: the API's view plus a readable device name. */
export type AccountSession = SessionListItem & { device: string };

/**
 * The account page's data: the signed-in user (checked in the database; else a redirect to sign
 * in), their live sessions newest first, and their recent security events.
 */
export const getAccountOverview = cache(async (): Promise<{ current: CurrentUser; sessions: AccountSession[]; activity: ActivityItem[] }> => {
  const current = await requireSession({ fresh: true, next: '/account' });
  const db = getDb();
  const sessions = listSessions(db, current, Date.now()).map((session) => ({ ...session, device: describeUserAgent(session.userAgent) }));
  return { current, sessions, activity: recentActivity(db, current.user.id) };
});
