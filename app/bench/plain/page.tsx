import { BenchPage } from '../_shared/bench-page';

/** Benchmark page, matched by the middleware, public (CSP nonce, no auth). */
export default function Page() {
  return <BenchPage variant="plain" />;
}
