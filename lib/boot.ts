/** Server start-up checks (see instrumentation.ts). */
import 'server-only';
import { getStore } from '@/db/index';
import { checkSigningKeys } from './auth/signing-keys';
import { ConfigError, configWarnings, getConfig, type Config } from './config';

let booted = false;

/**
 * Validates the configuration (or exits the process with one line) and migrates the database.
 * Prints each configuration warning (e.g. a low BCRYPT_COST in production) once per process,
 * however often it is called.
 */
export async function boot(): Promise<void> {
  let config: Config;
  try {
    config = getConfig();
    // Each private key must load in Node and match its public members (lib/config.ts cannot check that on the edge).
    checkSigningKeys(config.accessTokenSigning);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (!booted) for (const line of configWarnings(config)) console.warn(line);
  booted = true;
  // Opens the database and applies pending migrations (a failure here is not fatal: requests
  // answer 503 until the database is reachable, and each one tries again).
  try {
    await (await getStore(config.database)).ready();
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', event: 'database_unavailable_at_start', kind: error instanceof Error ? error.name : typeof error, at: new Date().toISOString() }));
  }
}
