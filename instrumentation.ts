/**
 * Runs once when the server starts (dev and `next start`): validates the configuration, so a
 * production server without its secrets stops with one clear line instead of serving errors,
 * and opens the database, which applies pending migrations.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { boot } = await import('./lib/boot');
  await boot();
}
