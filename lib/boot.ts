/** Server start-up checks (see instrumentation.ts). */
import 'server-only';
import { getDb } from '@/db/client';
import { ConfigError, getConfig } from './config';

/** Validates the configuration and migrates the database, or exits the process with one line. */
export function boot(): void {
  try {
    getConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  getDb();
}
