/**
 * Sending mail after the response: a slow or failed mail server never slows or fails a request.
 * A failed delivery is logged (codes only) and recorded as a `mail_failed` security event, so the
 * owner sees it under "Recent activity" and an operator can alert on it.
 */
import 'server-only';
import type { Store } from '@/db/store';
import { recordSecurityEvent, type ClientContext } from '@/lib/auth/events';
import { afterResponse } from '@/lib/background';
import type { MailMessage } from './messages';
import { deliverMail, mailFailure, type MailConfig } from './send';

export interface MailContext {
  store: Store;
  config: MailConfig;
  /** The account the mail is about (for the failure event). */
  userId: string | null;
  client: ClientContext;
}

/** Delivers now; a failure is logged and recorded, never thrown. */
export async function deliverOrRecord(context: MailContext, message: MailMessage): Promise<void> {
  try {
    await deliverMail(context.config, message);
  } catch (error) {
    const failure = mailFailure(error);
    console.error(JSON.stringify({ level: 'error', event: 'mail_failed', at: new Date().toISOString(), mail: message.kind, userId: context.userId, ...failure }));
    await recordSecurityEvent(context.store, { type: 'mail_failed', userId: context.userId, client: context.client, detail: { mail: message.kind, code: failure.code } }, Date.now());
  }
}

/** Sends a mail once the response is on its way. */
export function sendAfterResponse(context: MailContext, message: MailMessage): void {
  afterResponse(() => deliverOrRecord(context, message));
}
