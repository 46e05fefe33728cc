import type { ReactNode } from 'react';
import { AppNav } from '@/app/_components/app-nav';
import { SiteHeader, SiteMain } from '@/app/_components/site-chrome';
import { getCurrentUser } from '@/lib/auth/dal';

/**
 * Every signed-in page: the header with the navigation, the user's email and the one `Sign out`.
 * getCurrentUser is memoised per request, so this and the page share one check. Without a
 * session the header stays bare: the page itself redirects to sign in, with its own `next`.
 */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const current = await getCurrentUser();
  return (
    <>
      <SiteHeader>{current ? <AppNav email={current.user.email} /> : null}</SiteHeader>
      <SiteMain>{children}</SiteMain>
    </>
  );
}
