import type { ReactNode } from 'react';

/** Sign-in and register: one narrow card, centred. */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return <div className="auth-layout">{children}</div>;
}
