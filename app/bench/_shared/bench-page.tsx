/**
 * The one page `npm run bench` renders three ways (outside the middleware matcher, matched but
 * public, protected): the three routes differ only in their path, so any gap between them is the
 * middleware's. It does no auth work itself, and answers 404 unless BENCH_ROUTES is set.
 */
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { getConfig } from '@/lib/config';

export async function BenchPage({ variant }: { variant: 'open' | 'plain' | 'auth' }) {
  if (!getConfig().benchRoutes) notFound();
  // Rendered per request, like every real page here (the root layout reads the CSP nonce).
  await connection();
  return (
    <section className="panel">
      <h1>Benchmark page</h1>
      <p>
        Variant <code>{variant}</code>, rendered at <time>{new Date().toISOString()}</time>.
      </p>
    </section>
  );
}
