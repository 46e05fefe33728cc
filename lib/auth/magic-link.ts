/**
 * Sign-in by email link (contract "Sign-in with other providers and by email link"; checklist
 * O59–O61).
 *
 * Requesting one (POST /api/auth/magic-link) follows the password-reset rules exactly (one helper,
 * lib/auth/link-request.ts): 202 with one fixed body for every address, limits per IP and per
 * address, the lookup and the mail after the response; an unknown address gets no mail and no
 * account.
 *
 * Using one takes a POST (the `Sign in` button of /magic-link): a GET of the link, as mail
 * scanners and link previews do, only shows the page. The POST spends the link atomically (of two
 * racing uses one wins), marks the address verified (the link proved the mailbox, so it also
 * satisfies REQUIRE_EMAIL_VERIFICATION) and signs in through completeFirstFactor, so an account
 * with a second factor still needs it. A newer link supersedes older ones; a password change or
 * reset kills them all (Store.changePassword / resetPassword delete every link of the account).
 *
 * Where to land afterwards (/login's `?next=`, e.g. the /authorize consent page of a native app)
 * is checked when the link is requested (safeNextPath: a same-site path, anything else becomes
 * /dashboard) and stored with the link's row, not put in its URL: the mailed link stays
 * `/magic-link?token=…`, and nobody who sees or edits that URL can point the sign-in elsewhere.
 * It is checked again on the way out, and handed to the `Sign in` button, which goes there (or to
 * the second step, which goes there after the code).
 */
import 'server-only';
import { signInLinkMail } from '@/lib/mail/messages';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { logSecurityEvents, securityEvent, unattributed, type ClientContext } from './events';
import { completeFirstFactor } from './first-factor';
import { requestLinkByMail } from './link-request';
import { linkTokenId } from './link-tokens';
import { safeNextPath } from './redirects';
import type { FirstStepOutcome } from './second-factor';

/** A used sign-in link: signed in or asked for the second step, and where to go afterwards. */
export type SignInLinkOutcome = FirstStepOutcome & { next: string };

/** The one answer to every sign-in-link request that passes the limits. */
export const SIGN_IN_LINK_MESSAGE = 'If an account uses this email address, we have sent it a sign-in link. Check your inbox.';

/**
 * POST /api/auth/magic-link: limits now; the lookup and the mail after the response. `next` that
 * is not a same-site path is dropped (the link lands on /dashboard), as /login and the provider
 * sign-in do.
 */
export async function requestSignInLink(deps: AuthDeps, email: string, next: string | undefined, client: ClientContext, now: number): Promise<void> {
  await requestLinkByMail(
    deps,
    email,
    {
      kind: 'magic_link',
      action: 'magic_link',
      requestedEvent: 'magic_link_requested',
      ttlMs: deps.config.magicLinkTtlMs,
      pathname: '/magic-link',
      mail: signInLinkMail,
      next: safeNextPath(next),
    },
    client,
    now,
  );
}

/** Whether a sign-in link is live now, looked up without using it (the /magic-link page). */
export async function isLiveSignInLink({ store, config }: Pick<AuthDeps, 'store' | 'config'>, token: string, now: number): Promise<boolean> {
  const id = linkTokenId(config.refreshTokenSecret, 'magic_link', token);
  return id !== null && (await store.findOneTimeToken(id, 'magic_link', now)) !== null;
}

/**
 * POST /api/auth/magic-link/sign-in: spends the link and signs in (or, two-factor on, hands out
 * the second step's challenge), with the link's `next`. 400 `invalid_token` for a link
 * that is malformed, unknown, used, expired or superseded.
 */
export async function signInWithLink(deps: AuthDeps, token: string, client: ClientContext, now: number, previousRefreshToken: string | null): Promise<SignInLinkOutcome> {
  const { store, config, limits } = deps;
  await limits.consumeIp(store, config, client, 'magic_link_sign_in', now);
  const id = linkTokenId(config.refreshTokenSecret, 'magic_link', token);
  const verified = unattributed(securityEvent({ type: 'email_verified', client, detail: { via: 'magic_link' } }, now));
  // Read before the use: a row's `next` never changes, and the use below (compare-and-set) is what
  // decides whether this press wins; a press that loses gets invalid_token whatever it read.
  const live = id === null ? null : await store.findOneTimeToken(id, 'magic_link', now);
  const user = id === null || live === null ? null : await store.consumeSignInLink(id, now, []);
  if (user === null || live === null) throw new AuthError('invalid_token');
  // Recorded only when this link is what verified the address.
  if (user.emailVerifiedAt === now) {
    const event = { ...verified, userId: user.id };
    await store.addSecurityEvents([event]);
    logSecurityEvents([event]);
  }
  const outcome = await completeFirstFactor(deps, user, 'magic_link', client, now, previousRefreshToken);
  // Checked again on the way out (rows written before this column have none: /dashboard).
  return { ...outcome, next: safeNextPath(live.next) };
}
