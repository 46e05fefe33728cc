/**
 * Notice mails to an account's owner (checklist O62): the password was changed or reset, a passkey
 * was added or removed, and a sign-in from a device the account has not used before. Sent after
 * the response.
 */
import 'server-only';
import type { UserRecord } from '@/db/store';
import { describeUserAgent } from '@/lib/user-agent';
import { newSignInMail, passkeyChangedMail, passwordChangedMail, recoveryCodeUsedMail, twoFactorChangedMail } from '@/lib/mail/messages';
import { sendAfterResponse } from '@/lib/mail/outbox';
import type { AuthDeps } from './deps';
import { deviceKey } from './devices';
import { logSecurityEvents, securityEvent, type ClientContext } from './events';

type NoticeDeps = Pick<AuthDeps, 'store' | 'config'>;

/** "Your password was changed" after a change on the account page. */
export function noticePasswordChanged({ store, config }: NoticeDeps, user: Pick<UserRecord, 'id' | 'email'>, client: ClientContext, now: number): void {
  const origin = config.appOrigin;
  sendAfterResponse({ store, config, userId: user.id, client }, passwordChangedMail(user.email, 'change', now, new URL('/account', origin).toString(), new URL('/forgot-password', origin).toString()));
}

/** "A passkey was added to / removed from your account", naming the passkey and the device that did it. */
export function noticePasskeyChanged({ store, config }: NoticeDeps, user: Pick<UserRecord, 'id' | 'email'>, change: 'added' | 'removed', passkeyName: string, client: ClientContext, now: number): void {
  sendAfterResponse(
    { store, config, userId: user.id, client },
    passkeyChangedMail(user.email, change, passkeyName, describeUserAgent(client.userAgent), now, new URL('/account', config.appOrigin).toString()),
  );
}

/**
 * Remembers the device of a sign-in and, when the account has signed in before but never from it,
 * mails "New sign-in to your account". The account's first device is news to nobody.
 */
export async function noticeIfNewDevice({ store, config }: NoticeDeps, user: Pick<UserRecord, 'id' | 'email'>, sessionId: string, client: ClientContext, now: number): Promise<void> {
  const sighting = await store.rememberDevice(user.id, deviceKey(client), now);
  if (sighting !== 'new') return;
  const event = securityEvent({ type: 'new_device_notified', userId: user.id, sessionId, client }, now);
  await store.addSecurityEvents([event]);
  logSecurityEvents([event]);
  sendAfterResponse({ store, config, userId: user.id, client }, newSignInMail(user.email, describeUserAgent(client.userAgent), client.ip, now, new URL('/account', config.appOrigin).toString()));
}

/** "Two-factor authentication was turned on/off". */
export function noticeTwoFactorChanged({ store, config }: NoticeDeps, user: Pick<UserRecord, 'id' | 'email'>, on: boolean, client: ClientContext, now: number): void {
  const origin = config.appOrigin;
  sendAfterResponse({ store, config, userId: user.id, client }, twoFactorChangedMail(user.email, on, now, new URL('/account', origin).toString(), new URL('/forgot-password', origin).toString()));
}

/** "A recovery code was used", saying how many are left. */
export function noticeRecoveryCodeUsed({ store, config }: NoticeDeps, user: Pick<UserRecord, 'id' | 'email'>, left: number, client: ClientContext, now: number): void {
  sendAfterResponse({ store, config, userId: user.id, client }, recoveryCodeUsedMail(user.email, left, now, new URL('/account', config.appOrigin).toString()));
}
