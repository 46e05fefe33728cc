/**
 * "Your account was deleted", carried from the account page to the sign-in page across the full
 * navigation that follows a deletion. Client-safe.
 *
 * Kept in this tab's sessionStorage rather than in the URL: a link such as `/login?deleted=1`
 * would let anyone show a visitor that their account is gone.
 */

const KEY = 'account-deleted';

/** Notes, for the next page this tab opens, that the account was just deleted. */
export function rememberAccountDeleted(): void {
  try {
    window.sessionStorage.setItem(KEY, '1');
  } catch {
    // Storage disabled: the user lands signed out all the same, only without the message.
  }
}

let deletedBeforeThisPage: boolean | undefined;

/**
 * Whether the account was deleted just before this document loaded. The first call reads and
 * forgets the note (so a reload does not repeat the message); later calls give the same answer,
 * as `useSyncExternalStore` needs.
 */
export function accountDeletedBeforeThisPage(): boolean {
  if (deletedBeforeThisPage === undefined) {
    try {
      deletedBeforeThisPage = window.sessionStorage.getItem(KEY) === '1';
      window.sessionStorage.removeItem(KEY);
    } catch {
      deletedBeforeThisPage = false;
    }
  }
  return deletedBeforeThisPage;
}
