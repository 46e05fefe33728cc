import { BenchPage } from '../_shared/bench-page';

/** Benchmark page, protected: the middleware verifies the access token. */
export default function Page() {
  return <BenchPage variant="auth" />;
}
