'use client';
import { useSyncExternalStore } from 'react';

const subscribe = () => () => undefined;

/**
 * False in the server HTML and until React has hydrated this component, then true. Buttons whose
 * work needs JavaScript stay disabled until then: a click on server-rendered HTML before
 * hydration would otherwise be lost (or, in a form, submit it natively), and tools such as
 * Playwright wait for a disabled button to become enabled before clicking it.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
