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
import type { UserRecord } from '@/db/store';
import { describeUserAgent } from '@/lib/user-agent';
import { recentActivity, type ActivityItem } from './activity';
import { authenticateToken } from './authenticate';
import { readAuthCookies } from './cookies';
import { getAuthDeps } from './deps';
import { listAccountSessions, type AccountSessionListItem } from './list-sessions';
import { loginPath } from './redirects';
import { describeSignInMethod } from './sign-in-method';
import { getConfig } from '@/lib/config';

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
  user: UserRecord;
  session: CurrentSession;
}

/**
 * The signed-in user and session for this request, or null. Memoised per render pass with
 * React's `cache`, so a layout and a page asking both cost one verification and one lookup.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const { store, config } = await getAuthDeps();
  const token = await accessCookie(config.cookieSecure);
  if (!token) return null;
  const found = await authenticateToken(store, token, Date.now());
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

/**
 * The signed-in user, checked in the database (a session revoked a moment ago, by a sign-out
 * elsewhere, a password change or token reuse, is refused although its access token has not
 * expired), or a redirect to `/login?next=…`. Every page that shows or changes account data uses it.
 */
export async function requireUser(next = '/dashboard'): Promise<CurrentUser> {
  const found = await getCurrentUser();
  if (!found) redirect(loginPath(next));
  return found;
}

/** A live session as the account page shows it: the API's view plus a readable device name. */
export type AccountSession = AccountSessionListItem & { device: string; signedInWith: string };

/**
 * The account page's data: the signed-in user (checked in the database; else a redirect to sign
 * in), their live sessions newest first, and their recent security events.
 */
/** A provider's name (OIDC_<ID>_NAME) by its id, for `oidc:<id>` sessions; the id itself once the provider is gone. */
function providerName(id: string): string {
  return getConfig().oidcProviders.find((provider) => provider.id === id)?.name ?? id;
}

/**
 * How the sessions list names a device: a native app by its client id (its HTTP user agent is the
 * app's library, which says nothing to the user), a browser by its user agent.
 */
function deviceName(session: AccountSessionListItem): string {
  return session.clientId === null ? describeUserAgent(session.userAgent) : `${session.clientId} (native app)`;
}

export const getAccountOverview = cache(async (): Promise<{ current: CurrentUser; sessions: AccountSession[]; activity: ActivityItem[] }> => {
  const current = await requireUser('/account');
  const { store } = await getAuthDeps();
  const [sessions, activity] = await Promise.all([listAccountSessions(store, current, Date.now()), recentActivity(store, current.user.id)]);
  return { current, sessions: sessions.map((session) => ({ ...session, device: deviceName(session), signedInWith: describeSignInMethod(session.method, providerName) })), activity };
});
