/**
 * The one conformance suite every Store adapter (db/store.ts) must pass, on a real database: the
 * SQLite adapter in tests/store/sqlite.test.ts, the PostgreSQL one in tests/store/postgres.test.ts.
 * Modelled on Lucia's adapter-test, made stronger: every atomic method is also raced (Promise.all
 * over N calls, on one store and on several stores sharing one database), and every failure path
 * checks that nothing was written.
 *
 * Each test opens a fresh store on a fresh database and closes it (and any extra connection it
 * opened) afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  StoreUnavailableError,
  type ApiKeyRecord,
  type AuthorizationCodeRecord,
  type CodeExchange,
  type NewAuthorizationCode,
  type Confirmation,
  type NewApiKey,
  type NewSecurityEvent,
  type NewOneTimeToken,
  type NewPasskey,
  type PasskeyChallenge,
  type NewSession,
  type NewUser,
  type RateLimitOutcome,
  type RateLimitRecord,
  type RevocationEvent,
  type SecurityEventRecord,
  type SessionRecord,
  type Store,
  type UserRecord,
} from '@/db/store';

export interface ConformanceOptions {
  /**
   * Opens one more store (its own connection or pool) on the database the last `open()` created.
   * The race tests spread their calls over `connections` of them.
   */
  connect?: () => Promise<Store>;
  /** How many stores the multi-store race tests open on one database (default 2). */
  connections?: number;
  /**
   * Every row of the security-events table of the database the last `open()` created, read around
   * the adapter (raw SQL), oldest id first: what the Store interface cannot show (anonymised rows).
   */
  rawSecurityEvents?: () => Promise<SecurityEventRecord[]>;
}

/** 2026-01-15T00:00:00Z: epoch milliseconds well beyond 2^31, so a 32-bit column would break. */
export const T0 = Date.UTC(2026, 0, 15);

/** A row of security_events read around the adapter (`rawSecurityEvents`), checked field by field. */
export const eventRow = z.object({
  id: z.number().int(),
  type: z.string(),
  userId: z.string().nullable(),
  sessionId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  at: z.number().int(),
  detail: z.string().nullable(),
});

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How many parallel calls each race makes. */
const N = 24;

const ALL_TYPES = ['registered', 'signed_in', 'session_revoked', 'password_changed', 'account_deleted', 'other', 'attempt'] as const;

function newUser(tag: string, overrides: Partial<NewUser> = {}): NewUser {
  return { id: `user-${tag}`, email: `${tag}@example.com`, name: `Name ${tag}`, passwordHash: `$2b$04$hash-of-${tag}`, ...overrides };
}

function newSession(id: string, userId: string, overrides: Partial<NewSession> = {}): NewSession {
  return {
    id,
    userId,
    nonce: `nonce-${id}`,
    generation: 0,
    rotatedAt: T0,
    createdAt: T0,
    lastUsedAt: T0,
    expiresAt: T0 + 7 * DAY,
    absoluteExpiresAt: T0 + 30 * DAY,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
    ip: '203.0.113.7',
    method: 'password',
    ...overrides,
  };
}

function newEvent(type: string, overrides: Partial<NewSecurityEvent> = {}): NewSecurityEvent {
  return { type, userId: null, sessionId: null, ip: '198.51.100.1', userAgent: 'curl/8.5.0', at: T0, detail: null, ...overrides };
}

function authorizationCode(id: string, userId: string, overrides: Partial<NewAuthorizationCode> = {}): NewAuthorizationCode {
  return {
    id,
    clientId: 'com.example.app',
    redirectUri: 'http://127.0.0.1/callback',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    userId,
    browserSessionId: `browser-${id}`,
    method: 'password+totp',
    sessionId: `native-${id}`,
    createdAt: T0,
    expiresAt: T0 + 60_000,
    ...overrides,
  };
}

/** Closure-free (its argument and literals only), so a store in another process can get it as source. */
function nativeSessionFor(code: AuthorizationCodeRecord): CodeExchange {
  return {
    session: {
      id: code.sessionId,
      userId: code.userId,
      nonce: 'nonce-native',
      generation: 0,
      rotatedAt: code.usedAt ?? 0,
      createdAt: code.usedAt ?? 0,
      lastUsedAt: code.usedAt ?? 0,
      expiresAt: (code.usedAt ?? 0) + 86_400_000,
      absoluteExpiresAt: (code.usedAt ?? 0) + 86_400_000,
      userAgent: 'node',
      ip: '203.0.113.9',
      method: code.method,
      clientId: code.clientId,
    },
    events: [{ type: 'sign_in_succeeded', userId: code.userId, sessionId: code.sessionId, ip: null, userAgent: null, at: code.usedAt ?? 0, detail: null }],
  };
}

const REPLAY_EVENT = { type: 'authorization_code_replayed', ip: '198.51.100.66', userAgent: 'curl/8.5.0', at: T0, detail: null };

/** What a stored session looks like right after insertSession / register. */
function stored(session: NewSession): SessionRecord {
  return { ...session, clientId: session.clientId ?? null, revokedAt: null, revokedReason: null, dpopJkt: session.dpopJkt ?? null };
}

/** An event as listed, minus its id: every other key it has is kept (an extra one fails a toStrictEqual). */
function withoutId(event: SecurityEventRecord): Record<string, unknown> {
  expect(typeof event.id).toBe('number');
  return Object.fromEntries(Object.entries(event).filter(([key]) => key !== 'id'));
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

/** Settles a call; a synchronous throw from an async method is itself a contract violation. */
async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    throw new Error(`the method threw synchronously instead of rejecting: ${String(error)}`);
  }
  return promise.then(
    () => {
      throw new Error('expected the call to reject, but it resolved');
    },
    (error: unknown) => error,
  );
}

/** Asserts that `call` rejects with StoreUnavailableError (of `kind`, when given), and returns it. */
export async function expectUnavailable(call: () => Promise<unknown>, kind?: StoreUnavailableError['kind']): Promise<StoreUnavailableError> {
  const error = await rejection(call);
  if (!StoreUnavailableError.is(error)) {
    throw new Error(`expected StoreUnavailableError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  if (kind !== undefined) expect(error.kind).toBe(kind);
  return error;
}

/**
 * Registers the Store conformance tests for one adapter. `open` makes a fresh database and returns
 * a store on it; each test calls it once and closes what it opened.
 */
export function describeStoreConformance(name: string, open: () => Promise<Store>, options: ConformanceOptions = {}): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    /** Every store a test opened and has not closed itself. */
    let opened: Store[] = [];

    beforeEach(async () => {
      opened = [];
      store = await open();
      opened.push(store);
    });

    afterEach(async () => {
      const toClose = opened;
      opened = [];
      await Promise.all(toClose.map((each) => each.close()));
    });

    /** `count` stores on the current database: the test's own store and count - 1 more connections. */
    async function storesOnOneDatabase(count: number): Promise<Store[]> {
      const connect = options.connect;
      if (!connect) throw new Error('this adapter gave no `connect` option');
      const more = await Promise.all(Array.from({ length: count - 1 }, () => connect()));
      opened.push(...more);
      return [store, ...more];
    }

    /** Registers a user with a first session and no events. */
    async function registered(tag: string, sessionOverrides: Partial<NewSession> = {}, now = T0 - DAY): Promise<{ user: UserRecord; session: NewSession; hash: string }> {
      const data = newUser(tag);
      const session = newSession(`sess-${tag}`, data.id, sessionOverrides);
      const user = await store.register(data, session, [], now);
      if (!user) throw new Error(`could not register ${tag}`);
      return { user, session, hash: data.passwordHash };
    }

    /**
     * How many security-event rows the database holds, through the interface: housekeeping with an
     * event cutoff in the far future deletes (and counts) them all, and touches nothing else. Call it
     * last in a test.
     */
    async function countAndDropAllEvents(): Promise<number> {
      const result = await store.housekeeping({ sessionsEndedBefore: 0, eventsBefore: Number.MAX_SAFE_INTEGER, rateLimitsBefore: 0, tokensEndedBefore: 0, devicesBefore: 0, passkeyChallengesBefore: 0, authorizationCodesBefore: 0 });
      return result.events;
    }

    async function readRateLimit(key: string): Promise<RateLimitRecord | null> {
      return store.consumeRateLimit(key, (row): RateLimitOutcome<RateLimitRecord | null> => ({ save: null, result: row }));
    }

    // The race modes: one store (its own pool or connection), and several stores on one database.
    const raceModes: { label: string; stores: number }[] = [{ label: 'one store', stores: 1 }];
    if (options.connect) {
      const count = options.connections ?? 2;
      raceModes.push({ label: `${count} stores on one database`, stores: count });
    }

    async function raceStores(stores: number): Promise<Store[]> {
      return stores === 1 ? [store] : storesOnOneDatabase(stores);
    }

    describe('users', () => {
      it('register returns the user without the password hash; findUserById and findCredentials (by email and by id) find it', async () => {
        const data = newUser('alice');
        const session = newSession('sess-alice', data.id);
        const events = [newEvent('registered', { userId: data.id, sessionId: session.id, at: T0, detail: '{"method":"password"}' })];
        const user = await store.register(data, session, events, T0);

        const expected: UserRecord = { id: data.id, email: data.email, name: data.name, createdAt: T0, emailVerifiedAt: null };
        expect(user).toStrictEqual(expected);
        expect(Object.keys(user ?? {}).sort()).toEqual(['createdAt', 'email', 'emailVerifiedAt', 'id', 'name']);
        expect(typeof user?.createdAt).toBe('number');

        expect(await store.findUserById(data.id)).toStrictEqual(expected);
        const credentials = { ...expected, passwordHash: data.passwordHash };
        expect(await store.findCredentials({ email: data.email })).toStrictEqual(credentials);
        expect(await store.findCredentials({ id: data.id })).toStrictEqual(credentials);

        // The first session and the events are written with the user.
        expect(await store.findSession(session.id)).toStrictEqual(stored(session));
        const listed = await store.listSecurityEvents(data.id, ['registered'], 10);
        expect(listed.map(withoutId)).toStrictEqual(events);
      });

      it('a user without a name keeps name null', async () => {
        const data = newUser('noname', { name: null });
        const user = await store.register(data, newSession('sess-noname', data.id), [], T0);
        expect(user).toStrictEqual({ id: data.id, email: data.email, name: null, createdAt: T0, emailVerifiedAt: null });
        expect(await store.findUserById(data.id)).toStrictEqual({ id: data.id, email: data.email, name: null, createdAt: T0, emailVerifiedAt: null });
      });

      it('register without a session (REQUIRE_EMAIL_VERIFICATION) writes the user and the events, and no session', async () => {
        const data = newUser('nosession');
        const events = [newEvent('registered', { userId: data.id })];
        const user = await store.register(data, null, events, T0);
        expect(user).toStrictEqual({ id: data.id, email: data.email, name: data.name, createdAt: T0, emailVerifiedAt: null });
        expect(await store.listLiveSessions(data.id, T0)).toEqual([]);
        expect((await store.listSecurityEvents(data.id, ['registered'], 10)).map(withoutId)).toStrictEqual(events);
        expect(await store.register(newUser('nosession-2', { email: data.email }), null, [newEvent('registered')], T0)).toBeNull();
      });

      it('unknown users are null', async () => {
        await registered('alice');
        expect(await store.findUserById('user-nobody')).toBeNull();
        expect(await store.findCredentials({ email: 'nobody@example.com' })).toBeNull();
        expect(await store.findCredentials({ id: 'user-nobody' })).toBeNull();
        // An email is not an id and an id is not an email.
        expect(await store.findCredentials({ id: 'alice@example.com' })).toBeNull();
        expect(await store.findCredentials({ email: 'user-alice' })).toBeNull();
      });

      it('register with a taken email returns null and writes nothing: no user, no session, no event', async () => {
        const first = newUser('taken');
        const firstSession = newSession('sess-first', first.id);
        await store.register(first, firstSession, [newEvent('registered', { userId: first.id, sessionId: firstSession.id })], T0);

        const second = newUser('second', { email: first.email, passwordHash: '$2b$04$other-hash' });
        const secondSession = newSession('sess-second', second.id);
        const result = await store.register(
          second,
          secondSession,
          [
            newEvent('registered', { userId: second.id, sessionId: secondSession.id }),
            // Events naming the existing account or nobody must not be written either.
            newEvent('attempt', { userId: first.id, sessionId: null }),
            newEvent('other', { userId: null }),
          ],
          T0 + SECOND,
        );
        expect(result).toBeNull();

        expect(await store.findUserById(second.id)).toBeNull();
        expect(await store.findCredentials({ email: first.email })).toStrictEqual({ id: first.id, email: first.email, name: first.name, createdAt: T0, emailVerifiedAt: null, passwordHash: first.passwordHash });
        expect(await store.findSession(secondSession.id)).toBeNull();
        expect(await store.listLiveSessions(second.id, T0 + SECOND)).toEqual([]);
        expect((await store.listLiveSessions(first.id, T0 + SECOND)).map((s) => s.id)).toEqual([firstSession.id]);
        expect(await store.listSecurityEvents(second.id, ALL_TYPES, 100)).toEqual([]);
        expect((await store.listSecurityEvents(first.id, ALL_TYPES, 100)).map((e) => e.type)).toEqual(['registered']);
        if (options.rawSecurityEvents) expect(await options.rawSecurityEvents()).toHaveLength(1);
        expect(await countAndDropAllEvents()).toBe(1);
      });

      it('rehashPassword is a compare-and-set on the old hash', async () => {
        const { user, hash } = await registered('rehash');
        expect(await store.rehashPassword(user.id, '$2b$04$not-the-stored-hash', '$2b$12$stronger', T0)).toBe(false);
        expect((await store.findCredentials({ id: user.id }))?.passwordHash).toBe(hash);

        expect(await store.rehashPassword('user-nobody', hash, '$2b$12$stronger', T0)).toBe(false);
        expect((await store.findCredentials({ id: user.id }))?.passwordHash).toBe(hash);

        expect(await store.rehashPassword(user.id, hash, '$2b$12$stronger', T0)).toBe(true);
        expect(await store.findCredentials({ id: user.id })).toStrictEqual({ ...user, passwordHash: '$2b$12$stronger' });
        // The old hash no longer matches: a second rehash from it fails and changes nothing.
        expect(await store.rehashPassword(user.id, hash, '$2b$12$another', T0)).toBe(false);
        expect((await store.findCredentials({ id: user.id }))?.passwordHash).toBe('$2b$12$stronger');
      });

      it('rehashPassword of one user leaves another user with the same hash alone', async () => {
        const a = await registered('same-a');
        const bData = newUser('same-b', { passwordHash: a.hash });
        await store.register(bData, newSession('sess-same-b', bData.id), [], T0);
        expect(await store.rehashPassword(a.user.id, a.hash, '$2b$12$new', T0)).toBe(true);
        expect((await store.findCredentials({ id: bData.id }))?.passwordHash).toBe(a.hash);
      });
    });

    describe('sessions', () => {
      it('insertSession and findSession round-trip every field exactly, times beyond 2^31 as numbers', async () => {
        const { user } = await registered('owner');
        const full = newSession('sess-full', user.id, {
          nonce: 'n0nce-Ü-✓',
          generation: 7,
          rotatedAt: T0 + 3 * HOUR + 17,
          createdAt: T0 + 1,
          lastUsedAt: T0 + 3 * HOUR + 18,
          expiresAt: T0 + 7 * DAY + 999,
          absoluteExpiresAt: T0 + 400 * DAY,
          userAgent: 'Agent "quoted" \' ✓',
          ip: '2001:db8::1',
        });
        const bare = newSession('sess-bare', user.id, { userAgent: null, ip: null });
        expect(T0).toBeGreaterThan(2 ** 31);
        await store.insertSession(full, [newEvent('signed_in', { userId: user.id, sessionId: full.id, at: T0 + 1 })]);
        await store.insertSession(bare, []);

        const found = await store.findSession(full.id);
        expect(found).toStrictEqual(stored(full));
        for (const key of ['generation', 'rotatedAt', 'createdAt', 'lastUsedAt', 'expiresAt', 'absoluteExpiresAt'] as const) {
          expect(typeof found?.[key], key).toBe('number');
        }
        expect(await store.findSession(bare.id)).toStrictEqual(stored(bare));
        expect(await store.findSession('sess-nobody')).toBeNull();

        const events = await store.listSecurityEvents(user.id, ['signed_in'], 10);
        expect(events.map(withoutId)).toStrictEqual([newEvent('signed_in', { userId: user.id, sessionId: full.id, at: T0 + 1 })]);
      });

      it('findSessionWithUser returns the session and exactly its user (no hash), in one call; null for an unknown id', async () => {
        const { user } = await registered('joined');
        const other = await registered('someone-else');
        const session = newSession('sess-joined-second', user.id, { generation: 3 });
        await store.insertSession(session, []);
        const found = await store.findSessionWithUser(session.id);
        expect(found).toStrictEqual({ session: stored(session), user });
        expect(found?.user).not.toHaveProperty('passwordHash');
        expect((await store.findSessionWithUser(other.session.id))?.user).toStrictEqual(other.user);
        expect(await store.findSessionWithUser('sess-nobody')).toBeNull();
        // Revoked sessions are still returned: deciding "live" is the caller's job, as with findSession.
        await store.revokeSession(session.id, 'logout', T0, []);
        expect((await store.findSessionWithUser(session.id))?.session.revokedAt).toBe(T0);
      });

      it('rotateSession is a compare-and-set on the generation', async () => {
        const { session } = await registered('rot', { generation: 3 });
        const before = stored(session);

        expect(await store.rotateSession(session.id, 2, T0 + HOUR, T0 + 8 * DAY, '192.0.2.9')).toBe(false);
        expect(await store.rotateSession(session.id, 4, T0 + HOUR, T0 + 8 * DAY, '192.0.2.9')).toBe(false);
        expect(await store.rotateSession('sess-nobody', 3, T0 + HOUR, T0 + 8 * DAY, '192.0.2.9')).toBe(false);
        expect(await store.findSession(session.id)).toStrictEqual(before);

        expect(await store.rotateSession(session.id, 3, T0 + HOUR, T0 + 8 * DAY, '192.0.2.9')).toBe(true);
        const once: SessionRecord = { ...before, generation: 4, rotatedAt: T0 + HOUR, lastUsedAt: T0 + HOUR, expiresAt: T0 + 8 * DAY, ip: '192.0.2.9' };
        expect(await store.findSession(session.id)).toStrictEqual(once);

        // The generation just used is stale now.
        expect(await store.rotateSession(session.id, 3, T0 + 2 * HOUR, T0 + 9 * DAY, '192.0.2.10')).toBe(false);
        expect(await store.findSession(session.id)).toStrictEqual(once);

        // An unknown address keeps the last known one.
        expect(await store.rotateSession(session.id, 4, T0 + 2 * HOUR, T0 + 9 * DAY, null)).toBe(true);
        expect(await store.findSession(session.id)).toStrictEqual({ ...once, generation: 5, rotatedAt: T0 + 2 * HOUR, lastUsedAt: T0 + 2 * HOUR, expiresAt: T0 + 9 * DAY });
      });

      it('rotateSession of a revoked session is false and changes nothing', async () => {
        const { session } = await registered('rotrev');
        expect(await store.revokeSession(session.id, 'signed_out', T0 + MINUTE, [])).toBe(true);
        const revoked = await store.findSession(session.id);
        expect(await store.rotateSession(session.id, 0, T0 + HOUR, T0 + 8 * DAY, '192.0.2.9')).toBe(false);
        expect(await store.findSession(session.id)).toStrictEqual(revoked);
      });

      it('revokeSession revokes once: true and events the first time, false and no events after', async () => {
        const { user, session } = await registered('rev');
        const events = [newEvent('session_revoked', { userId: user.id, sessionId: session.id, at: T0 + MINUTE, detail: '{"reason":"signed_out"}' })];
        expect(await store.revokeSession(session.id, 'signed_out', T0 + MINUTE, events)).toBe(true);
        expect(await store.findSession(session.id)).toStrictEqual({ ...stored(session), revokedAt: T0 + MINUTE, revokedReason: 'signed_out' });

        expect(await store.revokeSession(session.id, 'again', T0 + HOUR, [newEvent('session_revoked', { userId: user.id, sessionId: session.id, at: T0 + HOUR })])).toBe(false);
        // The first revocation's time and reason stay.
        expect(await store.findSession(session.id)).toStrictEqual({ ...stored(session), revokedAt: T0 + MINUTE, revokedReason: 'signed_out' });
        const listed = await store.listSecurityEvents(user.id, ['session_revoked'], 10);
        expect(listed.map(withoutId)).toStrictEqual(events);

        expect(await store.revokeSession('sess-nobody', 'signed_out', T0, [newEvent('session_revoked', { userId: user.id, at: T0 + 2 * HOUR })])).toBe(false);
        expect(await store.listSecurityEvents(user.id, ['session_revoked'], 10)).toHaveLength(1);
        expect(await countAndDropAllEvents()).toBe(1);
      });

      it('revokeUserSessions keeps keepSessionId, skips revoked ones and other users, one event per revoked session', async () => {
        const { user, session: keep } = await registered('bulk');
        const others = ['sess-bulk-2', 'sess-bulk-3', 'sess-bulk-4'].map((id, i) => newSession(id, user.id, { createdAt: T0 + i }));
        for (const s of others) await store.insertSession(s, []);
        const old = newSession('sess-bulk-old', user.id);
        await store.insertSession(old, []);
        await store.revokeSession(old.id, 'old_reason', T0 - HOUR, []);
        const stranger = await registered('stranger');

        const revokedEvent: RevocationEvent = { type: 'session_revoked', userId: user.id, ip: '192.0.2.1', userAgent: 'ua', at: T0 + MINUTE, detail: '{"reason":"others"}' };
        const ids = await store.revokeUserSessions(user.id, 'signed_out_others', T0 + MINUTE, keep.id, revokedEvent);
        expect(sorted(ids)).toEqual(sorted(others.map((s) => s.id)));

        expect(await store.findSession(keep.id)).toStrictEqual(stored(keep));
        for (const s of others) expect(await store.findSession(s.id)).toStrictEqual({ ...stored(s), revokedAt: T0 + MINUTE, revokedReason: 'signed_out_others' });
        expect(await store.findSession(old.id)).toStrictEqual({ ...stored(old), revokedAt: T0 - HOUR, revokedReason: 'old_reason' });
        expect(await store.findSession(stranger.session.id)).toStrictEqual(stored(stranger.session));

        const events = await store.listSecurityEvents(user.id, ['session_revoked'], 100);
        expect(sorted(events.map((e) => e.sessionId ?? 'null'))).toEqual(sorted(others.map((s) => s.id)));
        for (const e of events) expect({ ...e, id: 0, sessionId: null }).toStrictEqual({ ...revokedEvent, id: 0, sessionId: null });
        expect(await store.listSecurityEvents(stranger.user.id, ALL_TYPES, 100)).toEqual([]);

        // Nothing left to revoke: an empty list and no event.
        expect(await store.revokeUserSessions(user.id, 'again', T0 + HOUR, keep.id, revokedEvent)).toEqual([]);
        expect(await store.listSecurityEvents(user.id, ['session_revoked'], 100)).toHaveLength(others.length);
        expect(await countAndDropAllEvents()).toBe(others.length);
      });

      it('revokeUserSessions with keepSessionId null revokes every unrevoked session', async () => {
        const { user, session } = await registered('all');
        const second = newSession('sess-all-2', user.id);
        await store.insertSession(second, []);
        const revokedEvent: RevocationEvent = { type: 'session_revoked', userId: user.id, ip: null, userAgent: null, at: T0, detail: null };
        const ids = await store.revokeUserSessions(user.id, 'admin', T0, null, revokedEvent);
        expect(sorted(ids)).toEqual(sorted([session.id, second.id]));
        expect(await store.listLiveSessions(user.id, T0)).toEqual([]);
        expect(await store.listSecurityEvents(user.id, ['session_revoked'], 10)).toHaveLength(2);
      });

      it('listLiveSessions: only the user\'s live sessions, newest first, ties by id descending', async () => {
        const now = T0 + 10 * DAY;
        const { user } = await registered('lister', { createdAt: T0 - 5 * DAY, expiresAt: T0 - 4 * DAY });
        const live = (id: string, createdAt: number) => newSession(id, user.id, { createdAt, expiresAt: now + DAY, absoluteExpiresAt: now + 20 * DAY });
        const a = live('sess-a', T0 + DAY);
        const b = live('sess-b', T0 + 2 * DAY);
        // Same createdAt: the larger id comes first, whatever the insertion order.
        // Each keeps the way it signed in.
        const c = { ...live('sess-c', T0 + 3 * DAY), method: 'passkey' as const };
        const d = { ...live('sess-d', T0 + 3 * DAY), method: 'password+totp' as const };
        const e = live('sess-e', T0 + 3 * DAY);
        const revoked = live('sess-revoked', T0 + 4 * DAY);
        const idle = newSession('sess-idle', user.id, { createdAt: T0 + 5 * DAY, expiresAt: now - 1, absoluteExpiresAt: now + 20 * DAY });
        const absolute = newSession('sess-absolute', user.id, { createdAt: T0 + 6 * DAY, expiresAt: now + DAY, absoluteExpiresAt: now - 1 });
        const stranger = await registered('other-user', { createdAt: T0 + 7 * DAY, expiresAt: now + DAY, absoluteExpiresAt: now + 20 * DAY });
        for (const s of [d, b, revoked, e, a, idle, c, absolute]) await store.insertSession(s, []);
        await store.revokeSession(revoked.id, 'signed_out', T0 + 5 * DAY, []);

        const listed = await store.listLiveSessions(user.id, now);
        expect(listed.map((s) => s.id)).toEqual(['sess-e', 'sess-d', 'sess-c', 'sess-b', 'sess-a']);
        expect(listed).toStrictEqual([e, d, c, b, a].map(stored));
        expect((await store.listLiveSessions(stranger.user.id, now)).map((s) => s.id)).toEqual([stranger.session.id]);
        expect(await store.listLiveSessions('user-nobody', now)).toEqual([]);
      });

      it('listLiveSessions: a session is live strictly before expiresAt and absoluteExpiresAt', async () => {
        const { user } = await registered('edge', { expiresAt: T0 + HOUR, absoluteExpiresAt: T0 + DAY });
        const absoluteEdge = newSession('sess-edge-abs', user.id, { expiresAt: T0 + 2 * DAY, absoluteExpiresAt: T0 + HOUR });
        await store.insertSession(absoluteEdge, []);
        expect(sorted((await store.listLiveSessions(user.id, T0 + HOUR - 1)).map((s) => s.id))).toEqual(sorted(['sess-edge', absoluteEdge.id]));
        expect(await store.listLiveSessions(user.id, T0 + HOUR)).toEqual([]);
      });
    });

    describe('changePassword', () => {
      async function account() {
        const { user, session: caller, hash } = await registered('pw', { createdAt: T0 - DAY });
        const o1 = newSession('sess-pw-o1', user.id, { createdAt: T0 - HOUR });
        const o2 = newSession('sess-pw-o2', user.id, { createdAt: T0 - MINUTE });
        const old = newSession('sess-pw-old', user.id, { createdAt: T0 - 2 * DAY });
        for (const s of [o1, o2, old]) await store.insertSession(s, []);
        await store.revokeSession(old.id, 'old_reason', T0 - HOUR, []);
        const stranger = await registered('pw-stranger');
        const confirmation: Confirmation = { userId: user.id, sessionId: caller.id, confirmedHash: hash, now: T0 };
        const revokedEvent: RevocationEvent = { type: 'session_revoked', userId: user.id, ip: '192.0.2.5', userAgent: 'ua-pw', at: T0, detail: '{"reason":"password_changed"}' };
        const events = [newEvent('password_changed', { userId: user.id, sessionId: caller.id, at: T0, detail: '{"revoked":2}' })];
        return { user, caller, hash, o1, o2, old, stranger, confirmation, revokedEvent, events };
      }

      /** Asserts a failed change wrote nothing: hash, sessions and events as before. */
      async function expectUnchanged(a: Awaited<ReturnType<typeof account>>, hash: string, callerRecord: SessionRecord | null) {
        expect((await store.findCredentials({ id: a.user.id }))?.passwordHash).toBe(hash);
        expect(await store.findSession(a.caller.id)).toStrictEqual(callerRecord);
        expect(await store.findSession(a.o1.id)).toStrictEqual(stored(a.o1));
        expect(await store.findSession(a.o2.id)).toStrictEqual(stored(a.o2));
        expect(await store.findSession(a.old.id)).toStrictEqual({ ...stored(a.old), revokedAt: T0 - HOUR, revokedReason: 'old_reason' });
        expect(await store.findSession(a.stranger.session.id)).toStrictEqual(stored(a.stranger.session));
        expect(await store.listSecurityEvents(a.user.id, ALL_TYPES, 100)).toEqual([]);
        expect(await countAndDropAllEvents()).toBe(0);
      }

      it('ok: replaces the hash, revokes the other live sessions (one event each), keeps the caller\'s, writes the events', async () => {
        const a = await account();
        const result = await store.changePassword(a.confirmation, '$2b$12$new-hash', a.revokedEvent, a.events);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(sorted(result.value)).toEqual(sorted([a.o1.id, a.o2.id]));

        expect((await store.findCredentials({ id: a.user.id }))?.passwordHash).toBe('$2b$12$new-hash');
        expect(await store.findSession(a.caller.id)).toStrictEqual(stored(a.caller));
        for (const s of [a.o1, a.o2]) {
          const found = await store.findSession(s.id);
          expect(found?.revokedAt).toBe(T0);
          expect(found?.revokedReason).toEqual(expect.any(String));
          expect({ ...found, revokedAt: null, revokedReason: null }).toStrictEqual(stored(s));
        }
        expect(await store.findSession(a.old.id)).toStrictEqual({ ...stored(a.old), revokedAt: T0 - HOUR, revokedReason: 'old_reason' });
        expect(await store.findSession(a.stranger.session.id)).toStrictEqual(stored(a.stranger.session));
        expect((await store.listLiveSessions(a.user.id, T0)).map((s) => s.id)).toEqual([a.caller.id]);

        const revokedEvents = await store.listSecurityEvents(a.user.id, ['session_revoked'], 100);
        expect(sorted(revokedEvents.map((e) => e.sessionId ?? 'null'))).toEqual(sorted([a.o1.id, a.o2.id]));
        for (const e of revokedEvents) expect({ ...e, id: 0, sessionId: null }).toStrictEqual({ ...a.revokedEvent, id: 0, sessionId: null });
        const changed = await store.listSecurityEvents(a.user.id, ['password_changed'], 100);
        expect(changed.map(withoutId)).toStrictEqual(a.events);
        expect(await countAndDropAllEvents()).toBe(3);
      });

      it('caller session revoked meanwhile: session_ended, and nothing is written', async () => {
        const a = await account();
        await store.revokeSession(a.caller.id, 'signed_out', T0 - SECOND, []);
        const result = await store.changePassword(a.confirmation, '$2b$12$new-hash', a.revokedEvent, a.events);
        expect(result).toStrictEqual({ ok: false, reason: 'session_ended' });
        await expectUnchanged(a, a.hash, { ...stored(a.caller), revokedAt: T0 - SECOND, revokedReason: 'signed_out' });
      });

      it('caller session idle-expired: session_ended, and nothing is written', async () => {
        const a = await account();
        const result = await store.changePassword({ ...a.confirmation, now: a.caller.expiresAt }, '$2b$12$new-hash', a.revokedEvent, a.events);
        expect(result).toStrictEqual({ ok: false, reason: 'session_ended' });
        await expectUnchanged(a, a.hash, stored(a.caller));
      });

      it('caller session past its absolute expiry: session_ended, and nothing is written', async () => {
        const { user, hash } = await registered('pw-abs', { expiresAt: T0 + 7 * DAY, absoluteExpiresAt: T0 + HOUR });
        const other = newSession('sess-pw-abs-2', user.id, { expiresAt: T0 + 7 * DAY, absoluteExpiresAt: T0 + 30 * DAY });
        await store.insertSession(other, []);
        const result = await store.changePassword({ userId: user.id, sessionId: 'sess-pw-abs', confirmedHash: hash, now: T0 + 2 * HOUR }, '$2b$12$new', { type: 'session_revoked', userId: user.id, ip: null, userAgent: null, at: T0, detail: null }, [newEvent('password_changed', { userId: user.id })]);
        expect(result).toStrictEqual({ ok: false, reason: 'session_ended' });
        expect((await store.findCredentials({ id: user.id }))?.passwordHash).toBe(hash);
        expect(await store.findSession(other.id)).toStrictEqual(stored(other));
        expect(await countAndDropAllEvents()).toBe(0);
      });

      it('unknown caller session: session_ended, and nothing is written', async () => {
        const a = await account();
        const result = await store.changePassword({ ...a.confirmation, sessionId: 'sess-nobody' }, '$2b$12$new-hash', a.revokedEvent, a.events);
        expect(result).toStrictEqual({ ok: false, reason: 'session_ended' });
        await expectUnchanged(a, a.hash, stored(a.caller));
      });

      it('password changed meanwhile: password_changed, and nothing is written', async () => {
        const a = await account();
        expect(await store.rehashPassword(a.user.id, a.hash, '$2b$12$changed-meanwhile', T0 - SECOND)).toBe(true);
        const result = await store.changePassword(a.confirmation, '$2b$12$new-hash', a.revokedEvent, a.events);
        expect(result).toStrictEqual({ ok: false, reason: 'password_changed' });
        await expectUnchanged(a, '$2b$12$changed-meanwhile', stored(a.caller));
      });
    });

    describe('deleteAccount', () => {
      async function account() {
        const { user, session: caller, hash } = await registered('del');
        const second = newSession('sess-del-2', user.id);
        await store.insertSession(second, []);
        const ownEvents = [
          newEvent('signed_in', { userId: user.id, sessionId: caller.id, ip: '203.0.113.50', userAgent: 'ua-del', at: T0 - HOUR, detail: '{"method":"password"}' }),
          newEvent('session_revoked', { userId: user.id, sessionId: second.id, ip: '203.0.113.51', userAgent: 'ua-del-2', at: T0 - MINUTE, detail: null }),
        ];
        await store.addSecurityEvents(ownEvents);
        const stranger = await registered('del-stranger');
        const strangerEvents = [newEvent('signed_in', { userId: stranger.user.id, sessionId: stranger.session.id, at: T0 - HOUR })];
        await store.addSecurityEvents(strangerEvents);
        const save = (key: string): RateLimitRecord => ({ key, count: 3, windowStart: T0 - MINUTE, lastAt: T0 - SECOND, limitedAt: null });
        for (const key of ['account:del@example.com', 'ip:203.0.113.50', 'ip:198.51.100.99', 'account:del-stranger@example.com']) {
          await store.consumeRateLimit(key, () => ({ save: save(key), result: null }));
        }
        const confirmation: Confirmation = { userId: user.id, sessionId: caller.id, confirmedHash: hash, now: T0 };
        const events = [newEvent('account_deleted', { userId: null, sessionId: null, ip: null, userAgent: null, at: T0, detail: '{"sessions":2}' })];
        return { user, caller, second, hash, ownEvents, stranger, strangerEvents, confirmation, events, save };
      }

      it('ok: user, sessions and the given rate-limit keys are gone; the user\'s events stay without personal data; the new events are written', async () => {
        const a = await account();
        const rawBefore = options.rawSecurityEvents ? await options.rawSecurityEvents() : null;
        const result = await store.deleteAccount(a.confirmation, ['account:del@example.com', 'ip:203.0.113.50'], a.events);
        expect(result).toStrictEqual({ ok: true, value: null });

        expect(await store.findUserById(a.user.id)).toBeNull();
        expect(await store.findCredentials({ email: a.user.email })).toBeNull();
        expect(await store.findCredentials({ id: a.user.id })).toBeNull();
        expect(await store.findSession(a.caller.id)).toBeNull();
        expect(await store.findSession(a.second.id)).toBeNull();
        expect(await readRateLimit('account:del@example.com')).toBeNull();
        expect(await readRateLimit('ip:203.0.113.50')).toBeNull();
        expect(await readRateLimit('ip:198.51.100.99')).toStrictEqual(a.save('ip:198.51.100.99'));
        expect(await readRateLimit('account:del-stranger@example.com')).toStrictEqual(a.save('account:del-stranger@example.com'));

        // Someone else is untouched.
        expect(await store.findUserById(a.stranger.user.id)).toStrictEqual(a.stranger.user);
        expect(await store.findSession(a.stranger.session.id)).toStrictEqual(stored(a.stranger.session));
        expect((await store.listSecurityEvents(a.stranger.user.id, ALL_TYPES, 10)).map(withoutId)).toStrictEqual(a.strangerEvents);

        // Nothing names the deleted user any more.
        expect(await store.listSecurityEvents(a.user.id, ALL_TYPES, 100)).toEqual([]);

        if (options.rawSecurityEvents && rawBefore) {
          const rawAfter = await options.rawSecurityEvents();
          const wasOwn = new Set(rawBefore.filter((e) => e.userId === a.user.id).map((e) => e.id));
          expect(wasOwn.size).toBe(a.ownEvents.length);
          // The user's events are kept, stripped of who, which session, where and which device.
          const kept = rawAfter.filter((e) => wasOwn.has(e.id));
          expect(kept).toStrictEqual(
            rawBefore.filter((e) => wasOwn.has(e.id)).map((e) => ({ ...e, userId: null, sessionId: null, ip: null, userAgent: null })),
          );
          // Everything else kept as it was, plus the new events.
          expect(rawAfter.filter((e) => !wasOwn.has(e.id) && rawBefore.some((b) => b.id === e.id))).toStrictEqual(rawBefore.filter((e) => !wasOwn.has(e.id)));
          const added = rawAfter.filter((e) => !rawBefore.some((b) => b.id === e.id));
          expect(added.map(withoutId)).toStrictEqual(a.events);
        }
        expect(await countAndDropAllEvents()).toBe(a.ownEvents.length + a.strangerEvents.length + a.events.length);
      });

      it('the email is free again after deletion, and the old events do not come back under a new user with the same id', async () => {
        const a = await account();
        expect((await store.deleteAccount(a.confirmation, [], a.events)).ok).toBe(true);
        const again = newUser('del', { passwordHash: '$2b$04$fresh' });
        expect(await store.register(again, newSession('sess-del-again', again.id), [], T0 + HOUR)).toStrictEqual({ id: again.id, email: again.email, name: again.name, createdAt: T0 + HOUR, emailVerifiedAt: null });
        expect(await store.listSecurityEvents(again.id, ALL_TYPES, 100)).toEqual([]);
        // The old sessions stay gone: the new account does not inherit them.
        expect(await store.findSession(a.second.id)).toBeNull();
        expect((await store.listLiveSessions(again.id, T0 + HOUR)).map((s) => s.id)).toEqual(['sess-del-again']);
      });

      async function expectIntact(a: Awaited<ReturnType<typeof account>>, hash: string) {
        expect(await store.findCredentials({ id: a.user.id })).toStrictEqual({ ...a.user, passwordHash: hash });
        expect(await store.findSession(a.second.id)).toStrictEqual(stored(a.second));
        expect(await readRateLimit('account:del@example.com')).toStrictEqual(a.save('account:del@example.com'));
        expect(await readRateLimit('ip:203.0.113.50')).toStrictEqual(a.save('ip:203.0.113.50'));
        const own = await store.listSecurityEvents(a.user.id, ALL_TYPES, 100);
        expect(own.map(withoutId)).toStrictEqual([...a.ownEvents].reverse());
        expect(await store.listSecurityEvents(a.user.id, ['account_deleted'], 100)).toEqual([]);
        expect(await countAndDropAllEvents()).toBe(a.ownEvents.length + a.strangerEvents.length);
      }

      it('caller session revoked meanwhile: session_ended, and nothing is deleted or written', async () => {
        const a = await account();
        await store.revokeSession(a.caller.id, 'signed_out', T0 - SECOND, []);
        const result = await store.deleteAccount(a.confirmation, ['account:del@example.com', 'ip:203.0.113.50'], a.events);
        expect(result).toStrictEqual({ ok: false, reason: 'session_ended' });
        expect(await store.findSession(a.caller.id)).toStrictEqual({ ...stored(a.caller), revokedAt: T0 - SECOND, revokedReason: 'signed_out' });
        await expectIntact(a, a.hash);
      });

      it('caller session expired: session_ended, and nothing is deleted or written', async () => {
        const a = await account();
        const result = await store.deleteAccount({ ...a.confirmation, now: a.caller.absoluteExpiresAt + 1 }, ['account:del@example.com', 'ip:203.0.113.50'], a.events);
        expect(result).toStrictEqual({ ok: false, reason: 'session_ended' });
        expect(await store.findSession(a.caller.id)).toStrictEqual(stored(a.caller));
        await expectIntact(a, a.hash);
      });

      it('password changed meanwhile: password_changed, and nothing is deleted or written', async () => {
        const a = await account();
        expect(await store.rehashPassword(a.user.id, a.hash, '$2b$12$changed', T0 - SECOND)).toBe(true);
        const result = await store.deleteAccount(a.confirmation, ['account:del@example.com', 'ip:203.0.113.50'], a.events);
        expect(result).toStrictEqual({ ok: false, reason: 'password_changed' });
        expect(await store.findSession(a.caller.id)).toStrictEqual(stored(a.caller));
        await expectIntact(a, '$2b$12$changed');
      });
    });

    describe('security events', () => {
      it('listSecurityEvents filters by user and type, newest first, ties by id descending, and honours the limit', async () => {
        const { user } = await registered('ev');
        const other = await registered('ev-other');
        const detail = '{"reason":"quoted \\"value\\"","unicode":"Ü✓😀","n":12345678901234}';
        // Inserted out of time order, and two batches so that ids are not in time order either.
        await store.addSecurityEvents([
          newEvent('signed_in', { userId: user.id, at: T0 + 2 * HOUR, detail }),
          newEvent('signed_in', { userId: user.id, at: T0 }),
          newEvent('other', { userId: user.id, at: T0 + 5 * HOUR }),
          newEvent('signed_in', { userId: other.user.id, at: T0 + 9 * HOUR }),
          newEvent('signed_in', { userId: null, at: T0 + 9 * HOUR }),
        ]);
        await store.addSecurityEvents([
          newEvent('session_revoked', { userId: user.id, sessionId: 'sess-x', at: T0 + HOUR }),
          // Same instant as the first one: inserted later, so a larger id, so listed first.
          newEvent('signed_in', { userId: user.id, at: T0 + 2 * HOUR, detail: '{"tie":"second"}', ip: null, userAgent: null }),
        ]);

        const listed = await store.listSecurityEvents(user.id, ['signed_in', 'session_revoked'], 10);
        expect(listed.map((e) => [e.type, e.at - T0, e.detail])).toEqual([
          ['signed_in', 2 * HOUR, '{"tie":"second"}'],
          ['signed_in', 2 * HOUR, detail],
          ['session_revoked', HOUR, null],
          ['signed_in', 0, null],
        ]);
        const [first, second] = listed;
        expect(first?.id).toBeGreaterThan(second?.id ?? Infinity);
        for (const e of listed) {
          expect(typeof e.id).toBe('number');
          expect(typeof e.at).toBe('number');
          expect(e.userId).toBe(user.id);
        }
        expect(listed[1]).toStrictEqual({ ...newEvent('signed_in', { userId: user.id, at: T0 + 2 * HOUR, detail }), id: listed[1]?.id });
        expect(listed[2]).toStrictEqual({ ...newEvent('session_revoked', { userId: user.id, sessionId: 'sess-x', at: T0 + HOUR }), id: listed[2]?.id });

        expect((await store.listSecurityEvents(user.id, ['signed_in', 'session_revoked'], 2)).map((e) => e.detail)).toEqual(['{"tie":"second"}', detail]);
        expect((await store.listSecurityEvents(user.id, ['other'], 10)).map((e) => e.at)).toEqual([T0 + 5 * HOUR]);
        expect(await store.listSecurityEvents(user.id, ['registered'], 10)).toEqual([]);
        expect((await store.listSecurityEvents(other.user.id, ALL_TYPES, 10)).map((e) => e.at)).toEqual([T0 + 9 * HOUR]);
      });

      it('addSecurityEvents with no events writes nothing', async () => {
        await registered('ev-empty');
        await store.addSecurityEvents([]);
        expect(await countAndDropAllEvents()).toBe(0);
      });
    });

    describe('rate limits', () => {
      it('consumeRateLimit hands decide null for a new key, then the saved row; save null writes nothing; deleteRateLimit removes it', async () => {
        const seen: (RateLimitRecord | null)[] = [];
        /** A decide that records what it was handed. */
        const recording =
          <T,>(outcome: RateLimitOutcome<T>) =>
          (row: RateLimitRecord | null): RateLimitOutcome<T> => {
            seen.push(row);
            return outcome;
          };
        const first: RateLimitRecord = { key: 'ip:203.0.113.9', count: 1, windowStart: T0, lastAt: T0 + 1, limitedAt: null };

        // save: null on a new key writes nothing.
        expect(await store.consumeRateLimit(first.key, recording({ save: null, result: 'nothing' }))).toBe('nothing');
        expect(seen.at(-1)).toBeNull();
        expect(await store.consumeRateLimit(first.key, recording({ save: first, result: 42 }))).toBe(42);
        expect(seen.at(-1)).toBeNull();

        const second: RateLimitRecord = { key: first.key, count: 2, windowStart: T0, lastAt: T0 + 2 * DAY, limitedAt: T0 + 2 * DAY - 5 };
        expect(await store.consumeRateLimit(first.key, recording({ save: second, result: { allowed: false } }))).toStrictEqual({ allowed: false });
        expect(seen.at(-1)).toStrictEqual(first);

        // save: null on an existing key leaves it.
        await store.consumeRateLimit(first.key, recording({ save: null, result: null }));
        expect(seen.at(-1)).toStrictEqual(second);
        expect(await readRateLimit(first.key)).toStrictEqual(second);
        const read = await readRateLimit(first.key);
        for (const key of ['count', 'windowStart', 'lastAt', 'limitedAt'] as const) expect(typeof read?.[key], key).toBe('number');

        // Keys are independent.
        expect(await readRateLimit('account:someone@example.com')).toBeNull();

        await store.deleteRateLimit(first.key);
        expect(await readRateLimit(first.key)).toBeNull();
        await store.deleteRateLimit('ip:never-seen');
      });

      it('consumeRateLimit rejects with decide\'s error and writes nothing', async () => {
        const row: RateLimitRecord = { key: 'ip:boom', count: 5, windowStart: T0, lastAt: T0, limitedAt: null };
        await store.consumeRateLimit(row.key, () => ({ save: row, result: null }));
        const error = await rejection(() =>
          store.consumeRateLimit(row.key, () => {
            throw new TypeError('decide failed');
          }),
        );
        expect(error).toBeInstanceOf(TypeError);
        expect(await readRateLimit(row.key)).toStrictEqual(row);
      });
    });

    describe('housekeeping', () => {
      it('deletes exactly the ended sessions, old events and stale rate-limit rows, returns the counts, keeps the rest', async () => {
        const cutoff = T0 - DAY;
        const { user, session: liveSession } = await registered('hk', { createdAt: T0 - 3 * DAY, expiresAt: T0 + DAY, absoluteExpiresAt: T0 + 30 * DAY });
        const s = (id: string, overrides: Partial<NewSession>) => newSession(id, user.id, { createdAt: T0 - 40 * DAY, expiresAt: T0 + DAY, absoluteExpiresAt: T0 + 30 * DAY, ...overrides });
        const revokedOld = s('sess-revoked-old', {});
        const revokedRecent = s('sess-revoked-recent', {});
        const idleOld = s('sess-idle-old', { expiresAt: cutoff - 1 });
        const idleRecent = s('sess-idle-recent', { expiresAt: cutoff + HOUR });
        const absoluteOld = s('sess-absolute-old', { absoluteExpiresAt: cutoff - 1 });
        const absoluteRecent = s('sess-absolute-recent', { absoluteExpiresAt: cutoff + HOUR });
        for (const each of [revokedOld, revokedRecent, idleOld, idleRecent, absoluteOld, absoluteRecent]) await store.insertSession(each, []);
        await store.revokeSession(revokedOld.id, 'signed_out', cutoff - 1, []);
        await store.revokeSession(revokedRecent.id, 'signed_out', cutoff + 1, []);

        const eventsBefore = T0 - 90 * DAY;
        await store.addSecurityEvents([
          newEvent('signed_in', { userId: user.id, at: eventsBefore - DAY }),
          newEvent('signed_in', { userId: null, at: eventsBefore - 1 }),
          newEvent('signed_in', { userId: user.id, at: eventsBefore + 1 }),
          newEvent('signed_in', { userId: user.id, at: T0 }),
        ]);

        const rateLimitsBefore = T0 - 15 * MINUTE;
        const row = (key: string, lastAt: number): RateLimitRecord => ({ key, count: 1, windowStart: lastAt - MINUTE, lastAt, limitedAt: null });
        for (const r of [row('ip:stale-1', rateLimitsBefore - HOUR), row('ip:stale-2', rateLimitsBefore - 1), row('ip:fresh', rateLimitsBefore + 1), row('ip:now', T0)]) {
          await store.consumeRateLimit(r.key, () => ({ save: r, result: null }));
        }

        const result = await store.housekeeping({ sessionsEndedBefore: cutoff, eventsBefore, rateLimitsBefore, tokensEndedBefore: 0, devicesBefore: 0, passkeyChallengesBefore: 0, authorizationCodesBefore: 0 });
        expect(result).toStrictEqual({ sessions: 3, events: 2, rateLimits: 2, oneTimeTokens: 0, devices: 0, passkeyChallenges: 0, authorizationCodes: 0 });

        for (const gone of [revokedOld, idleOld, absoluteOld]) expect(await store.findSession(gone.id), gone.id).toBeNull();
        for (const kept of [liveSession, revokedRecent, idleRecent, absoluteRecent]) expect(await store.findSession(kept.id), kept.id).not.toBeNull();
        expect((await store.listSecurityEvents(user.id, ['signed_in'], 10)).map((e) => e.at)).toEqual([T0, eventsBefore + 1]);
        expect(await readRateLimit('ip:stale-1')).toBeNull();
        expect(await readRateLimit('ip:stale-2')).toBeNull();
        expect(await readRateLimit('ip:fresh')).toStrictEqual(row('ip:fresh', rateLimitsBefore + 1));
        expect(await readRateLimit('ip:now')).toStrictEqual(row('ip:now', T0));
        expect(await store.findUserById(user.id)).toStrictEqual(user);

        // A second pass finds nothing more.
        expect(await store.housekeeping({ sessionsEndedBefore: cutoff, eventsBefore, rateLimitsBefore, tokensEndedBefore: 0, devicesBefore: 0, passkeyChallengesBefore: 0, authorizationCodesBefore: 0 })).toStrictEqual({ sessions: 0, events: 0, rateLimits: 0, oneTimeTokens: 0, devices: 0, passkeyChallenges: 0, authorizationCodes: 0 });
      });
    });

    describe('one-time links', () => {
      const link = (id: string, userId: string, overrides: Partial<NewOneTimeToken> = {}): NewOneTimeToken => ({
        id,
        userId,
        kind: 'password_reset',
        email: `${userId.replace(/^user-/, '')}@example.com`,
        next: null,
        createdAt: T0,
        expiresAt: T0 + 30 * MINUTE,
        ...overrides,
      });
      const revoked: Omit<RevocationEvent, 'userId'> = { type: 'session_revoked', ip: '198.51.100.1', userAgent: 'curl/8.5.0', at: T0, detail: '{"reason":"password_reset"}' };

      it('issueOneTimeToken stores a live link with its events; findOneTimeToken sees it only for its kind, before expiry, unused', async () => {
        const { user } = await registered('link');
        const token = link('mac-1', user.id);
        const event = newEvent('password_reset_requested', { userId: user.id });
        expect(await store.issueOneTimeToken(token, [event])).toBe(true);
        expect(await store.findOneTimeToken('mac-1', 'password_reset', T0)).toStrictEqual({ ...token, usedAt: null });
        expect(await store.findOneTimeToken('mac-1', 'email_verification', T0)).toBeNull();
        expect(await store.findOneTimeToken('mac-1', 'password_reset', token.expiresAt)).toBeNull();
        expect(await store.findOneTimeToken('mac-unknown', 'password_reset', T0)).toBeNull();
        expect((await store.listSecurityEvents(user.id, ['password_reset_requested'], 10)).map(withoutId)).toStrictEqual([event]);
        // Finding does not use it.
        expect(await store.findOneTimeToken('mac-1', 'password_reset', T0)).not.toBeNull();
      });

      it('issueOneTimeToken for a user that does not exist returns false and writes nothing', async () => {
        expect(await store.issueOneTimeToken(link('mac-ghost', 'user-ghost'), [newEvent('password_reset_requested')])).toBe(false);
        expect(await store.findOneTimeToken('mac-ghost', 'password_reset', T0)).toBeNull();
        expect(await countAndDropAllEvents()).toBe(0);
      });

      it('a newer link of a kind supersedes the older ones of that kind only, and only for that user', async () => {
        const { user } = await registered('super');
        const { user: other } = await registered('bystander');
        await store.issueOneTimeToken(link('mac-old', user.id), []);
        await store.issueOneTimeToken(link('mac-verify', user.id, { kind: 'email_verification' }), []);
        await store.issueOneTimeToken(link('mac-other', other.id), []);
        await store.issueOneTimeToken(link('mac-new', user.id, { createdAt: T0 + MINUTE }), []);
        expect(await store.findOneTimeToken('mac-old', 'password_reset', T0 + MINUTE)).toBeNull();
        expect(await store.findOneTimeToken('mac-new', 'password_reset', T0 + MINUTE)).not.toBeNull();
        expect(await store.findOneTimeToken('mac-verify', 'email_verification', T0 + MINUTE)).not.toBeNull();
        expect(await store.findOneTimeToken('mac-other', 'password_reset', T0 + MINUTE)).not.toBeNull();
      });

      it('resetPassword uses the link once: new hash, email verified, every session revoked, every link of the user gone, events written', async () => {
        const { user, session } = await registered('reset');
        const second = newSession('sess-reset-2', user.id);
        await store.insertSession(second, []);
        const { user: other, session: otherSession } = await registered('reset-other');
        await store.issueOneTimeToken(link('mac-r', user.id), []);
        await store.issueOneTimeToken(link('mac-v', user.id, { kind: 'email_verification' }), []);
        await store.issueOneTimeToken(link('mac-o', other.id), []);
        const event = { ...newEvent('password_reset', { at: T0 + MINUTE }) } as Omit<NewSecurityEvent, 'userId'> & { userId?: string };
        delete event.userId;

        const result = await store.resetPassword('mac-r', '$2b$04$new-hash', T0 + MINUTE, revoked, [event]);
        expect(result?.userId).toBe(user.id);
        expect(sorted(result?.revokedSessionIds ?? [])).toEqual(sorted([session.id, second.id]));
        expect((await store.findCredentials({ id: user.id }))?.passwordHash).toBe('$2b$04$new-hash');
        expect((await store.findUserById(user.id))?.emailVerifiedAt).toBe(T0 + MINUTE);
        for (const id of [session.id, second.id]) expect((await store.findSession(id))?.revokedReason).toBe('password_reset');
        expect((await store.findSession(otherSession.id))?.revokedAt).toBeNull();
        expect(await store.findOneTimeToken('mac-v', 'email_verification', T0 + MINUTE)).toBeNull();
        expect(await store.findOneTimeToken('mac-o', 'password_reset', T0 + MINUTE)).not.toBeNull();
        expect((await store.listSecurityEvents(user.id, ['password_reset'], 10)).map(withoutId)).toStrictEqual([{ ...event, userId: user.id }]);
        expect(await store.listSecurityEvents(user.id, ['session_revoked'], 10)).toHaveLength(2);

        // Spent: a second use changes nothing.
        expect(await store.resetPassword('mac-r', '$2b$04$third-hash', T0 + 2 * MINUTE, revoked, [])).toBeNull();
        expect((await store.findCredentials({ id: user.id }))?.passwordHash).toBe('$2b$04$new-hash');
      });

      it('resetPassword refuses an expired, unknown or other-kind link and writes nothing', async () => {
        const { user, session, hash } = await registered('reset-no');
        await store.issueOneTimeToken(link('mac-exp', user.id), []);
        await store.issueOneTimeToken(link('mac-kind', user.id, { kind: 'email_verification' }), []);
        expect(await store.resetPassword('mac-exp', '$2b$04$x', T0 + 30 * MINUTE, revoked, [newEvent('password_reset')])).toBeNull();
        expect(await store.resetPassword('mac-kind', '$2b$04$x', T0, revoked, [newEvent('password_reset')])).toBeNull();
        expect(await store.resetPassword('mac-nothing', '$2b$04$x', T0, revoked, [newEvent('password_reset')])).toBeNull();
        expect((await store.findCredentials({ id: user.id }))?.passwordHash).toBe(hash);
        expect((await store.findSession(session.id))?.revokedAt).toBeNull();
        expect(await countAndDropAllEvents()).toBe(0);
      });

      it('changePassword kills every link of the user', async () => {
        const { user, session, hash } = await registered('change-kills');
        await store.issueOneTimeToken(link('mac-c1', user.id), []);
        await store.issueOneTimeToken(link('mac-c2', user.id, { kind: 'email_verification' }), []);
        const result = await store.changePassword({ userId: user.id, sessionId: session.id, confirmedHash: hash, now: T0 }, '$2b$04$changed', { ...revoked, userId: user.id }, []);
        expect(result.ok).toBe(true);
        expect(await store.findOneTimeToken('mac-c1', 'password_reset', T0)).toBeNull();
        expect(await store.findOneTimeToken('mac-c2', 'email_verification', T0)).toBeNull();
        expect(await store.resetPassword('mac-c1', '$2b$04$x', T0, revoked, [])).toBeNull();
      });

      it('verifyEmail uses the link once, marks the user verified (keeping the first time) and writes the events', async () => {
        const { user } = await registered('verify');
        await store.issueOneTimeToken(link('mac-ve', user.id, { kind: 'email_verification', expiresAt: T0 + DAY }), []);
        const event = { type: 'email_verified', sessionId: null, ip: null, userAgent: null, at: T0 + HOUR, detail: null };
        expect(await store.verifyEmail('mac-ve', T0 + HOUR, [event])).toStrictEqual({ ...user, emailVerifiedAt: T0 + HOUR });
        expect(await store.findUserById(user.id)).toStrictEqual({ ...user, emailVerifiedAt: T0 + HOUR });
        expect((await store.listSecurityEvents(user.id, ['email_verified'], 10)).map(withoutId)).toStrictEqual([{ ...event, userId: user.id }]);
        expect(await store.verifyEmail('mac-ve', T0 + HOUR, [event])).toBeNull();
        // A later link keeps the first verification time.
        await store.issueOneTimeToken(link('mac-ve2', user.id, { kind: 'email_verification', expiresAt: T0 + DAY }), []);
        expect((await store.verifyEmail('mac-ve2', T0 + 2 * HOUR, []))?.emailVerifiedAt).toBe(T0 + HOUR);
      });

      it('verifyEmail refuses a reset link, an expired or unknown one, and a link sent to another address', async () => {
        const { user } = await registered('verify-no');
        await store.issueOneTimeToken(link('mac-reset', user.id), []);
        await store.issueOneTimeToken(link('mac-elsewhere', user.id, { kind: 'email_verification', email: 'old-address@example.com' }), []);
        expect(await store.verifyEmail('mac-reset', T0, [newEvent('email_verified')])).toBeNull();
        expect(await store.verifyEmail('mac-elsewhere', T0, [newEvent('email_verified')])).toBeNull();
        expect(await store.verifyEmail('mac-none', T0, [newEvent('email_verified')])).toBeNull();
        await store.issueOneTimeToken(link('mac-late', user.id, { kind: 'email_verification' }), []);
        expect(await store.verifyEmail('mac-late', T0 + 30 * MINUTE, [])).toBeNull();
        expect((await store.findUserById(user.id))?.emailVerifiedAt).toBeNull();
        expect(await countAndDropAllEvents()).toBe(0);
      });

      it('links go with their user when the account is deleted', async () => {
        const { user, session, hash } = await registered('link-del');
        await store.issueOneTimeToken(link('mac-del', user.id), []);
        await store.rememberDevice(user.id, 'Firefox|Linux|203.0.113.0/24', T0);
        const result = await store.deleteAccount({ userId: user.id, sessionId: session.id, confirmedHash: hash, now: T0 }, [], []);
        expect(result.ok).toBe(true);
        expect(await store.findOneTimeToken('mac-del', 'password_reset', T0)).toBeNull();
        expect(await store.housekeeping({ sessionsEndedBefore: 0, eventsBefore: 0, rateLimitsBefore: 0, tokensEndedBefore: Number.MAX_SAFE_INTEGER, devicesBefore: Number.MAX_SAFE_INTEGER, passkeyChallengesBefore: 0, authorizationCodesBefore: 0 })).toStrictEqual({ sessions: 0, events: 0, rateLimits: 0, oneTimeTokens: 0, devices: 0, passkeyChallenges: 0, authorizationCodes: 0 });
      });

      it('housekeeping deletes used and expired links and devices not seen since the cutoff, and keeps the rest', async () => {
        const { user } = await registered('hk-links');
        const { user: other } = await registered('hk-links-2');
        const { user: third } = await registered('hk-links-3');
        await store.issueOneTimeToken(link('mac-used', user.id, { kind: 'email_verification' }), []);
        expect(await store.verifyEmail('mac-used', T0 + MINUTE, [])).not.toBeNull();
        await store.issueOneTimeToken(link('mac-expired', other.id, { expiresAt: T0 + MINUTE }), []);
        await store.issueOneTimeToken(link('mac-live', third.id, { expiresAt: T0 + HOUR }), []);
        await store.rememberDevice(user.id, 'old', T0 - 100 * DAY);
        await store.rememberDevice(user.id, 'recent', T0);
        const result = await store.housekeeping({ sessionsEndedBefore: 0, eventsBefore: 0, rateLimitsBefore: 0, tokensEndedBefore: T0 + 2 * MINUTE, devicesBefore: T0 - 90 * DAY, passkeyChallengesBefore: 0, authorizationCodesBefore: 0 });
        expect(result).toStrictEqual({ sessions: 0, events: 0, rateLimits: 0, oneTimeTokens: 2, devices: 1, passkeyChallenges: 0, authorizationCodes: 0 });
        expect(await store.findOneTimeToken('mac-live', 'password_reset', T0 + 2 * MINUTE)).not.toBeNull();
        expect(await store.rememberDevice(user.id, 'recent', T0 + MINUTE)).toBe('known');
        expect(await store.rememberDevice(user.id, 'old', T0 + MINUTE)).toBe('new');
      });

      it('rememberDevice: first for an account with none, known for a device seen before, new otherwise; per user', async () => {
        const { user } = await registered('devices');
        const { user: other } = await registered('devices-2');
        expect(await store.rememberDevice(user.id, 'Chrome|Linux|192.0.2.0/24', T0)).toBe('first');
        expect(await store.rememberDevice(user.id, 'Chrome|Linux|192.0.2.0/24', T0 + 1)).toBe('known');
        expect(await store.rememberDevice(user.id, 'Firefox|Windows|198.51.100.0/24', T0 + 2)).toBe('new');
        expect(await store.rememberDevice(user.id, 'Firefox|Windows|198.51.100.0/24', T0 + 3)).toBe('known');
        expect(await store.rememberDevice(other.id, 'Chrome|Linux|192.0.2.0/24', T0 + 4)).toBe('first');
      });
    });

    describe('two-factor', () => {
      const sealed = (tag: string) => `v1.sealed-${tag}`;
      const twoFactorEvent = (userId: string, type = 'two_factor_enabled') => newEvent(type, { userId });

      it('beginTwoFactorSetup stores a pending authenticator and replaces a pending one; findTwoFactor reads it', async () => {
        const { user } = await registered('tf-begin');
        expect(await store.findTwoFactor(user.id)).toBeNull();
        expect(await store.beginTwoFactorSetup(user.id, sealed('a'), T0)).toBe(true);
        expect(await store.findTwoFactor(user.id)).toStrictEqual({ userId: user.id, secret: sealed('a'), createdAt: T0, enabledAt: null, lastUsedStep: null, recoveryCodesLeft: 0 });
        expect(await store.beginTwoFactorSetup(user.id, sealed('b'), T0 + MINUTE)).toBe(true);
        expect(await store.findTwoFactor(user.id)).toStrictEqual({ userId: user.id, secret: sealed('b'), createdAt: T0 + MINUTE, enabledAt: null, lastUsedStep: null, recoveryCodesLeft: 0 });
        expect(await store.beginTwoFactorSetup('user-ghost', sealed('c'), T0)).toBe(false);
        expect(await store.findTwoFactor('user-ghost')).toBeNull();
      });

      it('enableTwoFactor turns on only the pending setup with that secret, records the step, stores the codes and events', async () => {
        const { user } = await registered('tf-enable');
        await store.beginTwoFactorSetup(user.id, sealed('a'), T0);
        expect(await store.enableTwoFactor(user.id, sealed('other'), 100, ['h1'], T0 + SECOND, [twoFactorEvent(user.id)])).toBe(false);
        expect((await store.findTwoFactor(user.id))?.enabledAt).toBeNull();
        expect(await store.listSecurityEvents(user.id, ['two_factor_enabled'], 10)).toStrictEqual([]);

        const event = twoFactorEvent(user.id);
        expect(await store.enableTwoFactor(user.id, sealed('a'), 100, ['h1', 'h2', 'h3'], T0 + SECOND, [event])).toBe(true);
        expect(await store.findTwoFactor(user.id)).toStrictEqual({ userId: user.id, secret: sealed('a'), createdAt: T0, enabledAt: T0 + SECOND, lastUsedStep: 100, recoveryCodesLeft: 3 });
        expect((await store.listSecurityEvents(user.id, ['two_factor_enabled'], 10)).map(withoutId)).toStrictEqual([event]);
        // Enabled: a second enable, and a new setup, change nothing.
        expect(await store.enableTwoFactor(user.id, sealed('a'), 200, ['h9'], T0 + MINUTE, [])).toBe(false);
        expect(await store.beginTwoFactorSetup(user.id, sealed('new'), T0 + MINUTE)).toBe(false);
        expect(await store.findTwoFactor(user.id)).toMatchObject({ secret: sealed('a'), lastUsedStep: 100, recoveryCodesLeft: 3 });
        expect(await store.enableTwoFactor('user-ghost', sealed('a'), 1, [], T0, [])).toBe(false);
      });

      it('acceptTotpStep accepts only a later step, of the enabled authenticator with that secret', async () => {
        const { user } = await registered('tf-step');
        await store.beginTwoFactorSetup(user.id, sealed('a'), T0);
        expect(await store.acceptTotpStep(user.id, sealed('a'), 50)).toBe(false);
        await store.enableTwoFactor(user.id, sealed('a'), 100, [], T0, []);
        expect(await store.acceptTotpStep(user.id, sealed('a'), 100)).toBe(false);
        expect(await store.acceptTotpStep(user.id, sealed('a'), 99)).toBe(false);
        expect(await store.acceptTotpStep(user.id, sealed('b'), 101)).toBe(false);
        expect(await store.acceptTotpStep(user.id, sealed('a'), 101)).toBe(true);
        expect(await store.acceptTotpStep(user.id, sealed('a'), 101)).toBe(false);
        expect(await store.acceptTotpStep(user.id, sealed('a'), 103)).toBe(true);
        expect((await store.findTwoFactor(user.id))?.lastUsedStep).toBe(103);
        // Steps are large numbers (about 5.9e7 today, far more in a century): no 32-bit surprise.
        expect(await store.acceptTotpStep(user.id, sealed('a'), 2 ** 40)).toBe(true);
        expect((await store.findTwoFactor(user.id))?.lastUsedStep).toBe(2 ** 40);
      });

      it('consumeRecoveryCode uses each code once, only while two-factor is on, with its events', async () => {
        const { user } = await registered('tf-recovery');
        const { user: other } = await registered('tf-recovery-other');
        await store.beginTwoFactorSetup(user.id, sealed('a'), T0);
        await store.enableTwoFactor(user.id, sealed('a'), 1, ['h1', 'h2'], T0, []);
        await store.beginTwoFactorSetup(other.id, sealed('o'), T0);
        await store.enableTwoFactor(other.id, sealed('o'), 1, ['h3'], T0, []);
        const event = newEvent('recovery_code_used', { userId: user.id });
        expect(await store.consumeRecoveryCode(user.id, 'h3', T0, [event])).toBe(false);
        expect(await store.consumeRecoveryCode(user.id, 'h1', T0, [event])).toBe(true);
        expect(await store.consumeRecoveryCode(user.id, 'h1', T0, [event])).toBe(false);
        expect((await store.listSecurityEvents(user.id, ['recovery_code_used'], 10)).map(withoutId)).toStrictEqual([event]);
        expect((await store.findTwoFactor(user.id))?.recoveryCodesLeft).toBe(1);
        expect((await store.findTwoFactor(other.id))?.recoveryCodesLeft).toBe(1);
      });

      it('a new enabling replaces the old recovery codes', async () => {
        const { user } = await registered('tf-replace');
        await store.beginTwoFactorSetup(user.id, sealed('a'), T0);
        await store.enableTwoFactor(user.id, sealed('a'), 1, ['old1', 'old2'], T0, []);
        expect(await store.disableTwoFactor(user.id, [])).toBe(true);
        await store.beginTwoFactorSetup(user.id, sealed('b'), T0);
        await store.enableTwoFactor(user.id, sealed('b'), 2, ['new1'], T0, []);
        expect(await store.consumeRecoveryCode(user.id, 'old1', T0, [])).toBe(false);
        expect(await store.consumeRecoveryCode(user.id, 'new1', T0, [])).toBe(true);
      });

      it('disableTwoFactor deletes the enabled authenticator and every code, with its events; false when not enabled', async () => {
        const { user } = await registered('tf-disable');
        await store.beginTwoFactorSetup(user.id, sealed('a'), T0);
        expect(await store.disableTwoFactor(user.id, [twoFactorEvent(user.id, 'two_factor_disabled')])).toBe(false);
        expect(await store.listSecurityEvents(user.id, ['two_factor_disabled'], 10)).toStrictEqual([]);
        await store.enableTwoFactor(user.id, sealed('a'), 1, ['h1'], T0, []);
        const event = twoFactorEvent(user.id, 'two_factor_disabled');
        expect(await store.disableTwoFactor(user.id, [event])).toBe(true);
        expect(await store.findTwoFactor(user.id)).toBeNull();
        expect((await store.listSecurityEvents(user.id, ['two_factor_disabled'], 10)).map(withoutId)).toStrictEqual([event]);
        expect(await store.consumeRecoveryCode(user.id, 'h1', T0, [])).toBe(false);
        expect(await store.disableTwoFactor(user.id, [])).toBe(false);
      });

      it('deleting the account deletes its authenticator and recovery codes', async () => {
        const { user, session, hash } = await registered('tf-delete');
        await store.beginTwoFactorSetup(user.id, sealed('a'), T0);
        await store.enableTwoFactor(user.id, sealed('a'), 1, ['h1'], T0, []);
        const result = await store.deleteAccount({ userId: user.id, sessionId: session.id, confirmedHash: hash, now: T0 }, [], []);
        expect(result.ok).toBe(true);
        expect(await store.findTwoFactor(user.id)).toBeNull();
        // The same id registered again starts without any.
        await store.register(newUser('tf-delete'), null, [], T0);
        expect(await store.findTwoFactor(user.id)).toBeNull();
        expect(await store.beginTwoFactorSetup(user.id, sealed('b'), T0)).toBe(true);
        await store.enableTwoFactor(user.id, sealed('b'), 1, [], T0, []);
        expect(await store.consumeRecoveryCode(user.id, 'h1', T0, [])).toBe(false);
      });

      it('consumeOneTimeToken spends a live token of its kind once; not an expired one or another kind', async () => {
        const { user } = await registered('tf-challenge');
        const token = { id: 'mac-ch', userId: user.id, kind: 'two_factor_after_password' as const, email: user.email, next: null, createdAt: T0, expiresAt: T0 + 5 * MINUTE };
        await store.issueOneTimeToken(token, []);
        expect(await store.consumeOneTimeToken('mac-ch', 'password_reset', T0)).toBeNull();
        expect(await store.consumeOneTimeToken('mac-ch', 'two_factor_after_password', T0 + 5 * MINUTE)).toBeNull();
        expect(await store.consumeOneTimeToken('mac-ch', 'two_factor_after_password', T0 + SECOND)).toStrictEqual({ ...token, usedAt: T0 + SECOND });
        expect(await store.consumeOneTimeToken('mac-ch', 'two_factor_after_password', T0 + 2 * SECOND)).toBeNull();
        expect(await store.findOneTimeToken('mac-ch', 'two_factor_after_password', T0 + 2 * SECOND)).toBeNull();
        expect(await store.consumeOneTimeToken('mac-unknown', 'two_factor_after_password', T0)).toBeNull();
      });
    });

    describe('passkeys', () => {
      const challenge = (id: string, overrides: Partial<PasskeyChallenge> = {}): PasskeyChallenge => ({
        id,
        challenge: `challenge-${id}`,
        ceremony: 'authentication',
        userId: null,
        createdAt: T0,
        expiresAt: T0 + 5 * MINUTE,
        ...overrides,
      });
      const passkey = (id: string, userId: string, overrides: Partial<NewPasskey> = {}): NewPasskey => ({
        id,
        userId,
        credentialId: `cred-${id}`,
        publicKey: `pk-${id}`,
        counter: 0,
        transports: ['internal', 'hybrid'],
        deviceType: 'multiDevice',
        backedUp: true,
        name: `Passkey ${id}`,
        createdAt: T0,
        ...overrides,
      });

      it('a challenge is consumed once, only for its ceremony, and only while live', async () => {
        const { user } = await registered('pk-ch');
        const registration = challenge('ch-reg', { ceremony: 'registration', userId: user.id });
        await store.storePasskeyChallenge(registration);
        // The other ceremony neither gets it nor spends it.
        expect(await store.consumePasskeyChallenge('ch-reg', 'authentication', T0)).toBeNull();
        expect(await store.consumePasskeyChallenge('ch-reg', 'registration', T0 + MINUTE)).toStrictEqual(registration);
        expect(await store.consumePasskeyChallenge('ch-reg', 'registration', T0 + MINUTE)).toBeNull();
        expect(await store.consumePasskeyChallenge('unknown', 'authentication', T0)).toBeNull();

        // Expired at exactly expiresAt; an expired one is spent all the same.
        await store.storePasskeyChallenge(challenge('ch-old'));
        expect(await store.consumePasskeyChallenge('ch-old', 'authentication', T0 + 5 * MINUTE)).toBeNull();
        await store.storePasskeyChallenge(challenge('ch-edge'));
        expect(await store.consumePasskeyChallenge('ch-edge', 'authentication', T0 + 5 * MINUTE - 1)).toStrictEqual(challenge('ch-edge'));
      });

      it('housekeeping deletes expired challenges only; deleting a user deletes their registration challenges', async () => {
        const { user, session, hash } = await registered('pk-hk');
        await store.storePasskeyChallenge(challenge('ch-expired-1', { expiresAt: T0 - 1 }));
        await store.storePasskeyChallenge(challenge('ch-expired-2', { expiresAt: T0 - HOUR }));
        await store.storePasskeyChallenge(challenge('ch-live', { expiresAt: T0 + 1 }));
        await store.storePasskeyChallenge(challenge('ch-user', { ceremony: 'registration', userId: user.id }));
        const result = await store.housekeeping({ sessionsEndedBefore: 0, eventsBefore: 0, rateLimitsBefore: 0, tokensEndedBefore: 0, devicesBefore: 0, passkeyChallengesBefore: T0, authorizationCodesBefore: 0 });
        expect(result).toStrictEqual({ sessions: 0, events: 0, rateLimits: 0, oneTimeTokens: 0, devices: 0, passkeyChallenges: 2, authorizationCodes: 0 });
        expect(await store.consumePasskeyChallenge('ch-live', 'authentication', T0)).toStrictEqual(challenge('ch-live', { expiresAt: T0 + 1 }));

        await store.addPasskey(passkey('pk-hk', user.id), []);
        expect(await store.deleteAccount({ userId: user.id, sessionId: session.id, confirmedHash: hash, now: T0 }, [], [])).toStrictEqual({ ok: true, value: null });
        expect(await store.consumePasskeyChallenge('ch-user', 'registration', T0)).toBeNull();
        expect(await store.findPasskeyByCredentialId('cred-pk-hk')).toBeNull();
        expect(await store.listPasskeys(user.id)).toEqual([]);
      });

      it('addPasskey stores the passkey and its events; a taken credential id or a missing user writes nothing', async () => {
        const { user } = await registered('pk-add');
        const { user: other } = await registered('pk-add-other');
        const first = passkey('pk-1', user.id, { counter: 2 ** 32 - 1, transports: [], deviceType: 'singleDevice', backedUp: false, createdAt: T0 + 1 });
        const second = passkey('pk-2', user.id, { createdAt: T0 + 2 });
        expect(await store.addPasskey(first, [newEvent('passkey_added', { userId: user.id, detail: '{"n":1}' })])).toBe(true);
        expect(await store.addPasskey(second, [])).toBe(true);
        expect(await store.listPasskeys(user.id)).toStrictEqual([
          { ...first, lastUsedAt: null },
          { ...second, lastUsedAt: null },
        ]);
        expect(await store.findPasskeyByCredentialId(second.credentialId)).toStrictEqual({ ...second, lastUsedAt: null });
        expect(await store.findPasskeyByCredentialId('cred-none')).toBeNull();
        expect(await store.listPasskeys(other.id)).toEqual([]);

        // One credential can never belong to two accounts (or twice to one).
        expect(await store.addPasskey(passkey('pk-3', other.id, { credentialId: first.credentialId }), [newEvent('passkey_added', { userId: other.id })])).toBe(false);
        expect(await store.listPasskeys(other.id)).toEqual([]);
        expect(await store.addPasskey(passkey('pk-4', 'user-nobody'), [newEvent('passkey_added')])).toBe(false);
        expect(await store.findPasskeyByCredentialId('cred-pk-4')).toBeNull();
        expect((await store.listSecurityEvents(user.id, ['passkey_added'], 10)).map((e) => e.detail)).toEqual(['{"n":1}']);
        expect(await countAndDropAllEvents()).toBe(1);
      });

      it('recordPasskeyUse moves the counter only forwards (both 0 allowed) and says why not', async () => {
        const { user } = await registered('pk-use');
        await store.addPasskey(passkey('pk-c', user.id, { counter: 5, backedUp: false }), []);
        expect(await store.recordPasskeyUse('pk-c', 5, true, T0 + 1)).toBe('counter_regressed');
        expect(await store.recordPasskeyUse('pk-c', 4, true, T0 + 2)).toBe('counter_regressed');
        expect(await store.recordPasskeyUse('pk-c', 0, true, T0 + 3)).toBe('counter_regressed');
        expect((await store.findPasskeyByCredentialId('cred-pk-c'))?.lastUsedAt).toBeNull();
        expect(await store.recordPasskeyUse('pk-c', 9, true, T0 + 4)).toBe('used');
        expect(await store.findPasskeyByCredentialId('cred-pk-c')).toStrictEqual({ ...passkey('pk-c', user.id), counter: 9, backedUp: true, lastUsedAt: T0 + 4 });

        // An authenticator that keeps no counter always says 0.
        await store.addPasskey(passkey('pk-zero', user.id), []);
        expect(await store.recordPasskeyUse('pk-zero', 0, true, T0 + 5)).toBe('used');
        expect(await store.recordPasskeyUse('pk-zero', 0, true, T0 + 6)).toBe('used');
        expect((await store.findPasskeyByCredentialId('cred-pk-zero'))?.lastUsedAt).toBe(T0 + 6);
        expect(await store.recordPasskeyUse('pk-none', 1, true, T0)).toBe('not_found');
      });

      it("deletePasskey deletes only the user's own passkey, writing events only then", async () => {
        const { user } = await registered('pk-del');
        const { user: other } = await registered('pk-del-other');
        const mine = passkey('pk-mine', user.id);
        await store.addPasskey(mine, []);
        expect(await store.deletePasskey(other.id, mine.id, [newEvent('passkey_removed', { userId: other.id })])).toBeNull();
        expect(await store.findPasskeyByCredentialId(mine.credentialId)).not.toBeNull();
        expect(await store.deletePasskey(user.id, mine.id, [newEvent('passkey_removed', { userId: user.id })])).toStrictEqual({ ...mine, lastUsedAt: null });
        expect(await store.deletePasskey(user.id, mine.id, [newEvent('passkey_removed', { userId: user.id })])).toBeNull();
        expect(await store.findPasskeyByCredentialId(mine.credentialId)).toBeNull();
        expect(await store.listSecurityEvents(user.id, ['passkey_removed'], 10)).toHaveLength(1);
        expect(await countAndDropAllEvents()).toBe(1);
      });
    });

    describe('API keys', () => {
      function newKey(id: string, userId: string, overrides: Partial<NewApiKey> = {}): NewApiKey {
        return { id, userId, name: `key ${id}`, secretMac: `mac-of-${id}`, createdAt: T0, expiresAt: null, ...overrides };
      }
      const fresh = (key: NewApiKey): ApiKeyRecord => ({ ...key, lastUsedAt: null, lastUsedIp: null, revokedAt: null });

      it('createApiKey stores the key with its events; findApiKeyWithUser returns it with its user, in any state', async () => {
        const { user } = await registered('ak-create');
        const key = newKey('ak-create-1', user.id, { expiresAt: T0 + 30 * DAY });
        expect(await store.createApiKey(key, 5, [newEvent('api_key_created', { userId: user.id })])).toBe('created');
        expect(await store.findApiKeyWithUser(key.id)).toStrictEqual({ key: fresh(key), user });
        expect(await store.findApiKeyWithUser('unknown-key-id')).toBeNull();
        expect((await store.listSecurityEvents(user.id, ['api_key_created'], 10)).length).toBe(1);
        expect(await store.revokeApiKey(user.id, key.id, T0 + 1, [])).toBe(true);
        expect((await store.findApiKeyWithUser(key.id))?.key.revokedAt).toBe(T0 + 1);
      });

      it('createApiKey refuses past maxActive live keys (revoked and expired ones do not count) and for a missing user, writing nothing', async () => {
        const { user } = await registered('ak-limit');
        expect(await store.createApiKey(newKey('ak-l-1', user.id), 2, [])).toBe('created');
        expect(await store.createApiKey(newKey('ak-l-2', user.id, { expiresAt: T0 - 1 }), 2, [])).toBe('created');
        expect(await store.createApiKey(newKey('ak-l-3', user.id), 2, [])).toBe('created');
        expect(await store.createApiKey(newKey('ak-l-4', user.id), 2, [newEvent('api_key_created', { userId: user.id })])).toBe('too_many');
        expect(await store.findApiKeyWithUser('ak-l-4')).toBeNull();
        expect(await store.revokeApiKey(user.id, 'ak-l-1', T0, [])).toBe(true);
        expect(await store.createApiKey(newKey('ak-l-4', user.id), 2, [])).toBe('created');
        expect(await store.createApiKey(newKey('ak-l-5', 'user-nobody'), 2, [newEvent('api_key_created')])).toBe('no_user');
        expect(await store.findApiKeyWithUser('ak-l-5')).toBeNull();
        expect(await store.listSecurityEvents(user.id, ['api_key_created'], 10)).toEqual([]);
      });

      it('listApiKeys: the user’s unrevoked keys only (expired included), newest first', async () => {
        const { user } = await registered('ak-list');
        const other = (await registered('ak-list-other')).user;
        await store.createApiKey(newKey('ak-a', user.id, { createdAt: T0 }), 10, []);
        await store.createApiKey(newKey('ak-b', user.id, { createdAt: T0 + 2, expiresAt: T0 + 3 }), 10, []);
        await store.createApiKey(newKey('ak-c', user.id, { createdAt: T0 + 1 }), 10, []);
        await store.createApiKey(newKey('ak-d', other.id), 10, []);
        await store.revokeApiKey(user.id, 'ak-c', T0 + 5, []);
        expect((await store.listApiKeys(user.id)).map((key) => key.id)).toEqual(['ak-b', 'ak-a']);
      });

      it('revokeApiKey: only the owner’s unrevoked key, once, events only then', async () => {
        const { user } = await registered('ak-rev');
        const other = (await registered('ak-rev-other')).user;
        await store.createApiKey(newKey('ak-r', user.id), 10, []);
        expect(await store.revokeApiKey(other.id, 'ak-r', T0, [newEvent('api_key_revoked', { userId: other.id })])).toBe(false);
        expect(await store.revokeApiKey(user.id, 'ak-r', T0 + 1, [newEvent('api_key_revoked', { userId: user.id })])).toBe(true);
        expect(await store.revokeApiKey(user.id, 'ak-r', T0 + 2, [newEvent('api_key_revoked', { userId: user.id })])).toBe(false);
        expect((await store.findApiKeyWithUser('ak-r'))?.key.revokedAt).toBe(T0 + 1);
        expect((await store.listSecurityEvents(user.id, ['api_key_revoked'], 10)).length).toBe(1);
        expect(await store.listSecurityEvents(other.id, ['api_key_revoked'], 10)).toEqual([]);
      });

      it('recordApiKeyUse: writes the first use, throttles the same address, writes a new address at once with its events', async () => {
        const { user } = await registered('ak-use');
        const key = newKey('ak-u', user.id);
        await store.createApiKey(key, 10, []);
        const event = (ip: string) => [newEvent('api_key_used_from_new_ip', { userId: user.id, ip })];
        expect(await store.recordApiKeyUse(key.id, '192.0.2.1', T0 + 10, MINUTE, event('192.0.2.1'))).toBe(true);
        expect((await store.findApiKeyWithUser(key.id))?.key).toStrictEqual({ ...fresh(key), lastUsedAt: T0 + 10, lastUsedIp: '192.0.2.1' });
        // Same address within the interval: nothing written.
        expect(await store.recordApiKeyUse(key.id, '192.0.2.1', T0 + 20, MINUTE, event('192.0.2.1'))).toBe(false);
        expect((await store.findApiKeyWithUser(key.id))?.key.lastUsedAt).toBe(T0 + 10);
        // Unknown address: keeps the last known one, never counts as new.
        expect(await store.recordApiKeyUse(key.id, null, T0 + 10 + MINUTE, MINUTE, event('x'))).toBe(false);
        expect((await store.findApiKeyWithUser(key.id))?.key).toMatchObject({ lastUsedAt: T0 + 10 + MINUTE, lastUsedIp: '192.0.2.1' });
        // A new address: written at once, with its event.
        expect(await store.recordApiKeyUse(key.id, '198.51.100.9', T0 + 11 + MINUTE, MINUTE, event('198.51.100.9'))).toBe(true);
        expect((await store.findApiKeyWithUser(key.id))?.key).toMatchObject({ lastUsedAt: T0 + 11 + MINUTE, lastUsedIp: '198.51.100.9' });
        expect((await store.listSecurityEvents(user.id, ['api_key_used_from_new_ip'], 10)).map((e) => e.ip)).toEqual(['198.51.100.9', '192.0.2.1']);
        // A revoked key records nothing.
        await store.revokeApiKey(user.id, key.id, T0 + 2 * MINUTE, []);
        expect(await store.recordApiKeyUse(key.id, '203.0.113.5', T0 + 3 * MINUTE, MINUTE, event('203.0.113.5'))).toBe(false);
        expect((await store.findApiKeyWithUser(key.id))?.key.lastUsedIp).toBe('198.51.100.9');
      });

      it('deleteEndedApiKeys removes keys revoked or expired before the cutoff; deleting the user deletes the rest', async () => {
        const { user, session, hash } = await registered('ak-hk');
        await store.createApiKey(newKey('ak-live', user.id), 10, []);
        await store.createApiKey(newKey('ak-exp', user.id, { expiresAt: T0 + 5 }), 10, []);
        await store.createApiKey(newKey('ak-later', user.id, { expiresAt: T0 + 50 }), 10, []);
        await store.createApiKey(newKey('ak-rvk', user.id), 10, []);
        await store.revokeApiKey(user.id, 'ak-rvk', T0 + 6, []);
        expect(await store.deleteEndedApiKeys(T0 + 10)).toBe(2);
        expect(await store.findApiKeyWithUser('ak-exp')).toBeNull();
        expect(await store.findApiKeyWithUser('ak-rvk')).toBeNull();
        expect((await store.listApiKeys(user.id)).map((key) => key.id).sort()).toEqual(['ak-later', 'ak-live']);
        const deleted = await store.deleteAccount({ userId: user.id, sessionId: session.id, confirmedHash: hash, now: T0 }, [], []);
        expect(deleted.ok).toBe(true);
        expect(await store.findApiKeyWithUser('ak-live')).toBeNull();
        expect(await store.findApiKeyWithUser('ak-later')).toBeNull();
      });

      for (const mode of raceModes) {
        it(`${N} parallel createApiKey for one user (${mode.label}): never more than maxActive`, async () => {
          const { user } = await registered(`ak-race-${mode.stores}`);
          const stores = await raceStores(mode.stores);
          const results = await Promise.all(Array.from({ length: N }, (_, i) => stores[i % stores.length]!.createApiKey(newKey(`ak-race-${mode.stores}-${i}`, user.id), 3, [])));
          expect(results.filter((result) => result === 'created')).toHaveLength(3);
          expect(await store.listApiKeys(user.id)).toHaveLength(3);
        });
      }
    });

    describe('sign-in links', () => {
      const signInLink = (id: string, user: UserRecord, overrides: Partial<NewOneTimeToken> = {}): NewOneTimeToken => ({
        id,
        userId: user.id,
        kind: 'magic_link',
        email: user.email,
        next: null,
        createdAt: T0,
        expiresAt: T0 + 15 * MINUTE,
        ...overrides,
      });
      const used = { type: 'email_verified', sessionId: null, ip: null, userAgent: null, at: T0, detail: null };

      it('consumeSignInLink uses the link once, marks the email verified (keeping the first time) and writes the events', async () => {
        const { user } = await registered('magic');
        await store.issueOneTimeToken(signInLink('mac-m1', user), []);
        expect(await store.findOneTimeToken('mac-m1', 'magic_link', T0)).not.toBeNull();
        expect(await store.consumeSignInLink('mac-m1', T0 + MINUTE, [{ ...used, at: T0 + MINUTE }])).toStrictEqual({ ...user, emailVerifiedAt: T0 + MINUTE });
        expect(await store.consumeSignInLink('mac-m1', T0 + MINUTE, [used])).toBeNull();
        expect((await store.listSecurityEvents(user.id, ['email_verified'], 10)).map(withoutId)).toStrictEqual([{ ...used, at: T0 + MINUTE, userId: user.id }]);
        await store.issueOneTimeToken(signInLink('mac-m2', user), []);
        expect((await store.consumeSignInLink('mac-m2', T0 + HOUR - 46 * MINUTE, []))?.emailVerifiedAt).toBe(T0 + MINUTE);
      });

      it('consumeSignInLink refuses other kinds, expired, unknown and re-addressed links, writing nothing', async () => {
        const { user } = await registered('magic-no');
        await store.issueOneTimeToken(signInLink('mac-reset-kind', user, { kind: 'password_reset' }), []);
        await store.issueOneTimeToken(signInLink('mac-elsewhere', user, { email: 'old@example.com' }), []);
        expect(await store.consumeSignInLink('mac-reset-kind', T0, [used])).toBeNull();
        expect(await store.consumeSignInLink('mac-elsewhere', T0, [used])).toBeNull();
        expect(await store.consumeSignInLink('mac-unknown', T0, [used])).toBeNull();
        expect(await store.consumeSignInLink('mac-elsewhere', T0 + 15 * MINUTE, [used])).toBeNull();
        // The re-addressed link was rolled back, not spent: still findable (and still refused).
        expect(await store.findOneTimeToken('mac-elsewhere', 'magic_link', T0)).not.toBeNull();
        expect((await store.findUserById(user.id))?.emailVerifiedAt).toBeNull();
        expect(await countAndDropAllEvents()).toBe(0);
      });

      it('a sign-in link keeps its `next` path: findOneTimeToken returns it; the default is null', async () => {
        const { user } = await registered('magic-next');
        const withNext = signInLink('mac-next', user, { next: '/authorize?client_id=app&state=x%2Fy' });
        await store.issueOneTimeToken(withNext, []);
        expect(await store.findOneTimeToken('mac-next', 'magic_link', T0)).toStrictEqual({ ...withNext, usedAt: null });
        // A newer link (without one) supersedes it, and has none.
        await store.issueOneTimeToken(signInLink('mac-next-2', user), []);
        expect(await store.findOneTimeToken('mac-next', 'magic_link', T0)).toBeNull();
        expect((await store.findOneTimeToken('mac-next-2', 'magic_link', T0))?.next).toBeNull();
      });

      for (const mode of raceModes) {
        it(`${mode.label}: ${N} parallel consumeSignInLink of one link: exactly one wins`, async () => {
          const { user } = await registered(`magic-race-${mode.stores}`);
          await store.issueOneTimeToken(signInLink(`mac-race-${mode.stores}`, user), []);
          const stores = await raceStores(mode.stores);
          const results = await Promise.all(Array.from({ length: N }, (_, i) => (stores[i % stores.length] as Store).consumeSignInLink(`mac-race-${mode.stores}`, T0, [used])));
          expect(results.filter((result) => result !== null)).toHaveLength(1);
          expect(await store.listSecurityEvents(user.id, ['email_verified'], 100)).toHaveLength(1);
        });
      }
    });

    describe('linked identities', () => {
      const identity = (provider: string, subject: string, userId: string, createdAt = T0) => ({ provider, subject, userId, email: `${subject}@idp.example`, createdAt });
      const providerUser = (tag: string, verified: number | null = T0) => ({ id: `user-${tag}`, email: `${tag}@example.com`, name: null, emailVerifiedAt: verified });
      const linked = (userId: string) => newEvent('oauth_linked', { userId });

      it('registerWithIdentity creates a user without a password and its link, with the events; findUserByIdentity finds it', async () => {
        const event = linked('user-idp');
        const user = await store.registerWithIdentity(providerUser('idp'), { provider: 'google', subject: 'sub-1', email: 'idp@example.com', createdAt: T0 }, [event], T0);
        expect(user).toStrictEqual({ id: 'user-idp', email: 'idp@example.com', name: null, createdAt: T0, emailVerifiedAt: T0 });
        expect(await store.findUserByIdentity('google', 'sub-1')).toStrictEqual(user);
        expect(await store.findUserByIdentity('google', 'sub-2')).toBeNull();
        expect(await store.findUserByIdentity('okta', 'sub-1')).toBeNull();
        expect(await store.findCredentials({ id: 'user-idp' })).toStrictEqual({ ...user, passwordHash: null });
        expect(await store.findCredentials({ email: 'idp@example.com' })).toStrictEqual({ ...user, passwordHash: null });
        expect(await store.listLinkedIdentities('user-idp')).toStrictEqual([{ provider: 'google', subject: 'sub-1', userId: 'user-idp', email: 'idp@example.com', createdAt: T0 }]);
        expect((await store.listSecurityEvents('user-idp', ['oauth_linked'], 10)).map(withoutId)).toStrictEqual([event]);
      });

      it('registerWithIdentity returns null and writes nothing when the email or the subject is taken', async () => {
        const { user } = await registered('taken-mail');
        expect(await store.registerWithIdentity({ ...providerUser('x'), email: user.email }, { provider: 'google', subject: 'sub-x', email: null, createdAt: T0 }, [linked('user-x')], T0)).toBeNull();
        expect(await store.findUserByIdentity('google', 'sub-x')).toBeNull();
        expect(await store.registerWithIdentity(providerUser('first'), { provider: 'google', subject: 'sub-dup', email: null, createdAt: T0 }, [], T0)).not.toBeNull();
        expect(await store.registerWithIdentity(providerUser('second'), { provider: 'google', subject: 'sub-dup', email: null, createdAt: T0 }, [linked('user-second')], T0)).toBeNull();
        expect(await store.findUserById('user-second')).toBeNull();
        expect((await store.findUserByIdentity('google', 'sub-dup'))?.id).toBe('user-first');
        expect(await countAndDropAllEvents()).toBe(0);
      });

      it('linkIdentity: linked, identity_taken (another account has the subject), provider_taken (one per provider), no_user', async () => {
        const { user } = await registered('linker');
        const { user: other } = await registered('linker-2');
        expect(await store.linkIdentity(identity('google', 'g-1', user.id), [linked(user.id)])).toBe('linked');
        expect(await store.linkIdentity(identity('google', 'g-1', other.id), [linked(other.id)])).toBe('identity_taken');
        expect(await store.linkIdentity(identity('google', 'g-2', user.id), [linked(user.id)])).toBe('provider_taken');
        expect(await store.linkIdentity(identity('okta', 'o-1', user.id, T0 + 1), [])).toBe('linked');
        expect(await store.linkIdentity(identity('google', 'g-9', 'user-ghost'), [linked('user-ghost')])).toBe('no_user');
        expect((await store.listLinkedIdentities(user.id)).map((row) => [row.provider, row.subject])).toStrictEqual([
          ['google', 'g-1'],
          ['okta', 'o-1'],
        ]);
        expect(await store.listLinkedIdentities(other.id)).toStrictEqual([]);
        expect(await store.listSecurityEvents(user.id, ['oauth_linked'], 10)).toHaveLength(1);
        expect(await store.listSecurityEvents(other.id, ['oauth_linked'], 10)).toHaveLength(0);
      });

      it('linkIdentity with verifiedEmail links only while the account has that address, verified', async () => {
        const { user } = await registered('by-mail');
        expect(await store.linkIdentity(identity('google', 'bm-1', user.id), [linked(user.id)], user.email)).toBe('no_user');
        await store.issueOneTimeToken({ id: 'mac-bm', userId: user.id, kind: 'email_verification', email: user.email, next: null, createdAt: T0, expiresAt: T0 + HOUR }, []);
        await store.verifyEmail('mac-bm', T0, []);
        expect(await store.linkIdentity(identity('google', 'bm-1', user.id), [], 'someone-else@example.com')).toBe('no_user');
        expect(await store.linkIdentity(identity('google', 'bm-1', user.id), [], user.email)).toBe('linked');
        expect((await store.findUserByIdentity('google', 'bm-1'))?.id).toBe(user.id);
      });

      it('unlinkIdentity keeps the last way to sign in: a password, or another provider', async () => {
        const { user } = await registered('unlink-pw');
        await store.linkIdentity(identity('google', 'u-1', user.id), []);
        const event = newEvent('oauth_unlinked', { userId: user.id });
        expect(await store.unlinkIdentity(user.id, 'google', [event])).toBe('unlinked');
        expect(await store.unlinkIdentity(user.id, 'google', [event])).toBe('not_linked');
        expect(await store.findUserByIdentity('google', 'u-1')).toBeNull();
        expect(await store.listSecurityEvents(user.id, ['oauth_unlinked'], 10)).toHaveLength(1);

        const solo = await store.registerWithIdentity(providerUser('solo'), { provider: 'google', subject: 's-1', email: null, createdAt: T0 }, [], T0);
        if (!solo) throw new Error('not created');
        expect(await store.unlinkIdentity(solo.id, 'google', [newEvent('oauth_unlinked', { userId: solo.id })])).toBe('last_method');
        expect((await store.findUserByIdentity('google', 's-1'))?.id).toBe(solo.id);
        await store.linkIdentity(identity('okta', 's-2', solo.id), []);
        expect(await store.unlinkIdentity(solo.id, 'google', [])).toBe('unlinked');
        expect(await store.unlinkIdentity(solo.id, 'okta', [])).toBe('last_method');
        expect(await store.listSecurityEvents(solo.id, ['oauth_unlinked'], 10)).toHaveLength(0);
      });

      it('unlinkIdentity: a passkey is a way to sign in too, so the last provider of an account with one may go', async () => {
        const solo = await store.registerWithIdentity(providerUser('unlink-passkey'), { provider: 'google', subject: 'pk-1', email: null, createdAt: T0 }, [], T0);
        if (!solo) throw new Error('not created');
        expect(await store.unlinkIdentity(solo.id, 'google', [])).toBe('last_method');
        const added = await store.addPasskey(
          { id: 'pk-unlink', userId: solo.id, credentialId: 'cred-unlink', publicKey: 'pub', counter: 0, transports: ['internal'], deviceType: 'multiDevice', backedUp: true, name: 'Phone', createdAt: T0 },
          [],
        );
        expect(added).toBe(true);
        expect(await store.unlinkIdentity(solo.id, 'google', [])).toBe('unlinked');
      });

      it('a reset link gives a password to an account without one', async () => {
        const solo = await store.registerWithIdentity(providerUser('reset-solo', null), { provider: 'google', subject: 'rs-1', email: null, createdAt: T0 }, [], T0);
        if (!solo) throw new Error('not created');
        await store.issueOneTimeToken({ id: 'mac-rs', userId: solo.id, kind: 'password_reset', email: solo.email, next: null, createdAt: T0, expiresAt: T0 + HOUR }, []);
        expect(await store.resetPassword('mac-rs', '$2b$04$first-password', T0, { type: 'session_revoked', ip: null, userAgent: null, at: T0, detail: null }, [])).not.toBeNull();
        expect((await store.findCredentials({ id: solo.id }))?.passwordHash).toBe('$2b$04$first-password');
        expect(await store.unlinkIdentity(solo.id, 'google', [])).toBe('unlinked');
      });

      it('identities go with their user when the account is deleted', async () => {
        const { user, session, hash } = await registered('idp-del');
        await store.linkIdentity(identity('google', 'del-1', user.id), []);
        expect((await store.deleteAccount({ userId: user.id, sessionId: session.id, confirmedHash: hash, now: T0 }, [], [])).ok).toBe(true);
        expect(await store.findUserByIdentity('google', 'del-1')).toBeNull();
        // The subject is free for a new account.
        expect(await store.registerWithIdentity(providerUser('idp-del-again'), { provider: 'google', subject: 'del-1', email: null, createdAt: T0 }, [], T0)).not.toBeNull();
      });

      for (const mode of raceModes) {
        it(`${mode.label}: parallel unlinks of an account's two providers (no password): exactly one succeeds`, async () => {
          const solo = await store.registerWithIdentity(providerUser(`race-unlink-${mode.stores}`), { provider: 'google', subject: `ru-${mode.stores}`, email: null, createdAt: T0 }, [], T0);
          if (!solo) throw new Error('not created');
          await store.linkIdentity(identity('okta', `ru-o-${mode.stores}`, solo.id), []);
          const stores = await raceStores(mode.stores);
          const results = await Promise.all(['google', 'okta', 'google', 'okta'].map((provider, i) => (stores[i % stores.length] as Store).unlinkIdentity(solo.id, provider, [])));
          expect(results.filter((result) => result === 'unlinked')).toHaveLength(1);
          expect(await store.listLinkedIdentities(solo.id)).toHaveLength(1);
        });
      }
    });

    describe('authorization codes', () => {
      it('redeemAuthorizationCode: a live code is used once and its session created with clientId; a replay revokes that session', async () => {
        const { user } = await registered('code-1');
        const code = authorizationCode('code-hash-1', user.id);
        await store.storeAuthorizationCode(code);
        const first = await store.redeemAuthorizationCode('code-hash-1', T0 + 1000, nativeSessionFor, REPLAY_EVENT);
        expect(first).toStrictEqual({ outcome: 'redeemed', code: { ...code, usedAt: T0 + 1000 } });
        const session = await store.findSession('native-code-hash-1');
        expect(session).toMatchObject({ userId: user.id, clientId: 'com.example.app', method: 'password+totp', revokedAt: null });
        expect((await store.listSecurityEvents(user.id, ['sign_in_succeeded'], 10)).map((event) => event.sessionId)).toEqual(['native-code-hash-1']);

        const replay = await store.redeemAuthorizationCode('code-hash-1', T0 + 2000, nativeSessionFor, REPLAY_EVENT);
        expect(replay).toStrictEqual({ outcome: 'replayed', code: { ...code, usedAt: T0 + 1000 }, revoked: true });
        expect(await store.findSession('native-code-hash-1')).toMatchObject({ revokedAt: T0 + 2000, revokedReason: 'authorization_code_replayed' });
        // Recorded on every replay, also once the session has ended.
        expect(await store.redeemAuthorizationCode('code-hash-1', T0 + 3000, nativeSessionFor, REPLAY_EVENT)).toMatchObject({ outcome: 'replayed', revoked: false });
        const replays = await store.listSecurityEvents(user.id, ['authorization_code_replayed'], 10);
        expect(replays.map((event) => ({ sessionId: event.sessionId, ip: event.ip }))).toEqual([
          { sessionId: 'native-code-hash-1', ip: '198.51.100.66' },
          { sessionId: 'native-code-hash-1', ip: '198.51.100.66' },
        ]);
      });

      it('an unknown or expired code is invalid and writes nothing; a refused exchange uses the code up without a session', async () => {
        const { user } = await registered('code-2');
        expect(await store.redeemAuthorizationCode('no-such-code', T0, nativeSessionFor, REPLAY_EVENT)).toStrictEqual({ outcome: 'invalid' });
        await store.storeAuthorizationCode(authorizationCode('code-old', user.id));
        // Expired at exactly expiresAt; an expired code is not marked used, so it is no replay later either.
        expect(await store.redeemAuthorizationCode('code-old', T0 + 60_000, nativeSessionFor, REPLAY_EVENT)).toStrictEqual({ outcome: 'invalid' });
        expect(await store.redeemAuthorizationCode('code-old', T0 + 60_001, nativeSessionFor, REPLAY_EVENT)).toStrictEqual({ outcome: 'invalid' });
        expect(await store.findSession('native-code-old')).toBeNull();

        const edge = authorizationCode('code-edge', user.id);
        await store.storeAuthorizationCode(edge);
        expect(await store.redeemAuthorizationCode('code-edge', T0 + 59_999, () => null, REPLAY_EVENT)).toStrictEqual({ outcome: 'refused', code: { ...edge, usedAt: T0 + 59_999 } });
        expect(await store.findSession('native-code-edge')).toBeNull();
        expect(await store.redeemAuthorizationCode('code-edge', T0 + 59_999, nativeSessionFor, REPLAY_EVENT)).toMatchObject({ outcome: 'replayed', revoked: false });
        expect(await store.findSession('native-code-edge')).toBeNull();
      });

      it('an exchange that throws writes nothing: the code stays live', async () => {
        const { user } = await registered('code-3');
        await store.storeAuthorizationCode(authorizationCode('code-throw', user.id));
        await expect(
          store.redeemAuthorizationCode(
            'code-throw',
            T0,
            () => {
              throw new TypeError('boom');
            },
            REPLAY_EVENT,
          ),
        ).rejects.toThrow('boom');
        expect(await store.redeemAuthorizationCode('code-throw', T0, nativeSessionFor, REPLAY_EVENT)).toMatchObject({ outcome: 'redeemed' });
      });

      it('housekeeping deletes codes that expired before the cutoff; deleting the user deletes theirs', async () => {
        const { user, session, hash } = await registered('code-hk');
        await store.storeAuthorizationCode(authorizationCode('code-hk-old', user.id, { expiresAt: T0 - 1 }));
        await store.storeAuthorizationCode(authorizationCode('code-hk-live', user.id));
        await store.storeAuthorizationCode(authorizationCode('code-hk-user', user.id, { sessionId: 'native-other' }));
        const result = await store.housekeeping({ sessionsEndedBefore: 0, eventsBefore: 0, rateLimitsBefore: 0, tokensEndedBefore: 0, devicesBefore: 0, passkeyChallengesBefore: 0, authorizationCodesBefore: T0 });
        expect(result).toStrictEqual({ sessions: 0, events: 0, rateLimits: 0, oneTimeTokens: 0, devices: 0, passkeyChallenges: 0, authorizationCodes: 1 });
        expect(await store.redeemAuthorizationCode('code-hk-live', T0, nativeSessionFor, REPLAY_EVENT)).toMatchObject({ outcome: 'redeemed' });
        expect(await store.deleteAccount({ userId: user.id, sessionId: session.id, confirmedHash: hash, now: T0 }, [], [])).toStrictEqual({ ok: true, value: null });
        expect(await store.redeemAuthorizationCode('code-hk-user', T0, nativeSessionFor, REPLAY_EVENT)).toStrictEqual({ outcome: 'invalid' });
      });
    });

    describe('DPoP', () => {
      it('useDpopProof records an id once: a replay while unexpired is refused and writes nothing', async () => {
        expect(await store.useDpopProof('proof-1', T0 + MINUTE, T0)).toBe(true);
        expect(await store.useDpopProof('proof-1', T0 + MINUTE, T0)).toBe(false);
        // The refused call did not extend the record: it still ends at T0 + MINUTE.
        expect(await store.useDpopProof('proof-1', T0 + 5 * MINUTE, T0 + MINUTE - 1)).toBe(false);
        expect(await store.useDpopProof('proof-2', T0 + MINUTE, T0)).toBe(true);
        // Expired at exactly expiresAt: taken over as if absent, with its new expiry.
        expect(await store.useDpopProof('proof-1', T0 + 3 * MINUTE, T0 + MINUTE)).toBe(true);
        expect(await store.useDpopProof('proof-1', T0 + 3 * MINUTE, T0 + 2 * MINUTE)).toBe(false);
      });

      it('deleteExpiredDpopProofs deletes records expired at the cutoff and keeps the rest', async () => {
        await store.useDpopProof('old-1', T0 - HOUR, T0 - 2 * HOUR);
        await store.useDpopProof('old-2', T0, T0 - MINUTE);
        await store.useDpopProof('live', T0 + 1, T0 - MINUTE);
        expect(await store.deleteExpiredDpopProofs(T0)).toBe(2);
        expect(await store.deleteExpiredDpopProofs(T0)).toBe(0);
        // The live one is still there (a replay is refused), the deleted ones are free again.
        expect(await store.useDpopProof('live', T0 + MINUTE, T0)).toBe(false);
        expect(await store.useDpopProof('old-2', T0 + MINUTE, T0)).toBe(true);
      });

      it('a session keeps the DPoP key it was bound to; sessions stored without one are unbound', async () => {
        const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
        const { user, session: plain } = await registered('dpop-sess');
        const bound = newSession('sess-dpop-bound', user.id, { dpopJkt: jkt });
        await store.insertSession(bound, []);
        expect(await store.findSession(bound.id)).toStrictEqual(stored(bound));
        expect((await store.findSession(bound.id))?.dpopJkt).toBe(jkt);
        expect((await store.findSession(plain.id))?.dpopJkt).toBeNull();
        expect((await store.findSessionWithUser(bound.id))?.session.dpopJkt).toBe(jkt);
        // Rotation keeps the binding.
        expect(await store.rotateSession(bound.id, 0, T0 + 1, T0 + DAY, null)).toBe(true);
        expect((await store.findSession(bound.id))?.dpopJkt).toBe(jkt);
        expect((await store.listLiveSessions(user.id, T0)).map((s) => s.dpopJkt).sort()).toEqual([jkt, null]);
        const registeredBound = await store.register(newUser('dpop-reg'), newSession('sess-dpop-reg', 'user-dpop-reg', { dpopJkt: jkt }), [], T0);
        expect(registeredBound).not.toBeNull();
        expect((await store.findSession('sess-dpop-reg'))?.dpopJkt).toBe(jkt);
      });
    });

    describe('races', () => {
      for (const mode of raceModes) {
        describe(mode.label, () => {
          it(`${N} parallel uses of one DPoP proof: exactly one is recorded`, async () => {
            const stores = await raceStores(mode.stores);
            const results = await Promise.all(Array.from({ length: N }, (_, i) => stores[i % stores.length]!.useDpopProof('proof-race', T0 + MINUTE, T0 + i)));
            expect(results.filter(Boolean)).toHaveLength(1);
            expect(await store.useDpopProof('proof-race', T0 + MINUTE, T0)).toBe(false);
          });

          it(`${N} parallel takeovers of one expired DPoP proof record: exactly one wins`, async () => {
            await store.useDpopProof('proof-race-expired', T0, T0 - MINUTE);
            const stores = await raceStores(mode.stores);
            const results = await Promise.all(Array.from({ length: N }, (_, i) => stores[i % stores.length]!.useDpopProof('proof-race-expired', T0 + MINUTE + i, T0 + i)));
            expect(results.filter(Boolean)).toHaveLength(1);
          });

          it(`${N} parallel consumptions of one passkey challenge: exactly one gets it`, async () => {
            const stores = await raceStores(mode.stores);
            const stored: PasskeyChallenge = { id: 'ch-race', challenge: 'c-race', ceremony: 'authentication', userId: null, createdAt: T0, expiresAt: T0 + 5 * MINUTE };
            await store.storePasskeyChallenge(stored);
            const results = await Promise.all(Array.from({ length: N }, (_, i) => stores[i % stores.length]!.consumePasskeyChallenge('ch-race', 'authentication', T0 + i)));
            expect(results.filter((result) => result !== null)).toStrictEqual([stored]);
          });

          it(`${N} parallel redeemAuthorizationCode of one code: exactly one redeemed, one session, the rest replays that revoke it`, async () => {
            const { user } = await registered(`race-code`);
            await store.storeAuthorizationCode(authorizationCode('code-race', user.id));
            const stores = await raceStores(mode.stores);
            const results = await Promise.all(Array.from({ length: N }, (_, i) => stores[i % stores.length]!.redeemAuthorizationCode('code-race', T0 + 1, nativeSessionFor, REPLAY_EVENT)));
            expect(results.filter((result) => result.outcome === 'redeemed')).toHaveLength(1);
            expect(results.filter((result) => result.outcome === 'replayed')).toHaveLength(N - 1);
            expect(await store.findSession('native-code-race')).toMatchObject({ revokedReason: 'authorization_code_replayed' });
            expect(await store.listSecurityEvents(user.id, ['sign_in_succeeded'], 100)).toHaveLength(1);
          });

          it(`${N} parallel recordPasskeyUse with one counter: exactly one used, the rest counter_regressed`, async () => {
            const { user } = await registered('race-pk');
            const key: NewPasskey = { id: 'pk-race', userId: user.id, credentialId: 'cred-race', publicKey: 'pk', counter: 3, transports: ['internal'], deviceType: 'singleDevice', backedUp: false, name: 'race', createdAt: T0 };
            await store.addPasskey(key, []);
            const stores = await raceStores(mode.stores);
            const results = await Promise.all(Array.from({ length: N }, (_, i) => stores[i % stores.length]!.recordPasskeyUse('pk-race', 4, false, T0 + i)));
            expect(results.filter((result) => result === 'used')).toHaveLength(1);
            expect(results.filter((result) => result === 'counter_regressed')).toHaveLength(N - 1);
            expect((await store.findPasskeyByCredentialId('cred-race'))?.counter).toBe(4);
          });

          it(`${N} parallel rotateSession of one generation: exactly one wins, generation + 1`, async () => {
            const { session } = await registered('race-rot', { generation: 5 });
            const stores = await raceStores(mode.stores);
            const results = await Promise.all(
              Array.from({ length: N }, (_, i) => stores[i % stores.length]!.rotateSession(session.id, 5, T0 + i + 1, T0 + 8 * DAY + i, `192.0.2.${i + 1}`)),
            );
            expect(results.filter(Boolean)).toHaveLength(1);
            const winner = results.indexOf(true);
            const found = await store.findSession(session.id);
            // The row holds the winner's write, whole: not a mix of two rotations.
            expect(found).toStrictEqual({ ...stored(session), generation: 6, rotatedAt: T0 + winner + 1, lastUsedAt: T0 + winner + 1, expiresAt: T0 + 8 * DAY + winner, ip: `192.0.2.${winner + 1}` });
          });

          it(`${N} parallel uses of one reset link: exactly one succeeds`, async () => {
            const { user } = await registered('race-link');
            await store.issueOneTimeToken({ id: 'mac-race', userId: user.id, kind: 'password_reset', email: user.email, next: null, createdAt: T0, expiresAt: T0 + HOUR }, []);
            const stores = await raceStores(mode.stores);
            const results = await Promise.all(
              Array.from({ length: N }, (_, i) =>
                stores[i % stores.length]!.resetPassword('mac-race', `$2b$04$race-${i}`, T0 + i + 1, { type: 'session_revoked', ip: null, userAgent: null, at: T0, detail: null }, []),
              ),
            );
            const winners = results.filter((result) => result !== null);
            expect(winners).toHaveLength(1);
            const winner = results.findIndex((result) => result !== null);
            expect((await store.findCredentials({ id: user.id }))?.passwordHash).toBe(`$2b$04$race-${winner}`);
          });

          it(`${N} parallel acceptTotpStep of one step (one code sent twice): exactly one wins`, async () => {
            const { user } = await registered('race-totp');
            await store.beginTwoFactorSetup(user.id, 'v1.sealed', T0);
            await store.enableTwoFactor(user.id, 'v1.sealed', 10, [], T0, []);
            const stores = await raceStores(mode.stores);
            const results = await Promise.all(Array.from({ length: N }, (_, i) => stores[i % stores.length]!.acceptTotpStep(user.id, 'v1.sealed', 11)));
            expect(results.filter(Boolean)).toHaveLength(1);
            expect((await store.findTwoFactor(user.id))?.lastUsedStep).toBe(11);
          });

          it(`${N} parallel uses of one recovery code: exactly one wins, one event`, async () => {
            const { user } = await registered('race-recovery');
            await store.beginTwoFactorSetup(user.id, 'v1.sealed', T0);
            await store.enableTwoFactor(user.id, 'v1.sealed', 10, ['h1', 'h2'], T0, []);
            const stores = await raceStores(mode.stores);
            const event = newEvent('recovery_code_used', { userId: user.id });
            const results = await Promise.all(Array.from({ length: N }, (_, i) => stores[i % stores.length]!.consumeRecoveryCode(user.id, 'h1', T0 + i, [event])));
            expect(results.filter(Boolean)).toHaveLength(1);
            expect(await store.listSecurityEvents(user.id, ['recovery_code_used'], 100)).toHaveLength(1);
            expect((await store.findTwoFactor(user.id))?.recoveryCodesLeft).toBe(1);
          });

          it(`${N} parallel enables of one setup: exactly one wins, one set of codes`, async () => {
            const { user } = await registered('race-enable');
            await store.beginTwoFactorSetup(user.id, 'v1.sealed', T0);
            const stores = await raceStores(mode.stores);
            const results = await Promise.all(
              Array.from({ length: N }, (_, i) => stores[i % stores.length]!.enableTwoFactor(user.id, 'v1.sealed', 10 + i, [`h${i}-a`, `h${i}-b`], T0, [newEvent('two_factor_enabled', { userId: user.id })])),
            );
            expect(results.filter(Boolean)).toHaveLength(1);
            const winner = results.indexOf(true);
            expect(await store.findTwoFactor(user.id)).toMatchObject({ lastUsedStep: 10 + winner, recoveryCodesLeft: 2 });
            expect(await store.listSecurityEvents(user.id, ['two_factor_enabled'], 100)).toHaveLength(1);
          });

          it(`${N} parallel spends of one second-step challenge: exactly one wins`, async () => {
            const { user } = await registered('race-challenge');
            await store.issueOneTimeToken({ id: 'mac-race-ch', userId: user.id, kind: 'two_factor_after_password', email: user.email, next: null, createdAt: T0, expiresAt: T0 + 5 * MINUTE }, []);
            const stores = await raceStores(mode.stores);
            const results = await Promise.all(Array.from({ length: N }, (_, i) => stores[i % stores.length]!.consumeOneTimeToken('mac-race-ch', 'two_factor_after_password', T0 + i)));
            expect(results.filter((result) => result !== null)).toHaveLength(1);
          });

          it(`${N} parallel uses of one verification link: exactly one succeeds`, async () => {
            const { user } = await registered('race-verify');
            await store.issueOneTimeToken({ id: 'mac-race-v', userId: user.id, kind: 'email_verification', email: user.email, next: null, createdAt: T0, expiresAt: T0 + HOUR }, []);
            const stores = await raceStores(mode.stores);
            const event = { type: 'email_verified', sessionId: null, ip: null, userAgent: null, at: T0, detail: null };
            const results = await Promise.all(Array.from({ length: N }, (_, i) => stores[i % stores.length]!.verifyEmail('mac-race-v', T0 + i + 1, [event])));
            expect(results.filter((result) => result !== null)).toHaveLength(1);
            expect(await store.listSecurityEvents(user.id, ['email_verified'], 100)).toHaveLength(1);
          });

          it(`${N} parallel issues of one kind for one user: exactly one link stays live`, async () => {
            const { user } = await registered('race-issue');
            const stores = await raceStores(mode.stores);
            await Promise.all(
              Array.from({ length: N }, (_, i) =>
                stores[i % stores.length]!.issueOneTimeToken({ id: `mac-issue-${i}`, userId: user.id, kind: 'password_reset', email: user.email, next: null, createdAt: T0 + i, expiresAt: T0 + HOUR }, []),
              ),
            );
            const live = await Promise.all(Array.from({ length: N }, (_, i) => store.findOneTimeToken(`mac-issue-${i}`, 'password_reset', T0 + N)));
            expect(live.filter((row) => row !== null)).toHaveLength(1);
          });

          it(`${N} parallel consumeRateLimit counting up to 10: exactly 10 allowed, count exactly 10`, async () => {
            const stores = await raceStores(mode.stores);
            const key = 'ip:203.0.113.77';
            const results = await Promise.all(
              Array.from({ length: N }, (_, i) =>
                // Closure-free (its argument and literals only): a store in another process gets it as source.
                stores[i % stores.length]!.consumeRateLimit(key, (row: RateLimitRecord | null): RateLimitOutcome<boolean> => {
                  const count = row === null ? 0 : row.count;
                  if (count >= 10) return { save: null, result: false };
                  return { save: { key: 'ip:203.0.113.77', count: count + 1, windowStart: row === null ? 1768435200000 : row.windowStart, lastAt: 1768435200000 + count, limitedAt: null }, result: true };
                }),
              ),
            );
            expect(results.filter(Boolean)).toHaveLength(10);
            expect(await readRateLimit(key)).toStrictEqual({ key, count: 10, windowStart: T0, lastAt: T0 + 9, limitedAt: null });
          });

          it(`${N} parallel pure increments: count exactly ${N}`, async () => {
            const stores = await raceStores(mode.stores);
            const key = 'account:race@example.com';
            const seen = await Promise.all(
              Array.from({ length: N }, (_, i) =>
                // Closure-free (its argument and literals only): a store in another process gets it as source.
                stores[i % stores.length]!.consumeRateLimit(key, (row: RateLimitRecord | null): RateLimitOutcome<number> => {
                  const count = (row === null ? 0 : row.count) + 1;
                  return { save: { key: 'account:race@example.com', count, windowStart: 1768435200000, lastAt: 1768435200000 + count, limitedAt: null }, result: count };
                }),
              ),
            );
            // Each consume saw a different count: 1..N, each once.
            expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
            expect(await readRateLimit(key)).toStrictEqual({ key, count: N, windowStart: T0, lastAt: T0 + N, limitedAt: null });
          });

          it(`${N} parallel register with one email: exactly one user, one session, no orphans`, async () => {
            const stores = await raceStores(mode.stores);
            const email = 'race@example.com';
            const attempts = Array.from({ length: N }, (_, i) => {
              const user = newUser(`race-${i}`, { email });
              const session = newSession(`sess-race-${i}`, user.id);
              return { user, session, events: [newEvent('registered', { userId: user.id, sessionId: session.id })] };
            });
            const results = await Promise.all(attempts.map((a, i) => stores[i % stores.length]!.register(a.user, a.session, a.events, T0 + i)));
            const winners = results.filter((r) => r !== null);
            expect(winners).toHaveLength(1);
            const w = results.findIndex((r) => r !== null);
            const winner = attempts[w]!;
            expect(results[w]).toStrictEqual({ id: winner.user.id, email, name: winner.user.name, createdAt: T0 + w, emailVerifiedAt: null });
            expect((await store.findCredentials({ email }))?.id).toBe(winner.user.id);
            expect((await store.listLiveSessions(winner.user.id, T0 + DAY)).map((s) => s.id)).toEqual([winner.session.id]);
            for (const [i, a] of attempts.entries()) {
              if (i === w) continue;
              expect(await store.findUserById(a.user.id)).toBeNull();
              expect(await store.findSession(a.session.id)).toBeNull();
              expect(await store.listSecurityEvents(a.user.id, ALL_TYPES, 10)).toEqual([]);
            }
            expect(await store.listSecurityEvents(winner.user.id, ALL_TYPES, 10)).toHaveLength(1);
            expect(await countAndDropAllEvents()).toBe(1);
          });

          it(`${N} parallel changePassword with one confirmed hash: exactly one ok, the others password_changed, the winner's hash stored`, async () => {
            const { user, session: caller, hash } = await registered('race-pw');
            const other = newSession('sess-race-pw-other', user.id);
            await store.insertSession(other, []);
            const stores = await raceStores(mode.stores);
            const confirmation: Confirmation = { userId: user.id, sessionId: caller.id, confirmedHash: hash, now: T0 };
            const revokedEvent: RevocationEvent = { type: 'session_revoked', userId: user.id, ip: null, userAgent: null, at: T0, detail: null };
            const results = await Promise.all(
              Array.from({ length: N }, (_, i) =>
                stores[i % stores.length]!.changePassword(confirmation, `$2b$12$new-${i}`, revokedEvent, [newEvent('password_changed', { userId: user.id, detail: `{"i":${i}}` })]),
              ),
            );
            const oks = results.filter((r) => r.ok);
            expect(oks).toHaveLength(1);
            expect(results.filter((r) => !r.ok && r.reason === 'password_changed')).toHaveLength(N - 1);
            const w = results.findIndex((r) => r.ok);
            expect(results[w]).toStrictEqual({ ok: true, value: [other.id] });
            expect((await store.findCredentials({ id: user.id }))?.passwordHash).toBe(`$2b$12$new-${w}`);
            expect((await store.listLiveSessions(user.id, T0)).map((s) => s.id)).toEqual([caller.id]);
            // Only the winner's events: one revocation, one password change.
            expect((await store.listSecurityEvents(user.id, ['session_revoked'], 100)).map((e) => e.sessionId)).toEqual([other.id]);
            expect((await store.listSecurityEvents(user.id, ['password_changed'], 100)).map((e) => e.detail)).toEqual([`{"i":${w}}`]);
            expect(await countAndDropAllEvents()).toBe(2);
          });

          it(`two changePassword racing with one confirmed hash from two stores at once: one ok, one password_changed`, async () => {
            const { user, session: caller, hash } = await registered('race-pw2');
            const stores = await raceStores(mode.stores);
            const confirmation: Confirmation = { userId: user.id, sessionId: caller.id, confirmedHash: hash, now: T0 };
            const revokedEvent: RevocationEvent = { type: 'session_revoked', userId: user.id, ip: null, userAgent: null, at: T0, detail: null };
            const [a, b] = await Promise.all([
              stores[0]!.changePassword(confirmation, '$2b$12$first', revokedEvent, []),
              stores[stores.length - 1]!.changePassword(confirmation, '$2b$12$second', revokedEvent, []),
            ]);
            expect([a, b].filter((r) => r.ok)).toHaveLength(1);
            expect([a, b].filter((r) => !r.ok && r.reason === 'password_changed')).toHaveLength(1);
            expect((await store.findCredentials({ id: user.id }))?.passwordHash).toBe(a.ok ? '$2b$12$first' : '$2b$12$second');
          });

          it(`${N} parallel revokeUserSessions of one user: each session revoked by exactly one call, one event each`, async () => {
            const { user, session: keep } = await registered('race-bulk');
            const others = Array.from({ length: 5 }, (_, i) => newSession(`sess-race-bulk-${i}`, user.id, { createdAt: T0 + i }));
            for (const s of others) await store.insertSession(s, []);
            const stores = await raceStores(mode.stores);
            const revokedEvent: RevocationEvent = { type: 'session_revoked', userId: user.id, ip: null, userAgent: null, at: T0, detail: null };
            const results = await Promise.all(
              Array.from({ length: N }, (_, i) => stores[i % stores.length]!.revokeUserSessions(user.id, `reason-${i}`, T0 + i, keep.id, revokedEvent)),
            );
            // Every other session was revoked by exactly one of the calls.
            expect(sorted(results.flat())).toEqual(sorted(others.map((s) => s.id)));
            for (const s of others) {
              const w = results.findIndex((ids) => ids.includes(s.id));
              expect(await store.findSession(s.id)).toStrictEqual({ ...stored(s), revokedAt: T0 + w, revokedReason: `reason-${w}` });
            }
            expect(await store.findSession(keep.id)).toStrictEqual(stored(keep));
            const events = await store.listSecurityEvents(user.id, ['session_revoked'], 100);
            expect(sorted(events.map((e) => e.sessionId ?? 'null'))).toEqual(sorted(others.map((s) => s.id)));
          });

          it(`${N} parallel revokeSession of one session: exactly one true, events written once`, async () => {
            const { user, session } = await registered('race-rev');
            const stores = await raceStores(mode.stores);
            const results = await Promise.all(
              Array.from({ length: N }, (_, i) =>
                stores[i % stores.length]!.revokeSession(session.id, `reason-${i}`, T0 + i, [newEvent('session_revoked', { userId: user.id, sessionId: session.id, detail: `{"i":${i}}` })]),
              ),
            );
            expect(results.filter(Boolean)).toHaveLength(1);
            const w = results.indexOf(true);
            expect(await store.findSession(session.id)).toStrictEqual({ ...stored(session), revokedAt: T0 + w, revokedReason: `reason-${w}` });
            expect((await store.listSecurityEvents(user.id, ['session_revoked'], 100)).map((e) => e.detail)).toEqual([`{"i":${w}}`]);
          });
        });
      }
    });

    describe('closed', () => {
      it('after close(), methods reject with StoreUnavailableError (closed), not a driver error', async () => {
        const { user, session } = await registered('closed');
        await store.close();
        opened = opened.filter((s) => s !== store);
        await expectUnavailable(() => store.findUserById(user.id), 'closed');
        await expectUnavailable(() => store.findCredentials({ email: user.email }), 'closed');
        await expectUnavailable(() => store.findSession(session.id), 'closed');
        await expectUnavailable(() => store.rotateSession(session.id, 0, T0, T0 + DAY, null), 'closed');
        await expectUnavailable(() => store.register(newUser('late'), newSession('sess-late', 'user-late'), [], T0), 'closed');
        await expectUnavailable(() => store.consumeRateLimit('ip:x', () => ({ save: null, result: null })), 'closed');
        await expectUnavailable(() => store.listSecurityEvents(user.id, ALL_TYPES, 10), 'closed');
        await expectUnavailable(() => store.housekeeping({ sessionsEndedBefore: 0, eventsBefore: 0, rateLimitsBefore: 0, tokensEndedBefore: 0, devicesBefore: 0, passkeyChallengesBefore: 0, authorizationCodesBefore: 0 }), 'closed');
        await expectUnavailable(() => store.useDpopProof('closed', T0 + MINUTE, T0), 'closed');
        await expectUnavailable(() => store.ready(), 'closed');
      });

      it('ready() resolves on an open store, and the store works after it', async () => {
        await store.ready();
        await store.ready();
        expect((await registered('ready')).user.email).toContain('ready');
      });
    });
  });
}
