/**
 * Authenticating a machine client's certificate-bound access token (RFC 8705 §3), on the routes
 * that opt in. The token alone is not enough: the same request must carry, through the trusted
 * proxy, the certificate whose SHA-256 thumbprint the token's `cnf.x5t#S256` names, and that
 * certificate must still map to the token's client in MTLS_CLIENTS (so removing a client from the
 * configuration refuses its live tokens at the next restart).
 */
import 'server-only';
import type { MtlsClient } from '@/lib/config';
import type { AuthDeps } from './deps';
import { verifyClientToken, type ClientClaims } from './client-token';
import { forwardedClientCertificate } from './mtls/client-certificate';
import { clientForCertificate } from './mtls/clients';

export interface ClientCaller {
  kind: 'client';
  client: MtlsClient;
  claims: ClientClaims;
}

export async function authenticateClient(deps: Pick<AuthDeps, 'config' | 'keys'>, request: Request, token: string, now: number): Promise<ClientCaller | null> {
  const claims = await verifyClientToken(token, deps.keys, now);
  if (!claims) return null;
  const certificate = forwardedClientCertificate(request.headers, deps.config, now);
  if (!certificate || certificate.thumbprint !== claims.cnf['x5t#S256']) return null;
  const client = clientForCertificate(certificate, deps.config.mtlsClients);
  if (!client || client.clientId !== claims.client_id) return null;
  return { kind: 'client', client, claims };
}
