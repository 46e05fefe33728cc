/**
 * Signing out from the browser. Client-safe: no server imports.
 *
 * While a sign-out is under way other components must not react to the 401s it causes (a
 * request in flight when the cookies were cleared would otherwise send the user to
 * `/login?next=…` and race the sign-out's own navigation to `/login`).
 */

let signingOut = false;

/** Whether this page is signing out (then a 401 is expected, not a reason to navigate). */
export function isSigningOut(): boolean {
  return signingOut;
}

/**
 * POST /api/auth/logout (revokes the session, clears both cookies), then a full navigation to
 * /login, so nothing rendered for the signed-in user stays in the router's cache. Resolves to
 * false, and leaves the page as it was, when the server could not be reached or refused.
 */
export async function signOut(): Promise<boolean> {
  signingOut = true;
  try {
    const response = await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin', cache: 'no-store' });
    if (response.ok) {
      window.location.replace('/login');
      return true;
    }
  } catch {
    // Offline: the session is still live, so do not pretend otherwise.
  }
  signingOut = false;
  return false;
}
