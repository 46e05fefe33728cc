/**
 * The configured OpenID Connect providers and their discovered metadata (openid-client 6).
 *
 * Discovery runs on first use of a provider, with a timeout, and its result is kept for the life
 * of the process (with openid-client's JWKS cache inside it). A failed discovery is not kept, so
 * the next sign-in tries again; meanwhile the caller answers `provider_unavailable` (a page that
 * says so, or 503 JSON), never a stack trace.
 *
 * ID token signatures are verified with the provider's JWKS (enableNonRepudiationChecks).
 * Plain http is allowed only for an issuer on the loopback interface (tests, a local IdP), as the
 * configuration already insists; everything else is https only (openid-client's default).
 */
import 'server-only';
import * as client from 'openid-client';
import { isLoopbackHost, type Config, type OidcProviderConfig } from '@/lib/config';
import { AuthError } from '../errors';

/** Seconds a discovery, token or userinfo request may take before the provider counts as down. */
const PROVIDER_TIMEOUT_S = 8;

const CACHE = Symbol.for('next-token-auth.oidc-configurations');
type Cache = Map<string, Promise<client.Configuration>>;
const cache: Cache = ((globalThis as Record<symbol, unknown>)[CACHE] as Cache | undefined) ?? new Map();
(globalThis as Record<symbol, unknown>)[CACHE] = cache;

/** The provider with that id, or null (an unknown id in a URL is a 404). */
export function findProvider(config: Pick<Config, 'oidcProviders'>, id: string): OidcProviderConfig | null {
  return config.oidcProviders.find((provider) => provider.id === id) ?? null;
}

/** The exact redirect URI registered with every provider: `<APP_ORIGIN>/api/auth/oauth/<id>/callback`. */
export function redirectUri(appOrigin: string, providerId: string): string {
  return new URL(`/api/auth/oauth/${encodeURIComponent(providerId)}/callback`, appOrigin).toString();
}

/** The provider's discovered configuration (cached); throws 503 `provider_unavailable` when it cannot be reached. */
export async function providerConfiguration(provider: OidcProviderConfig): Promise<client.Configuration> {
  const key = `${provider.id}|${provider.issuer}|${provider.clientId}`;
  let found = cache.get(key);
  if (!found) {
    const issuer = new URL(provider.issuer);
    const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
    found = client.discovery(issuer, provider.clientId, { client_secret: provider.clientSecret }, client.ClientSecretBasic(provider.clientSecret), {
      timeout: PROVIDER_TIMEOUT_S,
      // The ID token's signature is checked against the provider's JWKS (checklist K66), not only
      // trusted for arriving over TLS from the token endpoint, which openid-client allows by default.
      execute: insecure ? [client.enableNonRepudiationChecks, client.allowInsecureRequests] : [client.enableNonRepudiationChecks],
    });
    cache.set(key, found);
    // A failure is not kept: the next attempt discovers again.
    found.catch(() => cache.delete(key));
  }
  try {
    return await found;
  } catch (cause) {
    logProviderProblem(provider.id, 'discovery_failed', cause);
    throw new AuthError('provider_unavailable', { cause });
  }
}

/** One warn line naming the provider and the error's class and code (never a token or a secret). */
export function logProviderProblem(providerId: string, event: string, error: unknown): void {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  console.warn(JSON.stringify({ level: 'warn', event: `oidc_${event}`, provider: providerId, kind: error instanceof Error ? error.name : typeof error, code, at: new Date().toISOString() }));
}
