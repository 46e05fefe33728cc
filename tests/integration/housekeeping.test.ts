/**
 * Housekeeping (contract "Databases": nothing grows without bound): the server's timer deletes
 * sessions ended more than a day ago, security events older than 90 days and rate-limit rows
 * whose window is over, and keeps everything else. Real routes make the rows; the real timer
 * (started as the server starts it, with short intervals) deletes them, on the database of this
 * project (SQLite or PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStore } from '@/db/index';
import { EVENT_RETENTION_MS, SESSION_RETENTION_MS, startHousekeeping } from '@/lib/auth/housekeeping';
import { parseConfig, readEnv } from '@/lib/config';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { DAY, MINUTE, T0 } from '../support/env';
import { type CookieJar, jwtPayload } from '../support/http';
import { GOOD_PASSWORD, rateLimitRows, securityEvents } from '../support/security';

let app: TestApp;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ RATE_LIMIT_PER_ACCOUNT: '5/15m' });
});

afterAll(() => {
  restoreClock();
});

const sidOf = (jar: CookieJar) => String(jwtPayload(jar.get('access_token') ?? '').sid);
const sessionIds = async () => (await app.query<{ id: string }>('SELECT id FROM sessions ORDER BY id')).map((row) => row.id).sort();

/** Waits (in real time) until `check` passes; the timer runs on real timers while Date is frozen. */
async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('the housekeeping timer', () => {
  it('deletes ended sessions after a day, events after 90 days and finished rate-limit rows, and nothing else', async () => {
    // An old account: its sign-up event will be 91 days old.
    const old = await app.signUp('old@example.com', GOOD_PASSWORD);
    expect(old.response.status).toBe(201);
    advanceClock(91 * DAY - 2 * DAY);

    // A session that ends (sign-out) two days before the run, one that ends an hour before it.
    const gone = (await app.signIn('old@example.com', GOOD_PASSWORD)).jar;
    expect((await app.send('logout', 'POST', { cookies: gone })).status).toBe(204);
    advanceClock(2 * DAY - 1 * 60 * MINUTE);
    const recent = (await app.signIn('old@example.com', GOOD_PASSWORD)).jar;
    expect((await app.send('logout', 'POST', { cookies: recent })).status).toBe(204);
    // A live session, and a failed sign-in whose counter row is current.
    const live = (await app.signIn('old@example.com', GOOD_PASSWORD)).jar;
    expect((await app.send('login', 'POST', { json: { email: 'someone@example.com', password: 'wrong-password-here' } })).status).toBe(401);
    advanceClock(60 * MINUTE);

    const before = await sessionIds();
    expect(before).toEqual(expect.arrayContaining([sidOf(gone), sidOf(recent), sidOf(live)]));
    expect((await securityEvents(app, 'user_registered')).length).toBe(1);
    expect((await rateLimitRows(app)).map((row) => row.key)).toContain('account:someone@example.com');

    const config = parseConfig(readEnv());
    const store = await getStore(config.database);
    startHousekeeping(store, config, { firstAfterMs: 10, everyMs: 60_000 });

    await eventually(async () => {
      const after = await sessionIds();
      expect(after).not.toContain(sidOf(gone));
    });
    const after = await sessionIds();
    // Ended more than SESSION_RETENTION_MS (a day) ago: gone. Ended two hours ago, or live: kept.
    expect(SESSION_RETENTION_MS).toBe(DAY);
    expect(after).toContain(sidOf(recent));
    expect(after).toContain(sidOf(live));
    // The 91-day-old registration event went; the events of the last days stayed.
    expect(Date.now() - EVENT_RETENTION_MS).toBeGreaterThan(T0);
    expect(await securityEvents(app, 'user_registered')).toEqual([]);
    expect((await securityEvents(app, 'sign_in_succeeded')).length).toBe(3);
    // The counter's window (15 minutes) ended 45 minutes ago.
    expect((await rateLimitRows(app)).map((row) => row.key)).not.toContain('account:someone@example.com');
    // The live session still works (its access token has expired by now: it refreshes).
    expect((await app.send('refresh', 'POST', { cookies: live })).status).toBe(200);
  });
});
