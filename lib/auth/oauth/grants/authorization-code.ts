/**
 * `grant_type=authorization_code` for native apps (RFC 6749 §4.1.3, RFC 7636 §4.5, RFC 8252):
 * `code`, `redirect_uri`, `client_id`, `code_verifier` in; a new session's tokens out.
 *
 * The code is redeemed in one atomic Store step: it is marked used whatever follows, and only
 * when the client, the exact redirect URI and the PKCE verifier all match is the session created
 * in that same step. A code presented a second time (by anyone) is refused, and the session its
 * first exchange created is revoked (RFC 6749 §4.1.2; checklist 68). Every refusal of a code
 * counts against the sender's IP with the shared limits (checklist 37).
 *
 * With a DPoP proof (RFC 9449 §5) the new session is bound to the proof's key: `token_type` is
 * `DPoP`, the access token carries `cnf.jkt`, and every refresh needs a fresh proof by that key.
 * The proof is checked before anything else and spent before the code is redeemed, so a replayed
 * proof leaves the code live for the client's own retry.
 */
import 'server-only';
import type { AuthorizationCodeRecord, CodeExchange } from '@/db/store';
import type { AuthDeps } from '../../deps';
import { logSecurityEvents, securityEvent, type ClientContext } from '../../events';
import { noticeIfNewDevice } from '../../notices';
import { issueTokens, newSession } from '../../session-tokens';
import { authorizationCodeId } from '../authorization-codes';
import { OAuthError } from '../errors';
import { spendTokenRequestProof, tokenRequestProof } from '../token-dpop';
import { findNativeClient } from '../native-clients';
import { CODE_VERIFIER, verifyCodeChallenge } from '../pkce';
import { nativeTokenResponse, type NativeTokenResponse } from '../token-response';
import type { TokenRequest } from '../token-request';
import { requiredParam } from '../token-request';

/** A code is 32 random bytes in base64url; anything else cannot be one of ours. */
const CODE = /^[A-Za-z0-9_-]{43}$/;

export async function authorizationCodeGrant(deps: AuthDeps, request: Request, token: TokenRequest, client: ClientContext, now: number): Promise<NativeTokenResponse> {
  const code = requiredParam(token, 'code');
  const redirectUri = requiredParam(token, 'redirect_uri');
  const clientId = requiredParam(token, 'client_id');
  const verifier = requiredParam(token, 'code_verifier');
  if (!CODE_VERIFIER.test(verifier)) throw new OAuthError('invalid_request', 'code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636).');
  const proof = await tokenRequestProof(deps.config, request, now);

  const refuse = async (error: OAuthError): Promise<never> => {
    await deps.limits.consumeIp(deps.store, deps.config, client, 'token', now);
    throw error;
  };
  const nativeClient = findNativeClient(deps.config.nativeClients, clientId);
  if (!nativeClient) return refuse(new OAuthError('invalid_client', 'Unknown client_id.'));
  if (!CODE.test(code)) return refuse(new OAuthError('invalid_grant'));
  if (proof) await spendTokenRequestProof(deps.store, proof, now);

  // Synchronous and pure: runs inside the Store's atomic step.
  const exchange = (record: AuthorizationCodeRecord): CodeExchange => {
    if (record.clientId !== nativeClient.clientId || record.redirectUri !== redirectUri || !verifyCodeChallenge(verifier, record.codeChallenge)) return null;
    const session = { ...newSession(deps.config, record.userId, record.method, client, now), id: record.sessionId, clientId: record.clientId, dpopJkt: proof?.jkt ?? null };
    const signedIn = securityEvent({ type: 'sign_in_succeeded', userId: record.userId, sessionId: record.sessionId, client, detail: { method: record.method, clientId: record.clientId } }, now);
    return { session, events: [signedIn] };
  };
  const replayEvent = securityEvent({ type: 'authorization_code_replayed', client, detail: { clientId } }, now);
  const redeemed = await deps.store.redeemAuthorizationCode(authorizationCodeId(code), now, exchange, { type: replayEvent.type, ip: replayEvent.ip, userAgent: replayEvent.userAgent, at: replayEvent.at, detail: replayEvent.detail });

  if (redeemed.outcome === 'replayed') {
    logSecurityEvents([{ ...replayEvent, userId: redeemed.code.userId, sessionId: redeemed.code.sessionId }]);
    return refuse(new OAuthError('invalid_grant', 'This authorization code was already used; the session it started has been ended.'));
  }
  if (redeemed.outcome !== 'redeemed') return refuse(new OAuthError('invalid_grant'));

  const session = await deps.store.findSession(redeemed.code.sessionId);
  if (!session) throw new OAuthError('invalid_grant');
  logSecurityEvents([securityEvent({ type: 'sign_in_succeeded', userId: session.userId, sessionId: session.id, client, detail: { method: session.method, clientId: nativeClient.clientId } }, now)]);
  const user = await deps.store.findUserById(session.userId);
  if (user) await noticeIfNewDevice(deps, user, session.id, client, now);
  return nativeTokenResponse(await issueTokens(session, 0, deps.config, deps.keys, now), now);
}
