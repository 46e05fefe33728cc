import { BenchPage } from '../_shared/bench-page';

/** Benchmark page, outside the middleware matcher. */
export default function Page() {
  return <BenchPage variant="open" />;
}
