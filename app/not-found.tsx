import type { Metadata } from 'next';
import Link from 'next/link';
import { PublicChrome } from '@/app/_components/site-chrome';

export const metadata: Metadata = { title: 'Page not found' };

/** 404: the root layout has no header of its own (each route group brings its own), so this one does. */
export default function NotFound() {
  return (
    <PublicChrome>
      <section className="hero">
        <h1>Page not found</h1>
        <p className="lead">There is nothing at this address.</p>
        <div className="actions">
          <Link className="button" href="/">
            Go to the home page
          </Link>
        </div>
      </section>
    </PublicChrome>
  );
}
