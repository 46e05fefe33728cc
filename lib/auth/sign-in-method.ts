/** How the sessions list names the way a session signed in. */
import type { SignInMethod } from '@/db/store';

const LABELS: Record<SignInMethod, string> = {
  password: 'Password',
  'password+totp': 'Password and authenticator code',
  'password+recovery_code': 'Password and recovery code',
  passkey: 'Passkey',
};

export function describeSignInMethod(method: SignInMethod): string {
  return LABELS[method] ?? method;
}
