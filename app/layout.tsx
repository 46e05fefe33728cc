import type { Metadata } from 'next';
import { headers } from 'next/headers';
import type { ReactNode } from 'react';
import { RouteAnnouncerRole } from '@/app/_components/route-announcer';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Token Auth', template: '%s · Token Auth' },
  description: 'Access-token / refresh-token authentication for the Next.js App Router.',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Reading the request makes every page render per request, which the CSP nonce needs:
  // Next.js puts the nonce from middleware.ts on its scripts only when it renders dynamically.
  const nonce = (await headers()).get('x-nonce') ?? undefined;
  return (
    <html lang="en" data-nonce-set={nonce ? '' : undefined}>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        {/* Each route group brings its header and <main id="main">: the signed-in pages' header carries the navigation. */}
        {children}
        <RouteAnnouncerRole />
      </body>
    </html>
  );
}
