/**
 * Which PostgreSQL and driver errors mean "the database is unreachable, busy, overloaded or full"
 * (a condition that passes: the HTTP layer answers 503 with Retry-After), turned into
 * StoreUnavailableError so no SQLSTATE, socket code or driver message leaves db/. Anything else
 * (a constraint we did not expect, a syntax error: a bug) is rethrown untouched.
 */
import { StoreUnavailableError } from '../store';

type Kind = StoreUnavailableError['kind'];

/** Socket and DNS failures on the way to the server. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
]);

/** SQLSTATEs outside the 08 and 53 classes that pass by themselves. */
const SQLSTATE_KINDS: Record<string, Kind> = {
  '57P01': 'unreachable', // admin_shutdown
  '57P02': 'unreachable', // crash_shutdown
  '57P03': 'unreachable', // cannot_connect_now (starting up, recovering)
  '57P05': 'unreachable', // idle_session_timeout: the server dropped an idle pooled connection
  '40001': 'busy', // serialization_failure
  '40P01': 'busy', // deadlock_detected
  '55P03': 'busy', // lock_not_available
  '57014': 'busy', // query_canceled (statement_timeout set by the server or the pooler)
};

/** Messages node-postgres and pg-pool throw without a code. */
const DRIVER_MESSAGES: readonly [RegExp, Kind][] = [
  [/^Cannot use a pool after calling end on the pool$/, 'closed'],
  [/^timeout exceeded when trying to connect$/, 'unreachable'],
  [/^Connection terminated/, 'unreachable'], // "… unexpectedly", "… due to connection timeout"
  [/^Client has encountered a connection error and is not queryable$/, 'unreachable'],
  [/^Client was closed and is not queryable$/, 'unreachable'],
  [/^timeout expired$/, 'unreachable'],
  [/^Query read timeout$/, 'busy'],
];

function kindOfCode(code: string): Kind | null {
  if (NETWORK_CODES.has(code)) return 'unreachable';
  if (!/^[0-9A-Z]{5}$/.test(code)) return null;
  if (code === '53100') return 'full'; // disk_full
  if (code.startsWith('08')) return 'unreachable'; // connection exception
  if (code.startsWith('53')) return 'busy'; // insufficient resources: too many connections, out of memory
  return SQLSTATE_KINDS[code] ?? null;
}

function kindOf(error: unknown, depth = 0): Kind | null {
  if (depth > 5 || typeof error !== 'object' || error === null) return null;
  if (error instanceof StoreUnavailableError) return error.kind;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string') {
    const kind = kindOfCode(code);
    if (kind) return kind;
  }
  if (error instanceof Error) {
    for (const [pattern, kind] of DRIVER_MESSAGES) if (pattern.test(error.message)) return kind;
  }
  // Happy-eyeballs connects (several addresses) fail with an AggregateError of socket errors.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const kind = kindOf(inner, depth + 1);
      if (kind) return kind;
    }
  }
  return 'cause' in error ? kindOf((error as { cause?: unknown }).cause, depth + 1) : null;
}

/** Whether the error means the database is unavailable for now (not a bug). */
export function isUnavailable(error: unknown): boolean {
  return kindOf(error) !== null;
}

/**
 * Whether a query failed because its pooled connection had been dropped (by the server, the pooler
 * or the network, typically while idle or while a serverless instance was suspended) rather than
 * because the database is down: a pure read may then be retried once on a fresh connection.
 */
export function isDroppedConnection(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  return error.message === 'Connection terminated unexpectedly' || code === 'ECONNRESET' || code === 'EPIPE' || code === '57P01' || code === '57P05';
}

/** The error to throw out of db/: StoreUnavailableError for a passing condition, else the error itself. */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  const kind = kindOf(error);
  return kind ? new StoreUnavailableError(kind, { cause: error }) : error;
}

/** Runs a driver call, translating unavailability into StoreUnavailableError. */
export async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toStoreError(error);
  }
}
