/**
 * The account page's client components call the account API through `sendJson`
 * (lib/client/send-json.ts): one shared refresh and one retry on a "not signed in" 401. When even
 * that cannot help, they send the user to sign in and back here. Client-safe.
 */
import { loginPath } from '@/lib/auth/redirects';

export { sendJson, type Outcome } from '@/lib/client/send-json';

/** Leaves for the sign-in page, coming back here afterwards (a full navigation drops cached pages). */
export function goToSignIn(): void {
  window.location.assign(loginPath('/account'));
}
