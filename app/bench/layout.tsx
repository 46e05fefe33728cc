import type { ReactNode } from 'react';
import { PublicChrome } from '@/app/_components/site-chrome';

/** The benchmark pages get the same header and main as the public pages, so they weigh what a real page weighs. */
export default function BenchLayout({ children }: { children: ReactNode }) {
  return <PublicChrome>{children}</PublicChrome>;
}
