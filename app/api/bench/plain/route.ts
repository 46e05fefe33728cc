import { benchResponse } from '../_shared/bench-response';

// Benchmark route, matched by the middleware, public (CSP nonce, no auth).
export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  return benchResponse('plain');
}
