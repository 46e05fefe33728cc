import { benchResponse } from '../_shared/bench-response';

// Benchmark route: the empty API route (GET), and the empty POST that refresh is compared with.
export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  return benchResponse('open');
}

export async function POST(): Promise<Response> {
  return benchResponse('open');
}
