/** How the sessions list names the way a session signed in. */
import type { SignInMethod } from '@/db/store';

/** The fixed methods; `oidc:<id>` is named after its provider (see describeSignInMethod). */
const LABELS: Record<Exclude<SignInMethod, `oidc:${string}`>, string> = {
  password: 'Password',
  'password+totp': 'Password and authenticator code',
  'password+recovery_code': 'Password and recovery code',
  passkey: 'Passkey',
  magic_link: 'Email link',
  'magic_link+totp': 'Email link and authenticator code',
  'magic_link+recovery_code': 'Email link and recovery code',
};

/** `providerName` names a provider by its id (its OIDC_<ID>_NAME), for `oidc:<id>` methods. */
export function describeSignInMethod(method: SignInMethod, providerName: (id: string) => string = (id) => id): string {
  if (method.startsWith('oidc:')) {
    const [provider = '', second] = method.slice('oidc:'.length).split('+');
    const name = providerName(provider);
    return second === 'totp' ? `${name} and authenticator code` : second === 'recovery_code' ? `${name} and recovery code` : name;
  }
  return LABELS[method as Exclude<SignInMethod, `oidc:${string}`>] ?? method;
}
