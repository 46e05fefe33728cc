'use client';
import { useEffect } from 'react';

const ANNOUNCER_TAG = 'next-route-announcer';
const ANNOUNCER_ID = '__next-route-announcer__';

function demote(): void {
  const node = document.querySelector(ANNOUNCER_TAG)?.shadowRoot?.getElementById(ANNOUNCER_ID);
  if (node?.getAttribute('role') === 'alert') node.removeAttribute('role');
}

/**
 * Next.js announces client-side navigations through an always-present, usually empty
 * `role="alert"` element (in a shadow root). Our contract puts form errors in a role="alert"
 * element and tests find them by that role, which the announcer would make ambiguous. The
 * announcer keeps `aria-live="assertive"`, so screen readers still hear page changes; it just
 * stops claiming to be an alert. Renders nothing; if Next.js changes its announcer, it does nothing.
 */
export function RouteAnnouncerRole() {
  useEffect(() => {
    demote();
    // The announcer is created in an effect of Next's router, possibly after this one.
    const observer = new MutationObserver(demote);
    observer.observe(document.body, { childList: true });
    return () => observer.disconnect();
  }, []);
  return null;
}
