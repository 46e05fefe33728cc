/**
 * `grant_type=refresh_token` for native apps (RFC 6749 §6): `refresh_token` and `client_id` in,
 * the rotated pair out. The very same rotation, grace window and reuse rule as the browser's
 * refresh cookie (lib/auth/refresh.ts renewSession: one implementation), with the token bound to
 * its client: one issued to another app, or to a browser, is refused like an unknown one.
 * A session bound to a DPoP key (RFC 9449 §5) renews only with a fresh proof by that key: without
 * one, with another key's or with a replayed one the grant is `invalid_grant`, and nothing changes.
 */
import 'server-only';
import type { AuthDeps } from '../../deps';
import type { ClientContext } from '../../events';
import { renewSession } from '../../refresh';
import { OAuthError } from '../errors';
import { tokenRequestProof } from '../token-dpop';
import { findNativeClient } from '../native-clients';
import { nativeTokenResponse, type NativeTokenResponse } from '../token-response';
import { requiredParam, type TokenRequest } from '../token-request';

export async function refreshTokenGrant(deps: AuthDeps, request: Request, token: TokenRequest, client: ClientContext, now: number): Promise<NativeTokenResponse> {
  const refreshToken = requiredParam(token, 'refresh_token');
  const clientId = requiredParam(token, 'client_id');
  if ((token.params.get('scope') ?? '') !== '') throw new OAuthError('invalid_scope', 'This server issues no scopes.');
  if (!findNativeClient(deps.config.nativeClients, clientId)) {
    await deps.limits.consumeIp(deps.store, deps.config, client, 'token', now);
    throw new OAuthError('invalid_client', 'Unknown client_id.');
  }
  // A malformed or stale proof is `invalid_dpop_proof` here; whether the session needs one, and
  // spending it, is renewSession's.
  const proof = await tokenRequestProof(deps.config, request, now);
  // renewSession counts a refused token against the IP (429 once over the limit).
  const tokens = await renewSession(deps, refreshToken, client, now, clientId, proof);
  if (!tokens) throw new OAuthError('invalid_grant');
  return nativeTokenResponse(tokens, now);
}
