import Link from 'next/link';
import type { ReactNode } from 'react';

/** The site's banner: the brand on the left, whatever a layout passes (the signed-in navigation) on the right. */
export function SiteHeader({ children }: { children?: ReactNode }) {
  return (
    <header className="site-header">
      <div className="container">
        <Link className="brand" href="/">
          Token Auth
        </Link>
        {children}
      </div>
    </header>
  );
}

/** The page's one `<main>`, the target of the root layout's skip link. */
export function SiteMain({ children }: { children: ReactNode }) {
  return (
    <main id="main" className="container site-main">
      {children}
    </main>
  );
}

/** Header and main for the pages anyone may see (home, sign-in, register, 404). */
export function PublicChrome({ children }: { children: ReactNode }) {
  return (
    <>
      <SiteHeader />
      <SiteMain>{children}</SiteMain>
    </>
  );
}
