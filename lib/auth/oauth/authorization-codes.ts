/**
 * Authorization codes for native apps (RFC 6749 §4.1, RFC 8252): what the browser hands back to
 * the app after the user signed in and pressed Allow.
 *
 * Invariants (checklist 68):
 * - A code is 256 random bits; the database holds only its SHA-256, so a copy of the table cannot
 *   be exchanged.
 * - It lives 60 seconds and is bound to the client, the exact redirect URI, the PKCE challenge,
 *   the user and the browser sign-in that approved it (whose method the native session inherits).
 * - It names the id of the session its exchange will create, so a second use can revoke exactly
 *   that session (RFC 6749 §4.1.2); the exchange itself is one atomic Store step.
 * - Only a browser's cookie session can approve a code: a native app's own token cannot mint
 *   codes for further sessions.
 */
import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import type { SessionRecord } from '@/db/store';
import { parseDuration } from '@/lib/duration';
import type { AuthDeps } from '../deps';
import { AuthError } from '../errors';
import { logSecurityEvents, securityEvent, type ClientContext } from '../events';
import { newSessionSecrets } from '../refresh-token';
import { errorRedirect, redirectWith, type AuthorizationRequest } from './authorization-request';

export const AUTHORIZATION_CODE_TTL_MS = parseDuration('60s') as number;

/** The stored id of a code: SHA-256, base64url (the code is 256 random bits: no key needed to keep it unguessable). */
export function authorizationCodeId(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('base64url');
}

/**
 * Issues a code for an approved request and returns where to send the browser: the redirect URI
 * with `code`, `state` and `iss` (RFC 9207). `browser` is the approving session, live now.
 */
export async function approveAuthorization({ store, config }: AuthDeps, request: AuthorizationRequest, browser: SessionRecord, client: ClientContext, now: number): Promise<string> {
  if (browser.clientId !== null) throw new AuthError('unauthenticated');
  const code = randomBytes(32).toString('base64url');
  const { sessionId } = newSessionSecrets();
  await store.storeAuthorizationCode({
    id: authorizationCodeId(code),
    clientId: request.client.clientId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    userId: browser.userId,
    browserSessionId: browser.id,
    method: browser.method,
    sessionId,
    createdAt: now,
    expiresAt: now + AUTHORIZATION_CODE_TTL_MS,
  });
  // A log line only: the stored sign_in_succeeded comes with the exchange, when a session exists.
  logSecurityEvents([securityEvent({ type: 'authorization_code_issued', userId: browser.userId, sessionId: browser.id, client, detail: { clientId: request.client.clientId } }, now)]);
  return redirectWith(request.redirectUri, { code, state: request.state, iss: config.appOrigin });
}

/** Where to send the browser when the user pressed Cancel: `access_denied` (RFC 6749 §4.1.2.1). */
export function denyAuthorization({ config }: AuthDeps, request: AuthorizationRequest): string {
  return errorRedirect(request.redirectUri, config.appOrigin, 'access_denied', 'The user did not allow the sign-in.', request.state);
}
