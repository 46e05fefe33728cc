/**
 * The account page's client components call the API through `sendJson` (lib/client/send-json.ts);
 * when even its refresh cannot help (`signed-out`), they send the user to sign in and back here.
 * Client-safe.
 */
import { loginPath } from '@/lib/auth/redirects';

/** Leaves for the sign-in page, coming back here afterwards (a full navigation drops cached pages). */
export function goToSignIn(): void {
  window.location.assign(loginPath('/account'));
}
