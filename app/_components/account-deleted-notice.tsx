'use client';
import { useSyncExternalStore } from 'react';
import { accountDeletedBeforeThisPage } from '@/lib/client/account-deleted';

const subscribe = () => () => undefined;

/**
 * On the sign-in page after an account deletion: a `role="status"` message saying so. The live
 * region is in the page from the start, so its message is announced when it appears. The server
 * cannot see this tab's sessionStorage: its HTML has the empty region, hydration fills it.
 */
export function AccountDeletedNotice() {
  const deleted = useSyncExternalStore(subscribe, accountDeletedBeforeThisPage, () => false);
  return (
    <div role="status">
      {deleted ? <p className="form-success">Your account was deleted. You are signed out on every device.</p> : null}
    </div>
  );
}
