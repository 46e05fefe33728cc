/**
 * Work that runs after a response is decided (sending mail, and the lookups of requests whose
 * answer must not depend on them): the request never waits for it and never fails because of it.
 *
 * On Vercel, `waitUntil` keeps the function alive until the work ends; on a Node server the
 * process simply goes on. Each task catches its own failures (a rejected task is logged here as a
 * last resort, with the error's class name only). Tests wait for the pending tasks with
 * `backgroundSettled()` instead of sleeping.
 */
import 'server-only';
import { waitUntil } from '@vercel/functions';

// One set per process, also when a bundle (or a test's fresh module graph) holds two copies of this module.
const PENDING = Symbol.for('next-token-auth.background-tasks');
const pending: Set<Promise<void>> = ((globalThis as Record<symbol, unknown>)[PENDING] as Set<Promise<void>> | undefined) ?? new Set<Promise<void>>();
(globalThis as Record<symbol, unknown>)[PENDING] = pending;

/** Starts `task` without awaiting it. */
export function afterResponse(task: () => Promise<void>): void {
  // setImmediate, not a microtask: the task starts once the current request's handler has
  // returned its response, so none of its work (better-sqlite3 runs synchronously) happens before.
  const promise = new Promise<void>((resolve) => setImmediate(resolve))
    .then(task)
    .catch((error: unknown) => {
      console.error(JSON.stringify({ level: 'error', event: 'background_task_failed', kind: error instanceof Error ? error.name : typeof error, at: new Date().toISOString() }));
    })
    .finally(() => pending.delete(promise));
  pending.add(promise);
  waitUntil(promise);
}

/** Resolves once every task started so far (and any they start) has ended. */
export async function backgroundSettled(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
