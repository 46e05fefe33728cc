import { benchResponse } from '../_shared/bench-response';

// Benchmark route, outside the middleware matcher.
export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  return benchResponse('open');
}
