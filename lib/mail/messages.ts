/**
 * The mails the app sends, as plain text (always) and simple HTML. Every link is absolute on
 * APP_ORIGIN. No mail carries a password, an access token or a refresh token; only the link mails
 * carry a one-time link token, inside their link.
 */
import { formatDuration } from '@/lib/duration';

export type MailKind =
  | 'password_reset'
  | 'email_verification'
  | 'password_changed'
  | 'new_sign_in'
  | 'registration_attempt'
  | 'two_factor_enabled'
  | 'two_factor_disabled'
  | 'recovery_code_used'
  | 'passkey_added'
  | 'passkey_removed'
  | 'magic_link';

export interface MailMessage {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The links in the mail (for the development log line). */
  links: string[];
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function compose(kind: MailKind, to: string, subject: string, paragraphs: string[], action?: { label: string; url: string }, extraLinks: string[] = []): MailMessage {
  const textParts = [...paragraphs];
  if (action) textParts.splice(1, 0, `${action.label}:\n${action.url}`);
  const text = `${textParts.join('\n\n')}\n`;
  const htmlParagraphs = paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`);
  if (action) htmlParagraphs.splice(1, 0, `<p><a href="${escapeHtml(action.url)}">${escapeHtml(action.label)}</a></p>`);
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">${htmlParagraphs.join('')}</body></html>`;
  return { kind, to, subject, text, html, links: [...(action ? [action.url] : []), ...extraLinks] };
}

/** "Reset your password": the link to /reset-password. */
export function passwordResetMail(to: string, url: string, ttlMs: number): MailMessage {
  return compose(
    'password_reset',
    to,
    'Reset your password',
    [
      'Someone (hopefully you) asked to reset the password of your account.',
      `The link works once and for ${formatDuration(ttlMs)}. If you did not ask for it, ignore this mail: your password stays as it is.`,
    ],
    { label: 'Choose a new password', url },
  );
}

/** "Your sign-in link": the link to /magic-link, whose page signs in with one button press. */
export function signInLinkMail(to: string, url: string, ttlMs: number): MailMessage {
  return compose(
    'magic_link',
    to,
    'Your sign-in link',
    [
      'Someone (hopefully you) asked for a link to sign in to your account without a password.',
      `The link works once and for ${formatDuration(ttlMs)}. If you did not ask for it, ignore this mail: nobody can sign in without opening it.`,
    ],
    { label: 'Sign in', url },
  );
}

/** "Verify your email": the link to /verify-email. */
export function verificationMail(to: string, url: string, ttlMs: number): MailMessage {
  return compose(
    'email_verification',
    to,
    'Verify your email',
    ['Please confirm that this is your email address.', `The link works once and for ${formatDuration(ttlMs)}. If you did not create an account, ignore this mail.`],
    { label: 'Verify your email', url },
  );
}

/** "Your password was changed": after a change on the account page or a reset by link. */
export function passwordChangedMail(to: string, how: 'change' | 'reset', at: number, accountUrl: string, forgotUrl: string): MailMessage {
  return compose(
    'password_changed',
    to,
    'Your password was changed',
    [
      `The password of your account was ${how === 'reset' ? 'reset with a link sent to this address' : 'changed'} on ${new Date(at).toUTCString()}.`,
      how === 'reset' ? 'Every device that was signed in has been signed out.' : 'Every other device that was signed in has been signed out.',
      `If this was not you, reset your password at once: ${forgotUrl}`,
    ],
    { label: 'Review your account', url: accountUrl },
    [forgotUrl],
  );
}

/** "New sign-in to your account": a device (user-agent family and network) the account had not used. */
export function newSignInMail(to: string, device: string, ip: string | null, at: number, accountUrl: string): MailMessage {
  return compose(
    'new_sign_in',
    to,
    'New sign-in to your account',
    [
      `Your account was signed in to from a new device: ${device}${ip ? ` (IP address ${ip})` : ''}, on ${new Date(at).toUTCString()}.`,
      'If this was you, there is nothing to do. If not, sign that session out on your account page and change your password.',
    ],
    { label: 'Review your sessions', url: accountUrl },
  );
}

/** "Someone tried to create an account": a registration with a taken address while REQUIRE_EMAIL_VERIFICATION is on. */
export function registrationAttemptMail(to: string, loginUrl: string, forgotUrl: string): MailMessage {
  return compose(
    'registration_attempt',
    to,
    'Someone tried to create an account with your email',
    [
      'Someone tried to create an account with this email address, which already has one.',
      `If it was you, sign in instead, or reset your password if you forgot it: ${forgotUrl}`,
      'If not, you can ignore this mail: nothing changed.',
    ],
    { label: 'Sign in', url: loginUrl },
    [forgotUrl],
  );
}

/** "Two-factor authentication was turned on" / "… turned off": a change to how the account signs in. */
export function twoFactorChangedMail(to: string, on: boolean, at: number, accountUrl: string, forgotUrl: string): MailMessage {
  return compose(
    on ? 'two_factor_enabled' : 'two_factor_disabled',
    to,
    on ? 'Two-factor authentication was turned on' : 'Two-factor authentication was turned off',
    [
      on
        ? `Two-factor authentication was turned on for your account on ${new Date(at).toUTCString()}. Signing in now needs a code from your authenticator app (or a recovery code) after the password.`
        : `Two-factor authentication was turned off for your account on ${new Date(at).toUTCString()}. Signing in now needs only the password.`,
      `If this was not you, reset your password at once (${forgotUrl}) and review your account's sessions.`,
    ],
    { label: 'Review your account', url: accountUrl },
    [forgotUrl],
  );
}

/** "A recovery code was used": one of the single-use codes signed in or turned two-factor off. */
export function recoveryCodeUsedMail(to: string, left: number, at: number, accountUrl: string): MailMessage {
  return compose(
    'recovery_code_used',
    to,
    'A recovery code was used',
    [
      `A recovery code of your account was used on ${new Date(at).toUTCString()}. Each code works once; ${left === 1 ? '1 code is' : `${left} codes are`} left.`,
      'If this was not you, someone has your password and a recovery code: change your password and turn two-factor authentication off and on again for new codes.',
    ],
    { label: 'Review your account', url: accountUrl },
  );
}

/** "A passkey was added to your account" / "… removed from …": after a change on the account page. */
export function passkeyChangedMail(to: string, change: 'added' | 'removed', passkeyName: string, device: string, at: number, accountUrl: string): MailMessage {
  const added = change === 'added';
  return compose(
    added ? 'passkey_added' : 'passkey_removed',
    to,
    added ? 'A passkey was added to your account' : 'A passkey was removed from your account',
    [
      `The passkey “${passkeyName}” was ${added ? 'added to' : 'removed from'} your account from ${device}, on ${new Date(at).toUTCString()}.`,
      added
        ? 'It can now sign in to your account without a password. If this was not you, remove it on your account page, sign out of other sessions and change your password.'
        : 'It can no longer sign in to your account. If this was not you, sign out of other sessions on your account page and change your password.',
    ],
    { label: 'Review your passkeys', url: accountUrl },
  );
}
