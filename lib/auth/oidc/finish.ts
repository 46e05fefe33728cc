/**
 * The callback of an OpenID Connect flow (GET /api/auth/oauth/<id>/callback; contract "Sign-in with
 * other providers and by email link"; checklist K66, K67).
 *
 * 1. The flow cookie must be ours, unexpired and for this provider (flow-cookie.ts).
 * 2. openid-client checks the authorization response (`state` equal to the cookie's, `iss` when
 *    sent), redeems the code with the PKCE verifier at the token endpoint (a replayed code is
 *    refused there) and verifies the ID token: signature by a key of the provider's JWKS, `iss`,
 *    `aud`, `exp`, `iat` and our `nonce`. We parse nothing of the protocol ourselves.
 * 3. The claims (and, when the ID token has no email, the userinfo response for the same subject)
 *    are validated with zod.
 * 4. Then the contract's account rules, in order: a linked subject signs in to its account; else an
 *    account with the same email is linked only when the provider says the email is verified AND
 *    the account's email is verified (checked again inside the atomic link), otherwise refused
 *    with a way forward (sign in with the password, then Connect on /account); else a new account
 *    without a password is created, verified as the provider says.
 * Every refusal writes nothing but an `oauth_refused` event (with a reason code for operators).
 */
import 'server-only';
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { UserRecord } from '@/db/store';
import { afterResponse } from '@/lib/background';
import type { AuthDeps } from '../deps';
import { deviceKey } from '../devices';
import { mailVerificationLink, resendAfterRefusedSignIn } from '../email-verification';
import { AuthError } from '../errors';
import { logSecurityEvents, recordSecurityEvent, securityEvent, type ClientContext } from '../events';
import { completeFirstFactor } from '../first-factor';
import type { Challenge } from '../second-factor';
import type { SignedIn } from '../register';
import { emailSchema } from '../validation';
import { openFlow, type OidcFlow } from './flow-cookie';
import type { OAuthErrorCode } from './messages';
import { findProvider, logProviderProblem, providerConfiguration, redirectUri } from './providers';

/** Why a callback did not sign in or connect: shown to the person as a sentence (see OAUTH_ERROR_MESSAGES). */
export type OidcRefusal = OAuthErrorCode;
export type OidcOutcome =
  | { kind: 'signed_in'; signedIn: SignedIn; next: string }
  /** Two-factor on: the browser goes to /login for the second step, carrying this challenge. */
  | { kind: 'two_factor_required'; challenge: Challenge; next: string }
  | { kind: 'connected' }
  | { kind: 'refused'; code: OidcRefusal; connect: boolean };

/** The person's part of what the provider said, validated. */
const claimsSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.string().optional(),
  // Some providers send "true"/"false" as strings; anything else counts as not verified.
  email_verified: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
  name: z.string().optional(),
});

interface Identity {
  subject: string;
  /** Normalised like every email we store; null when the provider gave none (or not a valid one). */
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

function identityOf(claims: unknown, extra: unknown = {}): Identity | null {
  const base = claimsSchema.safeParse(claims);
  if (!base.success) return null;
  const more = claimsSchema.partial().safeParse(extra);
  const merged = { ...base.data, ...(more.success ? Object.fromEntries(Object.entries(more.data).filter(([, v]) => v !== undefined)) : {}), sub: base.data.sub };
  const email = emailSchema.safeParse(merged.email ?? '');
  const name = merged.name?.trim().slice(0, 100) || null;
  return { subject: merged.sub, email: email.success ? email.data : null, emailVerified: email.success && merged.email_verified === true, name };
}

/** The error and its causes, outermost first (openid-client wraps oauth4webapi's errors). */
function causes(error: unknown): Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && chain.length < 4) {
    chain.push(current as Record<string, unknown>);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** A short reason code for the log and the `oauth_refused` event: the error's code and the claim or parameter at fault. */
function reasonOf(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) return `provider:${error.error}`;
  const chain = causes(error);
  const code = chain.map((e) => e.code).find((c) => typeof c === 'string') ?? (error instanceof Error ? error.name : 'unknown');
  const claim = chain.map((e) => e.claim).find((c) => typeof c === 'string');
  const message = chain.map((e) => (typeof e.message === 'string' ? e.message : '')).join(' ');
  const detail = claim ? `:${claim}` : /signature/i.test(message) ? ':signature' : /"state"/.test(message) ? ':state' : '';
  return `${String(code)}${detail}`.slice(0, 80);
}

/** Whether an error means the provider could not be reached (network, timeout), not that it said no. */
function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = 'code' in error ? String(error.code) : '';
  return error.name === 'TimeoutError' || error.name === 'AbortError' || code === 'OAUTH_TIMEOUT' || (error instanceof TypeError && /fetch failed/i.test(error.message));
}

interface CallbackInput {
  providerId: string;
  /** The callback request's query string (`?code=…&state=…&iss=…`). */
  search: string;
  /** The flow cookie's value this request carried, if any. */
  flowCookie: string | null;
  /** This browser's refresh cookie, ended by a successful sign-in (startSession). */
  previousRefreshToken: string | null;
}

/** Finishes a flow; never throws for anything the provider or the browser did (a refusal is a value). */
export async function finishOidcFlow(deps: AuthDeps, input: CallbackInput, client: ClientContext, now: number): Promise<OidcOutcome> {
  const { store, config } = deps;
  const flow = await openFlow(config.refreshTokenSecret, input.flowCookie, now);
  const connect = flow?.connect !== null && flow?.connect !== undefined;
  const refuse = async (code: OidcRefusal, reason: string, userId: string | null = null): Promise<OidcOutcome> => {
    await recordSecurityEvent(store, { type: 'oauth_refused', userId, client, detail: { provider: input.providerId.slice(0, 40), reason } }, now);
    return { kind: 'refused', code, connect };
  };

  const provider = findProvider(config, input.providerId);
  if (!provider || !flow || flow.provider !== provider.id) return refuse('oauth_failed', 'flow_cookie');

  let configuration: oidc.Configuration;
  try {
    configuration = await providerConfiguration(provider);
  } catch {
    return refuse('provider_unavailable', 'discovery_failed');
  }

  let identity: Identity | null;
  try {
    const currentUrl = new URL(redirectUri(config.appOrigin, provider.id));
    currentUrl.search = input.search;
    const tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    identity = identityOf(claims);
    if (identity && identity.email === null && tokens.access_token) {
      // Many providers put the email only in userinfo; it must be about the same subject.
      identity = identityOf(claims, await oidc.fetchUserInfo(configuration, tokens.access_token, identity.subject));
    }
  } catch (error) {
    const reason = reasonOf(error);
    logProviderProblem(provider.id, 'callback_refused', error);
    if (error instanceof oidc.AuthorizationResponseError && error.error === 'access_denied') return refuse('oauth_cancelled', reason);
    if (isUnreachable(error)) return refuse('provider_unavailable', reason);
    return refuse('oauth_failed', reason);
  }
  if (!identity) return refuse('oauth_failed', 'claims');

  return flow.connect ? connectIdentity(deps, provider.id, identity, flow.connect, client, now, refuse) : signInWithIdentity(deps, provider.id, identity, flow, input.previousRefreshToken, client, now, refuse);
}

type Refuse = (code: OidcRefusal, reason: string, userId?: string | null) => Promise<OidcOutcome>;

/** `Connect <Name>` on /account: link to the account whose session started the flow, if it is still signed in. */
async function connectIdentity(deps: AuthDeps, providerId: string, identity: Identity, asker: NonNullable<OidcFlow['connect']>, client: ClientContext, now: number, refuse: Refuse): Promise<OidcOutcome> {
  const { store } = deps;
  const found = await store.findSessionWithUser(asker.sessionId);
  const live = found && found.session.userId === asker.userId && found.session.revokedAt === null && now < found.session.expiresAt && now < found.session.absoluteExpiresAt;
  if (!live) return refuse('signed_out', 'session_ended');
  const event = securityEvent({ type: 'oauth_linked', userId: asker.userId, sessionId: asker.sessionId, client, detail: { provider: providerId, via: 'connect' } }, now);
  const result = await store.linkIdentity({ provider: providerId, subject: identity.subject, userId: asker.userId, email: identity.email, createdAt: now }, [event]);
  if (result === 'linked') {
    logSecurityEvents([event]);
    return { kind: 'connected' };
  }
  if (result === 'identity_taken') return refuse('oauth_identity_taken', 'identity_taken', asker.userId);
  if (result === 'provider_taken') return refuse('oauth_already_connected', 'provider_taken', asker.userId);
  return refuse('signed_out', 'no_user');
}

async function signInWithIdentity(deps: AuthDeps, providerId: string, identity: Identity, flow: OidcFlow, previous: string | null, client: ClientContext, now: number, refuse: Refuse): Promise<OidcOutcome> {
  const { store, config } = deps;
  const method = `oidc:${providerId}` as const;
  const linkedEvent = (userId: string, via: string) => securityEvent({ type: 'oauth_linked', userId, client, detail: { provider: providerId, via } }, now);

  let user: UserRecord | null = await store.findUserByIdentity(providerId, identity.subject);
  if (!user) {
    if (identity.email === null) return refuse('oauth_email_missing', 'no_email');
    const existing = await store.findCredentials({ email: identity.email });
    if (existing) {
      // Checklist K67: only a verified email on both sides links; otherwise whoever controls a
      // provider account with someone's address (unverified) would take over their account.
      if (!identity.emailVerified || existing.emailVerifiedAt === null) return refuse('oauth_account_exists', identity.emailVerified ? 'account_email_unverified' : 'provider_email_unverified', existing.id);
      const event = linkedEvent(existing.id, 'verified_email');
      const result = await store.linkIdentity({ provider: providerId, subject: identity.subject, userId: existing.id, email: identity.email, createdAt: now }, [event], identity.email);
      if (result === 'provider_taken') return refuse('oauth_account_exists', 'provider_taken', existing.id);
      if (result !== 'linked') return refuse('oauth_failed', `link_${result}`, existing.id);
      logSecurityEvents([event]);
      user = { id: existing.id, email: existing.email, name: existing.name, createdAt: existing.createdAt, emailVerifiedAt: existing.emailVerifiedAt };
    } else {
      const userId = crypto.randomUUID();
      const events = [securityEvent({ type: 'user_registered', userId, client, detail: { via: method } }, now), linkedEvent(userId, 'new_account')];
      user = await store.registerWithIdentity(
        { id: userId, email: identity.email, name: identity.name, emailVerifiedAt: identity.emailVerified ? now : null },
        { provider: providerId, subject: identity.subject, email: identity.email, createdAt: now },
        events,
        now,
      );
      // Taken meanwhile (a registration or another first sign-in won the race): nothing written.
      if (!user) return refuse('oauth_failed', 'account_race');
      logSecurityEvents(events);
      // The device that created the account is its first known device (no "new sign-in" mail).
      await store.rememberDevice(user.id, deviceKey(client), now);
      const created = user;
      if (created.emailVerifiedAt === null && !config.requireEmailVerification) afterResponse(() => mailVerificationLink(deps, created, client, now));
    }
  }
  if (config.requireEmailVerification && user.emailVerifiedAt === null) {
    await resendAfterRefusedSignIn(deps, user, client, now);
    return refuse('email_not_verified', 'email_not_verified', user.id);
  }
  try {
    const outcome = await completeFirstFactor(deps, user, method, client, now, previous);
    if (outcome.kind === 'two_factor_required') return { kind: 'two_factor_required', challenge: outcome.challenge, next: flow.next };
    return { kind: 'signed_in', signedIn: outcome.signedIn, next: flow.next };
  } catch (error) {
    if (error instanceof AuthError && error.code === 'rate_limited') return refuse('oauth_failed', 'rate_limited', user.id);
    throw error;
  }
}
