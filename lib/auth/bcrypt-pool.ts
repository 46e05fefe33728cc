/**
 * bcrypt off the event loop.
 *
 * bcryptjs is pure JavaScript: at cost 12 one hash is ~350 ms of CPU, and its async API only cuts
 * that into ~100 ms slices on the event loop, so every request arriving during a sign-in waits
 * behind a slice (npm run bench measured a protected route's p99 several times its idle value
 * during a sign-in storm). This pool runs bcrypt on worker threads instead: BCRYPT_WORKERS of
 * them (default one per core; 0 keeps hashing on the main thread), each at a lower thread
 * priority, so the thread that serves requests gets a core first and sign-ins queue instead.
 *
 * Where workers are unavailable (the worker file is not shipped, workers keep crashing) it falls
 * back to bcryptjs on the main thread: slower under load, never a different answer.
 */
import 'server-only';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import { ConfigError, getConfig } from '@/lib/config';

/** Loaded by path at run time (not imported) so the bundler leaves it alone; see next.config.js. */
const WORKER_FILE = path.join(process.cwd(), 'lib', 'auth', 'bcrypt-worker.mjs');
/** Linux nice value of each worker thread (0 is the main thread's, 19 the lowest). */
const WORKER_NICENESS = 10;
/** After this many workers died unexpectedly, stop using workers for the life of the process. */
const MAX_CRASHES = 3;

type Job = { op: 'hash'; input: string; cost: number } | { op: 'compare'; input: string; hash: string };
type Reply = { id: number; ok: true; value: string | boolean } | { id: number; ok: false; kind: string };

interface Task {
  id: number;
  job: Job;
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
}

function runInThread(job: Job): Promise<string | boolean> {
  return job.op === 'hash' ? bcrypt.hash(job.input, job.cost) : bcrypt.compare(job.input, job.hash);
}

class BcryptPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task | null>();
  private readonly queue: Task[] = [];
  private crashes = 0;
  private nextId = 0;

  constructor(private readonly size: number) {}

  run(job: Job): Promise<string | boolean> {
    if (this.crashes >= MAX_CRASHES) return runInThread(job);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (let task = this.queue[0]; task !== undefined; task = this.queue[0]) {
      const worker = this.idle.pop() ?? (this.busy.size < this.size ? this.spawn() : undefined);
      if (worker === undefined) return;
      this.queue.shift();
      this.busy.set(worker, task);
      // A worker with work keeps the process alive; an idle one does not.
      worker.ref();
      worker.postMessage({ id: task.id, ...task.job });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_FILE, { workerData: { niceness: WORKER_NICENESS } });
    this.busy.set(worker, null);
    worker.on('message', (reply: Reply) => {
      const task = this.busy.get(worker);
      if (!task || task.id !== reply.id) return;
      this.busy.delete(worker);
      this.idle.push(worker);
      worker.unref();
      if (reply.ok) task.resolve(reply.value);
      else task.reject(new Error(`bcrypt failed on a worker thread (${reply.kind})`));
      this.dispatch();
    });
    // 'exit' follows every 'error'; the listener only keeps an error from crashing the process.
    worker.on('error', () => undefined);
    worker.on('exit', () => this.lost(worker));
    return worker;
  }

  /** A worker died: its task runs on the main thread, and the pool replaces it or gives up. */
  private lost(worker: Worker): void {
    const task = this.busy.get(worker);
    if (!this.busy.delete(worker)) {
      const index = this.idle.indexOf(worker);
      if (index !== -1) this.idle.splice(index, 1);
    }
    this.crashes += 1;
    if (task) runInThread(task.job).then(task.resolve, task.reject);
    if (this.crashes < MAX_CRASHES) {
      this.dispatch();
      return;
    }
    if (this.crashes === MAX_CRASHES) console.error(JSON.stringify({ level: 'error', event: 'bcrypt_pool_disabled', at: new Date().toISOString() }));
    for (const queued of this.queue.splice(0)) runInThread(queued.job).then(queued.resolve, queued.reject);
  }
}

function configuredWorkers(): number {
  try {
    return getConfig().bcryptWorkers ?? availableParallelism();
  } catch (error) {
    // Hashing needs no secrets: scripts and unit tests call it without a full configuration.
    if (error instanceof ConfigError) return availableParallelism();
    throw error;
  }
}

// One pool per process, even if the bundler gives several routes their own copy of this module.
const holder = globalThis as typeof globalThis & { __bcryptPool?: BcryptPool | null };

function pool(): BcryptPool | null {
  if (holder.__bcryptPool === undefined) {
    const size = configuredWorkers();
    holder.__bcryptPool = size > 0 && existsSync(WORKER_FILE) ? new BcryptPool(size) : null;
  }
  return holder.__bcryptPool;
}

/** bcrypt hash of `input` at `cost`, computed on a worker thread when the pool is available. */
export async function bcryptHash(input: string, cost: number): Promise<string> {
  const job: Job = { op: 'hash', input, cost };
  const value = await (pool()?.run(job) ?? runInThread(job));
  if (typeof value !== 'string') throw new TypeError('bcrypt hash returned a non-string');
  return value;
}

/** Whether `input` matches a bcrypt `hash`, checked on a worker thread when the pool is available. */
export async function bcryptCompare(input: string, hash: string): Promise<boolean> {
  const job: Job = { op: 'compare', input, hash };
  const value = await (pool()?.run(job) ?? runInThread(job));
  if (typeof value !== 'boolean') throw new TypeError('bcrypt compare returned a non-boolean');
  return value;
}
