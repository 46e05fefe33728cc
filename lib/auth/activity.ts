/**
 * "Recent activity" on the account page: a user's own security events in plain words.
 * Only event types that tell the user something about their account are shown.
 */
import 'server-only';
import { z } from 'zod';
import type { Store } from '@/db/store';
import { describeUserAgent } from '@/lib/user-agent';
import type { SecurityEventType } from './events';

const SHOWN: readonly SecurityEventType[] = [
  'user_registered',
  'sign_in_succeeded',
  'sign_in_failed',
  'session_revoked',
  'refresh_token_reused',
  'password_changed',
  'password_reset_requested',
  'password_reset',
  'email_verification_sent',
  'email_verified',
  'new_device_notified',
  'mail_failed',
  'two_factor_enabled',
  'two_factor_disabled',
  'recovery_code_used',
  'passkey_added',
  'passkey_removed',
  'passkey_counter_regressed',
  'api_key_created',
  'api_key_used_from_new_ip',
  'api_key_revoked',
  'magic_link_requested',
  'oauth_linked',
  'oauth_unlinked',
  'oauth_refused',
  'authorization_code_replayed',
];

const REVOKED_BECAUSE: Record<string, string> = {
  logout: 'Signed out',
  logout_all: 'Signed out everywhere',
  logout_others: 'Session ended by “Sign out of other sessions”',
  revoked_by_user: 'Session revoked',
  password_changed: 'Session ended by a password change',
  signed_in_again: 'Session ended by signing in again on the same device',
  password_reset: 'Session ended by a password reset',
  revoked_by_client: 'Signed out in an app',
};

const MAIL_NAMES: Record<string, string> = {
  password_reset: 'password-reset email',
  email_verification: 'verification email',
  password_changed: '“password changed” email',
  new_sign_in: '“new sign-in” email',
  registration_attempt: 'email about a sign-up attempt',
  two_factor_enabled: '“two-factor turned on” email',
  two_factor_disabled: '“two-factor turned off” email',
  recovery_code_used: '“recovery code used” email',
  passkey_added: '“passkey added” email',
  passkey_removed: '“passkey removed” email',
  magic_link: 'sign-in link email',
};

const detailSchema = z.object({ reason: z.string().optional(), mail: z.string().optional(), name: z.string().optional(), provider: z.string().optional() });

/** A field recorded with an event, if its detail (our own JSON) has it. */
function detailOf(detail: string | null, field: 'reason' | 'mail' | 'name' | 'provider'): string | undefined {
  if (detail === null) return undefined;
  try {
    const parsed = detailSchema.safeParse(JSON.parse(detail));
    return parsed.success ? parsed.data[field] : undefined;
  } catch {
    return undefined;
  }
}

const reasonOf = (detail: string | null) => detailOf(detail, 'reason');

function describe(type: string, detail: string | null): string {
  switch (type) {
    case 'user_registered':
      return 'Account created';
    case 'sign_in_succeeded':
      return 'Signed in';
    case 'sign_in_failed':
      if (reasonOf(detail) === 'email_not_verified') return 'Sign-in refused until the email is verified';
      return reasonOf(detail) === 'wrong_code' ? 'Failed sign-in attempt: wrong two-factor code' : 'Failed sign-in attempt';
    case 'two_factor_enabled':
      return 'Two-factor authentication turned on';
    case 'two_factor_disabled':
      return 'Two-factor authentication turned off';
    case 'recovery_code_used':
      return 'Recovery code used';
    case 'authorization_code_replayed':
      return 'An app’s sign-in code was used twice; the app’s session was ended';
    case 'refresh_token_reused':
      return 'A used sign-in token was presented again; that session was ended';
    case 'password_changed':
      return 'Password changed';
    case 'password_reset_requested':
      return 'Password reset requested';
    case 'magic_link_requested':
      return 'Sign-in link requested';
    case 'oauth_linked':
      return `Connected ${detailOf(detail, 'provider') ?? 'a provider'}`;
    case 'oauth_unlinked':
      return `Disconnected ${detailOf(detail, 'provider') ?? 'a provider'}`;
    case 'oauth_refused':
      return `Sign-in with ${detailOf(detail, 'provider') ?? 'a provider'} refused`;
    case 'password_reset':
      return 'Password reset with an emailed link';
    case 'email_verification_sent':
      return 'Verification email sent';
    case 'email_verified':
      return 'Email address verified';
    case 'new_device_notified':
      return 'Signed in from a new device (you were sent an email)';
    case 'mail_failed':
      return `Could not send the ${MAIL_NAMES[detailOf(detail, 'mail') ?? ''] ?? 'email'}`;
    case 'passkey_added':
      return 'Passkey added';
    case 'passkey_removed':
      return 'Passkey removed';
    case 'passkey_counter_regressed':
      return 'A passkey sign-in was refused: the passkey may have been copied';
    case 'api_key_created':
      return `API key “${detailOf(detail, 'name') ?? ''}” created`;
    case 'api_key_used_from_new_ip':
      return `API key “${detailOf(detail, 'name') ?? ''}” used from a new IP address`;
    case 'api_key_revoked':
      return `API key “${detailOf(detail, 'name') ?? ''}” revoked`;
    case 'session_revoked':
      return REVOKED_BECAUSE[reasonOf(detail) ?? ''] ?? 'Session ended';
    default:
      return 'Security event';
  }
}

export interface ActivityItem {
  id: number;
  /** What happened, in words. */
  label: string;
  at: number;
  /** The device that made the request, e.g. "Firefox 121 on Windows". */
  device: string;
  ip: string | null;
}

/** A user's most recent security events, newest first. */
export async function recentActivity(store: Store, userId: string, limit = 15): Promise<ActivityItem[]> {
  return (await store.listSecurityEvents(userId, SHOWN, limit)).map((event) => ({
    id: event.id,
    label: describe(event.type, event.detail),
    at: event.at,
    device: describeUserAgent(event.userAgent),
    ip: event.ip,
  }));
}
