import { benchResponse } from '../_shared/bench-response';

// Benchmark route, protected: the middleware verifies the access token.
export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  return benchResponse('auth');
}
