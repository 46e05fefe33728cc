/**
 * What every auth operation works with: the Store, the configuration, the access-token keys and
 * the rate limiter.
 * Route handlers and server components get the running app's through getAuthDeps().
 */
import 'server-only';
import { getStore, type Store } from '@/db/index';
import { getConfig, type Config } from '@/lib/config';
import { getAccessTokenKeys, type AccessTokenKeys } from './access-token';
import { startHousekeeping } from './housekeeping';
import { rateLimiterFor, type RateLimiter } from './rate-limit';

export interface AuthDeps {
  store: Store;
  config: Config;
  keys: AccessTokenKeys;
  /** Rate limits over the Store's counters, with this process's cache of current refusals. */
  limits: RateLimiter;
}

export async function getAuthDeps(): Promise<AuthDeps> {
  const config = getConfig();
  const store = await getStore(config.database);
  // Integration tests drive a frozen clock through weeks of expiry: the timer would delete what
  // they inspect. They test the timer itself on its own (tests/integration/housekeeping.test.ts).
  if (process.env.NODE_ENV !== 'test') startHousekeeping(store, config);
  return { store, config, keys: await getAccessTokenKeys(), limits: rateLimiterFor(store) };
}
