import type { ReactNode } from 'react';
import { PublicChrome } from '@/app/_components/site-chrome';

/** The home page: the bare header (no account navigation) and the main column. */
export default function PublicLayout({ children }: { children: ReactNode }) {
  return <PublicChrome>{children}</PublicChrome>;
}
