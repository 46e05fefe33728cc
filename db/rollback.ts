/**
 * Undoing an atomic step on purpose, shared by both adapters: a re-check inside the step failed, so
 * the step throws RollBack (better-sqlite3 and drizzle's PostgreSQL transactions roll back on any
 * throw) and the method turns it into its "nothing written" answer with `rolledBack(value)`.
 */
export class RollBack extends Error {
  override readonly name = 'RollBack';
}

/** Turns a RollBack into `value`; anything else is rethrown. */
export function rolledBack<T>(value: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof RollBack) return value;
    throw error;
  };
}
