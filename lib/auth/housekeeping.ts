/**
 * Housekeeping (contract "Databases"): the server deletes what no longer serves anyone, on a timer,
 * so nothing grows without bound. Ended sessions a day after they ended (the account page never
 * shows them, and a refresh token of a deleted session is refused like any unknown one), security
 * events after 90 days, and rate-limit counters once their window is over.
 *
 * Every instance runs it; the deletes are idempotent, so several instances on one database only
 * repeat each other's work. On serverless platforms (Vercel) an instance may sleep between
 * requests: the timer is unref'd and simply runs whenever the instance is awake.
 */
import 'server-only';
import type { HousekeepingResult, Store } from '@/db/store';
import type { Config } from '@/lib/config';
import { LINK_MAILS_PER_ADDRESS } from './rate-limit';

export const SESSION_RETENTION_MS = 24 * 60 * 60_000;
export const EVENT_RETENTION_MS = 90 * 24 * 60 * 60_000;
/** A device not signed in from for this long counts as new again (and its row is deleted). */
export const DEVICE_RETENTION_MS = 90 * 24 * 60 * 60_000;
/** Revoked and expired API keys stay listed nowhere; their rows go this long after they ended. */
export const API_KEY_RETENTION_MS = 24 * 60 * 60_000;
/**
 * Authorization codes live 60 s; a used one is kept this much longer so that a replay arriving
 * late still finds it and revokes the session it created (RFC 6749 §4.1.2).
 */
export const AUTHORIZATION_CODE_RETENTION_MS = 24 * 60 * 60_000;
export const HOUSEKEEPING_EVERY_MS = 10 * 60_000;
/** The first run waits a little, so it never competes with a server's first requests. */
export const FIRST_HOUSEKEEPING_AFTER_MS = 30_000;

type HousekeepingConfig = Pick<Config, 'rateLimitPerIp' | 'rateLimitPerAccount' | 'rateLimitPerApiKey'>;

/** Deletes what has expired at `now`; returns how many rows of each kind went. */
export async function runHousekeeping(store: Store, config: HousekeepingConfig, now: number): Promise<HousekeepingResult & { apiKeys: number; dpopProofs: number }> {
  const [result, apiKeys, dpopProofs] = await Promise.all([
    store.housekeeping({
      sessionsEndedBefore: now - SESSION_RETENTION_MS,
      eventsBefore: now - EVENT_RETENTION_MS,
      rateLimitsBefore: now - Math.max(config.rateLimitPerIp.windowMs, config.rateLimitPerAccount.windowMs, config.rateLimitPerApiKey.windowMs, LINK_MAILS_PER_ADDRESS.windowMs),
      // A used or expired link can never be used again: nothing to keep it for.
      tokensEndedBefore: now,
      devicesBefore: now - DEVICE_RETENTION_MS,
      // An expired challenge can never complete its ceremony.
      passkeyChallengesBefore: now,
      authorizationCodesBefore: now - AUTHORIZATION_CODE_RETENTION_MS,
    }),
    store.deleteEndedApiKeys(now - API_KEY_RETENTION_MS),
    // A proof past its window is refused as stale whatever the cache says: its record is no longer needed.
    store.deleteExpiredDpopProofs(now),
  ]);
  return { ...result, apiKeys, dpopProofs };
}

const running = new WeakSet<Store>();

/**
 * Starts the timer for a Store once per process (later calls do nothing). The timers are unref'd:
 * they never keep a process alive.
 */
export function startHousekeeping(store: Store, config: HousekeepingConfig, timing: { firstAfterMs: number; everyMs: number } = { firstAfterMs: FIRST_HOUSEKEEPING_AFTER_MS, everyMs: HOUSEKEEPING_EVERY_MS }): void {
  if (running.has(store)) return;
  running.add(store);
  const tick = () => {
    runHousekeeping(store, config, Date.now()).then(
      (result) => {
        if (Object.values(result).some((count) => count > 0)) console.info(JSON.stringify({ level: 'info', event: 'housekeeping', at: new Date().toISOString(), deleted: result }));
      },
      (error: unknown) => {
        console.error(JSON.stringify({ level: 'error', event: 'housekeeping_failed', kind: error instanceof Error ? error.name : typeof error, at: new Date().toISOString() }));
      },
    );
  };
  setTimeout(tick, timing.firstAfterMs).unref();
  setInterval(tick, timing.everyMs).unref();
}
