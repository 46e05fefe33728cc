/**
 * Starting an OpenID Connect flow (checklist K66): authorization code with PKCE (S256), a fresh
 * `state` and `nonce`, all three kept only in the sealed flow cookie of this browser
 * (flow-cookie.ts), and the exact redirect URI `<APP_ORIGIN>/api/auth/oauth/<id>/callback`.
 */
import 'server-only';
import * as client from 'openid-client';
import type { AuthDeps } from '../deps';
import { AuthError } from '../errors';
import { safeNextPath } from '../redirects';
import { sealFlow } from './flow-cookie';
import { findProvider, providerConfiguration, redirectUri } from './providers';

/** Sign in (then go to `next`), or connect the provider to the signed-in account and session. */
export type FlowIntent = { kind: 'sign_in'; next: string | null } | { kind: 'connect'; userId: string; sessionId: string };

export interface StartedFlow {
  /** The provider's authorization URL to send the browser to. */
  url: string;
  /** The sealed flow cookie's value. */
  cookie: string;
}

/** 404 `not_found` for an unknown provider; 503 `provider_unavailable` when its discovery fails. */
export async function startOidcFlow({ config }: Pick<AuthDeps, 'config'>, providerId: string, intent: FlowIntent, now: number): Promise<StartedFlow> {
  const provider = findProvider(config, providerId);
  if (!provider) throw new AuthError('not_found');
  const configuration = await providerConfiguration(provider);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: redirectUri(config.appOrigin, provider.id),
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const cookie = await sealFlow(
    config.refreshTokenSecret,
    {
      provider: provider.id,
      state,
      nonce,
      verifier,
      next: intent.kind === 'sign_in' ? safeNextPath(intent.next) : '/account',
      connect: intent.kind === 'connect' ? { userId: intent.userId, sessionId: intent.sessionId } : null,
    },
    now,
  );
  return { url: url.toString(), cookie };
}
