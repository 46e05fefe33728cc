// bcrypt for lib/auth/bcrypt-pool.ts, on a worker thread instead of the server's event loop.
// Plain JavaScript loaded by path at run time, so the bundler never rewrites it; next.config.js
// ships it with the server output (outputFileTracingIncludes) and keeps bcryptjs resolvable.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

// On Linux the nice value belongs to the thread: this lowers only this worker, so a request
// handled on the main thread gets the core first and a sign-in waits a little instead.
if (Number.isInteger(workerData?.niceness) && workerData.niceness > 0) {
  try {
    setPriority(workerData.niceness);
  } catch {
    // Not permitted or not supported here: run at normal priority.
  }
}

parentPort?.on('message', (task) => {
  try {
    const value = task.op === 'hash' ? bcrypt.hashSync(task.input, task.cost) : bcrypt.compareSync(task.input, task.hash);
    parentPort?.postMessage({ id: task.id, ok: true, value });
  } catch (error) {
    // Only the class name crosses back: bcrypt's messages never reach a client anyway.
    parentPort?.postMessage({ id: task.id, ok: false, kind: error instanceof Error ? error.name : typeof error });
  }
});
