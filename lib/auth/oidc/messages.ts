/**
 * What the pages say after an OpenID Connect callback that did not sign in or connect: the code
 * travels in the URL (`?oauth_error=<code>`), the sentence is fixed here. Client-safe.
 */
export const OAUTH_ERROR_MESSAGES = {
  oauth_failed: 'Signing in with the provider did not work. Please try again.',
  oauth_cancelled: 'Sign-in with the provider was cancelled.',
  oauth_email_missing: 'The provider did not share an email address, which we need to sign you in.',
  oauth_account_exists:
    'An account already uses this email address. Sign in with your password (or an email link), then connect the provider under Connected accounts on your account page.',
  oauth_identity_taken: 'This provider account is already connected to another account.',
  oauth_already_connected: 'Your account is already connected to another account of this provider. Disconnect it first.',
  email_not_verified: 'Please verify your email address first. We have sent you a link.',
  provider_unavailable: 'The sign-in provider cannot be reached right now. Please try again shortly, or sign in another way.',
  signed_out: 'Your session ended before the provider answered. Sign in and try again.',
} as const;

export type OAuthErrorCode = keyof typeof OAUTH_ERROR_MESSAGES;

/** The page a refused callback lands on: /login, or /account for a `Connect`. */
export function oauthErrorPath(code: OAuthErrorCode, connect: boolean): string {
  return `${connect ? '/account' : '/login'}?oauth_error=${code}`;
}

/** The sentence for a `?oauth_error=` value, or null for anything else. */
export function oauthErrorMessage(value: string | string[] | undefined): string | null {
  return typeof value === 'string' && Object.hasOwn(OAUTH_ERROR_MESSAGES, value) ? OAUTH_ERROR_MESSAGES[value as OAuthErrorCode] : null;
}
