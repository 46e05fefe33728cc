/**
 * DPoP at the token endpoint (RFC 9449 §5): a token request may carry a `DPoP` proof for
 * `POST <APP_ORIGIN>/api/auth/token` (no `ath`: there is no access token yet). With one, the grant
 * binds what it issues to the proof's key: `"token_type":"DPoP"`, an access token with `cnf.jkt`,
 * and a session (refresh token family) that will take later refreshes only with a fresh proof by
 * that key. A proof that is present but wrong is an error (`invalid_dpop_proof`), never ignored.
 */
import 'server-only';
import type { Store } from '@/db/store';
import type { Config } from '@/lib/config';
import { checkDpopProof, dpopHeader, spendDpopProof, type DpopProof } from '../dpop';
import { OAuthError } from './errors';

/** The token endpoint's path: the `htu` of every token request's proof is APP_ORIGIN plus this. */
export const TOKEN_ENDPOINT_PATH = '/api/auth/token';

/**
 * The token request's checked proof, or null when it carries no `DPoP` header. Pure (writes
 * nothing): the grant spends the proof (`spendTokenRequestProof`) once the grant itself checks out.
 */
export async function tokenRequestProof(config: Pick<Config, 'appOrigin'>, request: Request, now: number): Promise<DpopProof | null> {
  const header = dpopHeader(request.headers);
  if (header === null) return null;
  const checked = await checkDpopProof(header, { method: 'POST', url: `${new URL(config.appOrigin).origin}${TOKEN_ENDPOINT_PATH}` }, now);
  if (!checked.ok) throw new OAuthError('invalid_dpop_proof');
  return checked.proof;
}

/** Spends a token request's proof; a replayed one is `invalid_dpop_proof`. */
export async function spendTokenRequestProof(store: Pick<Store, 'useDpopProof'>, proof: DpopProof, now: number): Promise<void> {
  if (!(await spendDpopProof(store, proof, now))) throw new OAuthError('invalid_dpop_proof', 'This DPoP proof was already used: send a new one with every request.');
}
