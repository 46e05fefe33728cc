/** Server start-up checks (see instrumentation.ts). */
import 'server-only';
import { getDb } from '@/db/client';
import { ConfigError, configWarnings, getConfig, type Config } from './config';

let booted = false;

/**
 * Validates the configuration and migrates the database, or exits the process with one line.
 * Prints each configuration warning (e.g. a low BCRYPT_COST in production) once per process,
 * however often it is called.
 */
export function boot(): void {
  let config: Config;
  try {
    config = getConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (!booted) for (const line of configWarnings(config)) console.warn(line);
  booted = true;
  getDb();
}
