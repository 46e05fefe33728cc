'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { SignOutButton } from './sign-out-button';

const LINKS = [
  { href: '/dashboard', label: 'Dashboard' },
  { href: '/account', label: 'Account' },
] as const;

/**
 * The signed-in part of the header: `Dashboard` and `Account` (the current one marked with
 * aria-current="page"), who is signed in, and the page's one `Sign out` button. A client component
 * because the layout around it is not rendered again on navigations between signed-in pages, so
 * only the browser knows which page is current.
 */
export function AppNav({ email }: { email: string }) {
  const pathname = usePathname();
  return (
    <div className="app-nav">
      <nav aria-label="Main">
        <ul className="nav-links">
          {LINKS.map(({ href, label }) => {
            const current = pathname === href || pathname.startsWith(`${href}/`);
            return (
              <li key={href}>
                <Link href={href} className="nav-link" aria-current={current ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="account-menu">
        <span className="signed-in-as" title={email}>
          <span className="visually-hidden">Signed in as </span>
          {email}
        </span>
        <SignOutButton />
      </div>
    </div>
  );
}
