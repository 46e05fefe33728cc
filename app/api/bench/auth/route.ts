import { notFound } from 'next/navigation';
import { presentedAccessToken } from '@/lib/auth/authenticate';
import { verifyAccessToken } from '@/lib/auth/access-token';
import { unauthenticatedResponse } from '@/lib/auth/guard';
import { getConfig } from '@/lib/config';
import { benchResponse } from '../_shared/bench-response';

// Benchmark route, protected by the stateless check alone: the access token's signature and claims,
// verified here (API routes are outside the middleware), without the database session lookup that
// every real protected route adds (`/api/auth/me` measures that). 404 unless BENCH_ROUTES is set.
export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  const config = getConfig();
  if (!config.benchRoutes) notFound();
  const presented = presentedAccessToken(request, config.cookieSecure);
  if (presented.token === null || !(await verifyAccessToken(presented.token)).ok) return unauthenticatedResponse({ via: presented.via });
  return benchResponse('auth');
}
