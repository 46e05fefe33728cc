/**
 * The one API response `npm run bench` fetches: without auth (`open`) and behind the stateless check (`auth`);
 * a small JSON body made per request, no auth work, 404 unless BENCH_ROUTES is set.
 */
import { notFound } from 'next/navigation';
import { getConfig } from '@/lib/config';
import { json } from '@/lib/http/response';

/** The benchmark route's answer for a variant. */
export function benchResponse(variant: 'open' | 'auth'): Response {
  if (!getConfig().benchRoutes) notFound();
  return json({ variant, at: new Date().toISOString() });
}
