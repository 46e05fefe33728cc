import type { ReactNode } from 'react';
import { PublicChrome } from '@/app/_components/site-chrome';

/** Sign-in and register: one narrow card, centred. */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <PublicChrome>
      <div className="auth-layout">{children}</div>
    </PublicChrome>
  );
}
