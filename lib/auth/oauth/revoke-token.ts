/**
 * Token revocation for native apps (RFC 7009): `token`, optional `token_type_hint`, `client_id`.
 *
 * - A refresh token of the app's own session (any generation we issued, so a slightly stale copy
 *   still signs out) ends that session, recorded as `session_revoked` (`revoked_by_client`).
 * - An access token of the app's own session ends that session too: access tokens are
 *   self-contained and cannot be revoked one by one, and every protected API looks the session
 *   up, so ending it makes the token useless at once (RFC 7009 §2 leaves this to the server).
 * - Anything else (unknown, forged, expired, already revoked, another client's or a browser's
 *   token) is answered exactly like a success (RFC 7009 §2.2), so the endpoint tells nobody
 *   whether a token exists. Such tokens count against the sender's IP with the shared limits.
 * The hint is only a hint (§2.1): both kinds are tried.
 */
import 'server-only';
import type { SessionRecord } from '@/db/store';
import { authenticateToken } from '../authenticate';
import type { AuthDeps } from '../deps';
import type { ClientContext } from '../events';
import { sessionOfRefreshToken } from '../find-session';
import { looksLikeRefreshToken } from '../refresh-format';
import { revokeSession } from '../revoke';
import { OAuthError } from './errors';
import { findNativeClient } from './native-clients';
import { requiredParam } from './token-request';

/** Revokes what `token` names, if it belongs to `client_id`; resolves the same way whether or not it did. */
export async function revokeNativeToken(deps: AuthDeps, params: Map<string, string>, client: ClientContext, now: number): Promise<void> {
  const token = requiredParam({ params }, 'token');
  const clientId = requiredParam({ params }, 'client_id');
  const hint = params.get('token_type_hint');
  if (hint !== undefined && hint !== 'refresh_token' && hint !== 'access_token') throw new OAuthError('unsupported_token_type', 'token_type_hint must be refresh_token or access_token.');
  if (!findNativeClient(deps.config.nativeClients, clientId)) {
    await deps.limits.consumeIp(deps.store, deps.config, client, 'revoke', now);
    throw new OAuthError('invalid_client', 'Unknown client_id.');
  }
  let session: SessionRecord | null = null;
  if (looksLikeRefreshToken(token)) session = await sessionOfRefreshToken(deps.store, deps.config, token);
  else if (token.length <= 4096) session = (await authenticateToken(deps.store, token, now))?.session ?? null;
  if (!session || session.clientId !== clientId) {
    await deps.limits.consumeIp(deps.store, deps.config, client, 'revoke', now);
    return;
  }
  await revokeSession(deps.store, session, 'revoked_by_client', client, now, { clientId });
}
