'use client';
import { useSyncExternalStore } from 'react';
import { accountDeletedBeforeThisPage } from '@/lib/client/account-deleted';

const subscribe = () => () => undefined;

/**
 * The sign-in page's one `role="status"` region: after an account deletion it says so; after a
 * password reset (`message`, from the server) it says the password was changed. The live region is
 * in the page from the start, so its message is announced when it appears. The server cannot see
 * this tab's sessionStorage: its HTML has the deletion part empty, hydration fills it.
 */
export function AccountDeletedNotice({ message = null }: { message?: string | null }) {
  const deleted = useSyncExternalStore(subscribe, accountDeletedBeforeThisPage, () => false);
  return (
    <div role="status">
      {deleted ? <p className="form-success">Your account was deleted. You are signed out on every device.</p> : null}
      {!deleted && message ? <p className="form-success">{message}</p> : null}
    </div>
  );
}
