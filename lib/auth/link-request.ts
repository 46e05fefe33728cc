/**
 * Asking for a mailed link by address (password reset, sign-in by email link): the one pattern
 * both follow, so they keep the same enumeration and rate-limit rules (checklist O60).
 *
 * The request's own path does the same work for every address: the per-IP limit and the
 * per-address limit (keyed by the address as typed, existing or not). Looking the account up,
 * issuing the link and sending the mail all happen after the response, so neither the answer nor
 * its timing depends on the account existing (tests/integration/password-reset.test.ts,
 * tests/integration/magic-link.test.ts).
 */
import 'server-only';
import type { OneTimeTokenKind } from '@/db/store';
import { afterResponse } from '@/lib/background';
import type { MailMessage } from '@/lib/mail/messages';
import { deliverOrRecord } from '@/lib/mail/outbox';
import type { AuthDeps } from './deps';
import { logSecurityEvents, securityEvent, type ClientContext, type SecurityEventType } from './events';
import { linkUrl, newLinkToken } from './link-tokens';

export interface LinkByMail {
  kind: OneTimeTokenKind;
  /** The rate-limit action name (`password_forgot`, `magic_link`). */
  action: string;
  /** The security event written when a link is issued. */
  requestedEvent: SecurityEventType;
  ttlMs: number;
  pathname: '/reset-password' | '/magic-link';
  mail: (to: string, url: string, ttlMs: number) => MailMessage;
  /** Sign-in links: the checked same-site path stored with the link (never in its URL). */
  next?: string;
}

/** Limits now; the lookup, the link and the mail after the response (nothing for an unknown address). */
export async function requestLinkByMail(deps: AuthDeps, email: string, link: LinkByMail, client: ClientContext, now: number): Promise<void> {
  const { store, config, limits } = deps;
  await limits.consumeIp(store, config, client, link.action, now);
  await limits.consumeMailbox(store, email, client, link.action, now);
  afterResponse(async () => {
    const found = await store.findCredentials({ email });
    if (!found) return;
    const user = { id: found.id, email: found.email };
    const { token, record } = newLinkToken(config.refreshTokenSecret, link.kind, user, now, link.ttlMs, link.next ?? null);
    const event = securityEvent({ type: link.requestedEvent, userId: user.id, client }, now);
    if (!(await store.issueOneTimeToken(record, [event]))) return;
    logSecurityEvents([event]);
    await deliverOrRecord({ store, config, userId: user.id, client }, link.mail(user.email, linkUrl(config.appOrigin, link.pathname, token), link.ttlMs));
  });
}
