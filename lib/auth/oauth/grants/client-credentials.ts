/**
 * `grant_type=client_credentials` for machine clients authenticated by their TLS client
 * certificate (RFC 6749 §4.4, RFC 8705 §2.1 and §3). The certificate reaches us only through the
 * trusted proxy's header (lib/auth/mtls/client-certificate.ts); MTLS_CLIENTS maps it to a client.
 * The access token is bound to that certificate (`cnf.x5t#S256`): presented with any other
 * certificate, or none, it is refused. No refresh token (RFC 6749 §4.4.3): the client simply asks
 * again with its certificate.
 */
import 'server-only';
import type { AuthDeps } from '../../deps';
import { signClientToken } from '../../client-token';
import { logSecurityEvents, securityEvent, type ClientContext } from '../../events';
import { forwardedClientCertificate } from '../../mtls/client-certificate';
import { clientForCertificate } from '../../mtls/clients';
import { OAuthError } from '../errors';
import type { TokenRequest } from '../token-request';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export async function clientCredentialsGrant(deps: AuthDeps, request: Request, token: TokenRequest, client: ClientContext, now: number): Promise<TokenResponse> {
  const certificate = forwardedClientCertificate(request.headers, deps.config, now);
  const machine = certificate ? clientForCertificate(certificate, deps.config.mtlsClients) : null;
  const claimedId = token.params.get('client_id');
  if (!certificate || !machine || (claimedId !== undefined && claimedId !== machine.clientId)) {
    // A failed client authentication costs the sender's IP an attempt, as a failed sign-in does.
    await deps.limits.consumeIp(deps.store, deps.config, client, 'client_credentials', now);
    throw new OAuthError('invalid_client', 'A client certificate registered for this client is required (mutual TLS).');
  }
  if ((token.params.get('scope') ?? '') !== '') throw new OAuthError('invalid_scope', 'This server issues no scopes to machine clients.');
  const issued = signClientToken(machine.clientId, certificate.thumbprint, deps.keys, now);
  // A log line, not a stored event: a busy client asks every few minutes, and a stored row per
  // token would grow the table with nothing a user can act on.
  logSecurityEvents([securityEvent({ type: 'client_token_issued', client, detail: { clientId: machine.clientId } }, now)]);
  return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn };
}
