/**
 * The SQLite adapter of the Store (db/store.ts): better-sqlite3 through drizzle, WAL mode with a
 * busy timeout so several processes (dev server, `npm run db:migrate`, a second instance on one
 * machine) can share the file. better-sqlite3 is synchronous, so every method runs to completion
 * before it yields: an atomic operation is one synchronous `BEGIN IMMEDIATE` transaction, which
 * also serialises writers in other processes.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import {
  NO_PASSWORD,
  StoreUnavailableError,
  type ApiKeyCreation,
  type ApiKeyRecord,
  type Confirmation,
  type Credentials,
  type DeviceSighting,
  type HousekeepingCutoffs,
  type HousekeepingResult,
  type LinkedIdentityRecord,
  type LinkIdentityResult,
  type NewSecurityEvent,
  type NewSession,
  type NewUser,
  type OneTimeTokenRecord,
  type PasskeyChallenge,
  type PasskeyRecord,
  type PasskeyUse,
  type PasswordResetResult,
  type RateLimitOutcome,
  type RateLimitRecord,
  type Rechecked,
  type RevocationEvent,
  type SecurityEventRecord,
  type SessionRecord,
  type Store,
  type TwoFactorRecord,
  type UnlinkIdentityResult,
  type UserRecord,
  type AuthorizationCodeRecord,
  type CodeRedemption,
} from '../store';
import * as schema from './schema';
import { apiKeys, authorizationCodes, dpopProofs, knownDevices, linkedIdentities, oneTimeTokens, passkeyChallenges, passkeys, rateLimits, recoveryCodes, securityEvents, sessions, twoFactor, users } from './schema';
import { RollBack, rolledBack } from '../rollback';

type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const SQLITE_MIGRATIONS = path.join(process.cwd(), 'db', 'sqlite', 'migrations');

/** SQLite result codes that mean "try again later", not "our bug". */
const UNAVAILABLE: Record<string, StoreUnavailableError['kind']> = {
  SQLITE_BUSY: 'busy',
  SQLITE_LOCKED: 'busy',
  SQLITE_FULL: 'full',
  SQLITE_CANTOPEN: 'unreachable',
  SQLITE_IOERR: 'unreachable',
  SQLITE_READONLY: 'unreachable',
  SQLITE_NOTADB: 'unreachable',
  SQLITE_CORRUPT: 'unreachable',
  // The file system refusing the database's directory or file while opening it.
  ENOTDIR: 'unreachable',
  EEXIST: 'unreachable',
  EISDIR: 'unreachable',
  EACCES: 'unreachable',
  EPERM: 'unreachable',
  EROFS: 'unreachable',
  ENOENT: 'unreachable',
  ENOSPC: 'full',
};

/** Turns a driver error into StoreUnavailableError when it is one of the conditions that pass. */
function translate(error: unknown): unknown {
  if (StoreUnavailableError.is(error)) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const kind = UNAVAILABLE[code] ?? UNAVAILABLE[code.split('_').slice(0, 2).join('_')];
  if (kind) return new StoreUnavailableError(kind, { cause: error });
  // better-sqlite3 throws a TypeError once the connection is closed.
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) return new StoreUnavailableError('closed', { cause: error });
  return error;
}

/**
 * Applies pending migrations. Two processes that open a new file at the same moment both start
 * drizzle's migration transaction; the one that loses the race gets SQLITE_BUSY (its snapshot is
 * stale, which the busy timeout does not wait out). It tries again and then finds them applied.
 */
function migrateOnce(db: Db): void {
  for (let attempt = 1; ; attempt += 1) {
    try {
      migrate(db, { migrationsFolder: SQLITE_MIGRATIONS });
      return;
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
      if (attempt >= 5 || !code.startsWith('SQLITE_BUSY')) throw error;
    }
  }
}

/** Opens (creating if needed) and migrates the SQLite database at `file`. */
function open(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    const db = drizzle(sqlite, { schema, casing: 'snake_case' });
    migrateOnce(db);
    return db;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/** A stored passkey row as the interface's record (transports are kept comma-separated). */
function passkeyRecord(row: typeof passkeys.$inferSelect): PasskeyRecord {
  return { ...row, transports: row.transports === '' ? [] : row.transports.split(',') };
}

/** The columns safe to hand to the rest of the app. */
const userColumns = { id: users.id, email: users.email, name: users.name, createdAt: users.createdAt, emailVerifiedAt: users.emailVerifiedAt } as const;

/**
 * The hot queries (every refresh, every signed-in request that checks its session), prepared once
 * per connection: building a query with drizzle costs several times running it (npm run bench:
 * ~250 µs to build a SELECT against ~40 µs to run it prepared, on its 2-core machine).
 */
function prepare(db: Db) {
  return {
    findSession: db.select().from(sessions).where(eq(sessions.id, sql.placeholder('id'))).prepare(),
    findUserById: db.select(userColumns).from(users).where(eq(users.id, sql.placeholder('id'))).prepare(),
    // The session and its user in one step (every signed-in API call and page).
    findSessionWithUser: db.select({ session: sessions, user: userColumns }).from(sessions).innerJoin(users, eq(users.id, sessions.userId)).where(eq(sessions.id, sql.placeholder('id'))).prepare(),
    rotate: db
      .update(sessions)
      .set({
        generation: sql`${sql.placeholder('next')}`,
        rotatedAt: sql`${sql.placeholder('now')}`,
        lastUsedAt: sql`${sql.placeholder('now')}`,
        expiresAt: sql`${sql.placeholder('expiresAt')}`,
        // The address the session was last used from; an unknown one keeps the last known.
        ip: sql`coalesce(${sql.placeholder('ip')}, ${sessions.ip})`,
      })
      .where(and(eq(sessions.id, sql.placeholder('id')), eq(sessions.generation, sql.placeholder('generation')), isNull(sessions.revokedAt)))
      .prepare(),
    findRateLimit: db.select().from(rateLimits).where(eq(rateLimits.key, sql.placeholder('key'))).prepare(),
    // Every request authenticated by an API key.
    findApiKeyWithUser: db.select({ key: apiKeys, user: userColumns }).from(apiKeys).innerJoin(users, eq(users.id, apiKeys.userId)).where(eq(apiKeys.id, sql.placeholder('id'))).prepare(),
  };
}

/**
 * A Store on the SQLite file at `file` (`:memory:` for a private in-memory database). Opens and
 * migrates at once; throws StoreUnavailableError when the file cannot be opened.
 */
export function createSqliteStore(file: string): Store {
  let db: Db;
  try {
    db = open(file);
  } catch (error) {
    throw translate(error);
  }
  const statements = prepare(db);
  const client = db.$client;

  /** Runs synchronous work as one atomic step; `immediate` takes the write lock up front. */
  function atomic<T>(work: () => T): T {
    return client.transaction(work).immediate();
  }

  /** Runs a synchronous operation, translating driver errors. */
  async function run<T>(work: () => T): Promise<T> {
    try {
      return work();
    } catch (error) {
      throw translate(error);
    }
  }

  function insertEvents(events: readonly NewSecurityEvent[]): void {
    if (events.length > 0) db.insert(securityEvents).values([...events]).run();
  }

  function revokeOthers(userId: string, reason: string, now: number, keep: string | null, event: RevocationEvent): string[] {
    const conditions = [eq(sessions.userId, userId), isNull(sessions.revokedAt)];
    if (keep !== null) conditions.push(ne(sessions.id, keep));
    const revoked = db
      .update(sessions)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(...conditions))
      .returning({ id: sessions.id })
      .all()
      .map((row) => row.id);
    insertEvents(revoked.map((sessionId) => ({ ...event, sessionId })));
    return revoked;
  }

  /** Inside a transaction: marks a live link of `kind` used (compare-and-set); the row, or null when it was not live. */
  function markTokenUsed(id: string, kind: OneTimeTokenRecord['kind'], now: number): OneTimeTokenRecord | null {
    const row = db
      .update(oneTimeTokens)
      .set({ usedAt: now })
      .where(and(eq(oneTimeTokens.id, id), eq(oneTimeTokens.kind, kind), isNull(oneTimeTokens.usedAt), gt(oneTimeTokens.expiresAt, now)))
      .returning()
      .get();
    return row ? (row as OneTimeTokenRecord) : null;
  }

  /**
   * verifyEmail and consumeSignInLink: uses the live link of `kind` (compare-and-set), marks the
   * email verified (the link proved the mailbox, as long as the account still has that address)
   * and writes `events`; null, with nothing written, otherwise.
   */
  function redeemMailboxLink(tokenId: string, kind: 'email_verification' | 'magic_link', now: number, events: readonly Omit<NewSecurityEvent, 'userId'>[]): Promise<UserRecord | null> {
    return run(() =>
      atomic((): UserRecord | null => {
        const token = markTokenUsed(tokenId, kind, now);
        if (!token) return null;
        const user = db
          .update(users)
          .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now})` })
          .where(and(eq(users.id, token.userId), eq(users.email, token.email)))
          .returning(userColumns)
          .get();
        if (!user) throw new RollBack();
        insertEvents(events.map((event) => ({ ...event, userId: token.userId })));
        return user;
      }),
    ).catch(rolledBack(null));
  }

  /** Inside a transaction: the caller's session is live and the password is still the one confirmed. */
  function recheck(confirmation: Confirmation): 'session_ended' | 'password_changed' | null {
    const session = statements.findSession.get({ id: confirmation.sessionId });
    const { now } = confirmation;
    if (!session || session.userId !== confirmation.userId || session.revokedAt !== null || now >= session.expiresAt || now >= session.absoluteExpiresAt) return 'session_ended';
    const stored = db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, confirmation.userId)).get();
    const hash = stored?.passwordHash === NO_PASSWORD ? null : stored?.passwordHash;
    return stored && hash === confirmation.confirmedHash ? null : 'password_changed';
  }

  return {
    dialect: 'sqlite',

    // Opened and migrated when created; only a closed store is not ready.
    ready: () =>
      run(() => {
        if (!client.open) throw new StoreUnavailableError('closed');
      }),

    findUserById: (id) => run(() => statements.findUserById.get({ id }) ?? null),

    findCredentials: (where) =>
      run((): Credentials | null => {
        const condition = 'email' in where ? eq(users.email, where.email) : eq(users.id, where.id);
        const row = db.select({ ...userColumns, passwordHash: users.passwordHash }).from(users).where(condition).get();
        return row ? { ...row, passwordHash: row.passwordHash === NO_PASSWORD ? null : row.passwordHash } : null;
      }),

    register: (user: NewUser, session: NewSession | null, events, now) =>
      run(() =>
        atomic((): UserRecord | null => {
          const created = db
            .insert(users)
            .values({ ...user, createdAt: now, updatedAt: now })
            .onConflictDoNothing({ target: users.email })
            .returning(userColumns)
            .all()[0];
          if (!created) return null;
          if (session) db.insert(sessions).values(session).run();
          insertEvents(events);
          return created;
        }),
      ),

    rehashPassword: (userId, oldHash, newHash, now) =>
      run(
        () =>
          db
            .update(users)
            .set({ passwordHash: newHash, updatedAt: now })
            .where(and(eq(users.id, userId), eq(users.passwordHash, oldHash)))
            .run().changes === 1,
      ),

    changePassword: (confirmation, newHash, revokedEvent, events) =>
      run(() =>
        atomic((): Rechecked<string[]> => {
          const failure = recheck(confirmation);
          if (failure) return { ok: false, reason: failure };
          db.update(users).set({ passwordHash: newHash, updatedAt: confirmation.now }).where(eq(users.id, confirmation.userId)).run();
          // Every link mailed before the change dies with the old password.
          db.delete(oneTimeTokens).where(eq(oneTimeTokens.userId, confirmation.userId)).run();
          const revoked = revokeOthers(confirmation.userId, 'password_changed', confirmation.now, confirmation.sessionId, revokedEvent);
          insertEvents(events);
          return { ok: true, value: revoked };
        }),
      ),

    deleteAccount: (confirmation, rateLimitKeys, events) =>
      run(() =>
        atomic((): Rechecked<null> => {
          const failure = recheck(confirmation);
          if (failure) return { ok: false, reason: failure };
          const { userId } = confirmation;
          // Events first: once the user row is gone the foreign key has already nulled user_id,
          // and the rows with the person's IPs and devices could no longer be found.
          db.update(securityEvents).set({ userId: null, sessionId: null, ip: null, userAgent: null }).where(eq(securityEvents.userId, userId)).run();
          db.delete(sessions).where(eq(sessions.userId, userId)).run();
          if (rateLimitKeys.length > 0) db.delete(rateLimits).where(inArray(rateLimits.key, [...rateLimitKeys])).run();
          db.delete(users).where(eq(users.id, userId)).run();
          insertEvents(events);
          return { ok: true, value: null };
        }),
      ),

    issueOneTimeToken: (token, events) =>
      run(() =>
        atomic(() => {
          const user = db.select({ id: users.id }).from(users).where(eq(users.id, token.userId)).get();
          if (!user) return false;
          // A newer link of a kind supersedes every older one of that kind.
          db.delete(oneTimeTokens)
            .where(and(eq(oneTimeTokens.userId, token.userId), eq(oneTimeTokens.kind, token.kind)))
            .run();
          db.insert(oneTimeTokens).values(token).run();
          insertEvents(events);
          return true;
        }),
      ),

    findOneTimeToken: (id, kind, now) =>
      run(
        () =>
          (db
            .select()
            .from(oneTimeTokens)
            .where(and(eq(oneTimeTokens.id, id), eq(oneTimeTokens.kind, kind), isNull(oneTimeTokens.usedAt), gt(oneTimeTokens.expiresAt, now)))
            .get() as OneTimeTokenRecord | undefined) ?? null,
      ),

    resetPassword: (tokenId, newHash, now, revokedEvent, events) =>
      run(() =>
        atomic((): PasswordResetResult | null => {
          const token = markTokenUsed(tokenId, 'password_reset', now);
          if (!token) return null;
          const { userId } = token;
          const updated = db
            .update(users)
            .set({ passwordHash: newHash, updatedAt: now, emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now})` })
            .where(and(eq(users.id, userId), eq(users.email, token.email)))
            .run().changes;
          if (updated !== 1) throw new RollBack();
          db.delete(oneTimeTokens).where(eq(oneTimeTokens.userId, userId)).run();
          const revoked = revokeOthers(userId, 'password_reset', now, null, { ...revokedEvent, userId });
          insertEvents(events.map((event) => ({ ...event, userId })));
          return { userId, revokedSessionIds: revoked };
        }),
      ).catch(rolledBack(null)),

    verifyEmail: (tokenId, now, events) => redeemMailboxLink(tokenId, 'email_verification', now, events),

    consumeOneTimeToken: (id, kind, now) => run(() => markTokenUsed(id, kind, now)),

    findTwoFactor: (userId) =>
      run(
        (): TwoFactorRecord | null =>
          db
            .select({
              userId: twoFactor.userId,
              secret: twoFactor.secret,
              createdAt: twoFactor.createdAt,
              enabledAt: twoFactor.enabledAt,
              lastUsedStep: twoFactor.lastUsedStep,
              // Spelled out: drizzle leaves columns unqualified in a select list, and an unqualified
              // user_id inside the subquery would be the subquery's own.
              recoveryCodesLeft: sql<number>`(select count(*) from "recovery_codes" where "recovery_codes"."user_id" = "two_factor"."user_id" and "recovery_codes"."used_at" is null)`,
            })
            .from(twoFactor)
            .where(eq(twoFactor.userId, userId))
            .get() ?? null,
      ),

    beginTwoFactorSetup: (userId, secret, now) =>
      run(() =>
        atomic(() => {
          const user = db.select({ id: users.id }).from(users).where(eq(users.id, userId)).get();
          if (!user) return false;
          // Replaces a pending setup; an enabled authenticator is never overwritten.
          const written = db
            .insert(twoFactor)
            .values({ userId, secret, createdAt: now, enabledAt: null, lastUsedStep: null })
            .onConflictDoUpdate({ target: twoFactor.userId, set: { secret, createdAt: now, lastUsedStep: null }, setWhere: isNull(twoFactor.enabledAt) })
            .run().changes;
          return written === 1;
        }),
      ),

    enableTwoFactor: (userId, secret, step, hashes, now, events) =>
      run(() =>
        atomic(() => {
          const enabled = db
            .update(twoFactor)
            .set({ enabledAt: now, lastUsedStep: step })
            .where(and(eq(twoFactor.userId, userId), eq(twoFactor.secret, secret), isNull(twoFactor.enabledAt)))
            .run().changes;
          if (enabled !== 1) return false;
          db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
          if (hashes.length > 0) db.insert(recoveryCodes).values(hashes.map((codeHash) => ({ userId, codeHash, createdAt: now }))).run();
          insertEvents(events);
          return true;
        }),
      ),

    acceptTotpStep: (userId, secret, step) =>
      run(
        () =>
          db
            .update(twoFactor)
            .set({ lastUsedStep: step })
            .where(
              and(
                eq(twoFactor.userId, userId),
                eq(twoFactor.secret, secret),
                sql`${twoFactor.enabledAt} is not null`,
                or(isNull(twoFactor.lastUsedStep), lt(twoFactor.lastUsedStep, step)),
              ),
            )
            .run().changes === 1,
      ),

    consumeRecoveryCode: (userId, codeHash, now, events) =>
      run(() =>
        atomic(() => {
          const used = db
            .update(recoveryCodes)
            .set({ usedAt: now })
            .where(
              and(
                eq(recoveryCodes.userId, userId),
                eq(recoveryCodes.codeHash, codeHash),
                isNull(recoveryCodes.usedAt),
                sql`exists (select 1 from "two_factor" where "two_factor"."user_id" = ${userId} and "two_factor"."enabled_at" is not null)`,
              ),
            )
            .run().changes;
          if (used !== 1) return false;
          insertEvents(events);
          return true;
        }),
      ),

    disableTwoFactor: (userId, events) =>
      run(() =>
        atomic(() => {
          const deleted = db
            .delete(twoFactor)
            .where(and(eq(twoFactor.userId, userId), sql`${twoFactor.enabledAt} is not null`))
            .run().changes;
          if (deleted !== 1) return false;
          db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
          insertEvents(events);
          return true;
        }),
      ),

    consumeSignInLink: (tokenId, now, events) => redeemMailboxLink(tokenId, 'magic_link', now, events),

    findUserByIdentity: (provider, subject) =>
      run(
        () =>
          db
            .select(userColumns)
            .from(linkedIdentities)
            .innerJoin(users, eq(users.id, linkedIdentities.userId))
            .where(and(eq(linkedIdentities.provider, provider), eq(linkedIdentities.subject, subject)))
            .get() ?? null,
      ),

    listLinkedIdentities: (userId) =>
      run((): LinkedIdentityRecord[] => db.select().from(linkedIdentities).where(eq(linkedIdentities.userId, userId)).orderBy(asc(linkedIdentities.createdAt), asc(linkedIdentities.provider)).all()),

    registerWithIdentity: (user, identity, events, now) =>
      run(() =>
        atomic((): UserRecord | null => {
          const taken = db
            .select({ userId: linkedIdentities.userId })
            .from(linkedIdentities)
            .where(and(eq(linkedIdentities.provider, identity.provider), eq(linkedIdentities.subject, identity.subject)))
            .get();
          if (taken) return null;
          const created = db
            .insert(users)
            .values({ ...user, passwordHash: NO_PASSWORD, createdAt: now, updatedAt: now })
            .onConflictDoNothing({ target: users.email })
            .returning(userColumns)
            .all()[0];
          if (!created) return null;
          db.insert(linkedIdentities).values({ ...identity, userId: created.id }).run();
          insertEvents(events);
          return created;
        }),
      ),

    linkIdentity: (identity, events, verifiedEmail) =>
      run(() =>
        atomic((): LinkIdentityResult => {
          const conditions = [eq(users.id, identity.userId)];
          if (verifiedEmail !== undefined) conditions.push(eq(users.email, verifiedEmail), isNotNull(users.emailVerifiedAt));
          if (!db.select({ id: users.id }).from(users).where(and(...conditions)).get()) return 'no_user';
          const owner = db
            .select({ userId: linkedIdentities.userId })
            .from(linkedIdentities)
            .where(and(eq(linkedIdentities.provider, identity.provider), eq(linkedIdentities.subject, identity.subject)))
            .get();
          if (owner) return 'identity_taken';
          const same = db
            .select({ subject: linkedIdentities.subject })
            .from(linkedIdentities)
            .where(and(eq(linkedIdentities.userId, identity.userId), eq(linkedIdentities.provider, identity.provider)))
            .get();
          if (same) return 'provider_taken';
          db.insert(linkedIdentities).values(identity).run();
          insertEvents(events);
          return 'linked';
        }),
      ),

    unlinkIdentity: (userId, provider, events) =>
      run(() =>
        atomic((): UnlinkIdentityResult => {
          const identities = db.select({ provider: linkedIdentities.provider }).from(linkedIdentities).where(eq(linkedIdentities.userId, userId)).all();
          if (!identities.some((row) => row.provider === provider)) return 'not_linked';
          const password = db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).get();
          // The last way to sign in stays: a password, a passkey or another provider must remain.
          const passkey = db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, userId)).limit(1).get();
          if ((!password || password.passwordHash === NO_PASSWORD) && !passkey && identities.length < 2) return 'last_method';
          db.delete(linkedIdentities)
            .where(and(eq(linkedIdentities.userId, userId), eq(linkedIdentities.provider, provider)))
            .run();
          insertEvents(events);
          return 'unlinked';
        }),
      ),

    rememberDevice: (userId, device, now) =>
      run(() =>
        atomic((): DeviceSighting => {
          const seenBefore = db.select({ device: knownDevices.device }).from(knownDevices).where(eq(knownDevices.userId, userId)).all();
          db.insert(knownDevices)
            .values({ userId, device, firstSeenAt: now, lastSeenAt: now })
            .onConflictDoUpdate({ target: [knownDevices.userId, knownDevices.device], set: { lastSeenAt: now } })
            .run();
          if (seenBefore.length === 0) return 'first';
          return seenBefore.some((row) => row.device === device) ? 'known' : 'new';
        }),
      ),

    insertSession: (session, events) =>
      run(() =>
        atomic(() => {
          db.insert(sessions).values(session).run();
          insertEvents(events);
        }),
      ),

    findSession: (id) => run((): SessionRecord | null => statements.findSession.get({ id }) ?? null),

    findSessionWithUser: (id) => run(() => statements.findSessionWithUser.get({ id }) ?? null),

    rotateSession: (id, generation, now, expiresAt, ip) => run(() => statements.rotate.run({ id, generation, next: generation + 1, now, expiresAt, ip }).changes === 1),

    revokeSession: (id, reason, now, events) =>
      run(() =>
        atomic(() => {
          const revoked =
            db
              .update(sessions)
              .set({ revokedAt: now, revokedReason: reason })
              .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)))
              .run().changes === 1;
          if (revoked) insertEvents(events);
          return revoked;
        }),
      ),

    revokeUserSessions: (userId, reason, now, keep, event) => run(() => atomic(() => revokeOthers(userId, reason, now, keep, event))),

    listLiveSessions: (userId, now) =>
      run(() =>
        db
          .select()
          .from(sessions)
          .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now), gt(sessions.absoluteExpiresAt, now)))
          .orderBy(desc(sessions.createdAt), desc(sessions.id))
          .all(),
      ),

    addSecurityEvents: (events) => run(() => insertEvents(events)),

    listSecurityEvents: (userId, types, limit) =>
      run(
        (): SecurityEventRecord[] =>
          db
            .select()
            .from(securityEvents)
            .where(and(eq(securityEvents.userId, userId), inArray(securityEvents.type, [...types])))
            .orderBy(desc(securityEvents.at), desc(securityEvents.id))
            .limit(limit)
            .all() as SecurityEventRecord[],
      ),

    consumeRateLimit: <T>(key: string, decide: (row: RateLimitRecord | null) => RateLimitOutcome<T>) =>
      run(() =>
        atomic((): T => {
          const outcome = decide(statements.findRateLimit.get({ key }) ?? null);
          const row = outcome.save;
          if (row) {
            db.insert(rateLimits)
              .values(row)
              .onConflictDoUpdate({ target: rateLimits.key, set: { count: row.count, windowStart: row.windowStart, lastAt: row.lastAt, limitedAt: row.limitedAt } })
              .run();
          }
          return outcome.result;
        }),
      ),

    deleteRateLimit: (key) =>
      run(() => {
        db.delete(rateLimits).where(eq(rateLimits.key, key)).run();
      }),

    storePasskeyChallenge: (challenge) =>
      run(() => {
        db.insert(passkeyChallenges).values(challenge).run();
      }),

    // One DELETE … RETURNING: of racing consumers, exactly one gets the row.
    consumePasskeyChallenge: (id, ceremony, now) =>
      run((): PasskeyChallenge | null => {
        const row = db
          .delete(passkeyChallenges)
          .where(and(eq(passkeyChallenges.id, id), eq(passkeyChallenges.ceremony, ceremony)))
          .returning()
          .get();
        return row && row.expiresAt > now ? row : null;
      }),

    storeAuthorizationCode: (code) =>
      run(() => {
        db.insert(authorizationCodes).values(code).run();
      }),

    // BEGIN IMMEDIATE: the read, the mark and the session insert are one step; racing redeems queue.
    redeemAuthorizationCode: (id, now, exchange, replayEvent) =>
      run(() =>
        atomic((): CodeRedemption => {
          const code: AuthorizationCodeRecord | undefined = db.select().from(authorizationCodes).where(eq(authorizationCodes.id, id)).get();
          if (!code) return { outcome: 'invalid' };
          if (code.usedAt !== null) {
            const revoked =
              db
                .update(sessions)
                .set({ revokedAt: now, revokedReason: 'authorization_code_replayed' })
                .where(and(eq(sessions.id, code.sessionId), isNull(sessions.revokedAt)))
                .run().changes === 1;
            insertEvents([{ ...replayEvent, userId: code.userId, sessionId: code.sessionId }]);
            return { outcome: 'replayed', code, revoked };
          }
          if (code.expiresAt <= now) return { outcome: 'invalid' };
          db.update(authorizationCodes).set({ usedAt: now }).where(eq(authorizationCodes.id, id)).run();
          const used = { ...code, usedAt: now };
          const result = exchange(used);
          if (!result) return { outcome: 'refused', code: used };
          db.insert(sessions).values(result.session).run();
          insertEvents(result.events);
          return { outcome: 'redeemed', code: used };
        }),
      ),

    addPasskey: (passkey, events) =>
      run(() =>
        atomic(() => {
          const user = db.select({ id: users.id }).from(users).where(eq(users.id, passkey.userId)).get();
          if (!user) return false;
          const inserted = db
            .insert(passkeys)
            .values({ ...passkey, transports: passkey.transports.join(','), lastUsedAt: null })
            .onConflictDoNothing({ target: passkeys.credentialId })
            .run().changes;
          if (inserted !== 1) return false;
          insertEvents(events);
          return true;
        }),
      ),

    listPasskeys: (userId) => run(() => db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt), asc(passkeys.id)).all().map(passkeyRecord)),

    findPasskeyByCredentialId: (credentialId) =>
      run(() => {
        const row = db.select().from(passkeys).where(eq(passkeys.credentialId, credentialId)).get();
        return row ? passkeyRecord(row) : null;
      }),

    recordPasskeyUse: (id, newCounter, backedUp, now) =>
      run(() =>
        atomic((): PasskeyUse => {
          // Counters never go below 0, so "both 0" is the only way a 0 passes.
          const updated = db
            .update(passkeys)
            .set({ counter: newCounter, backedUp, lastUsedAt: now })
            .where(and(eq(passkeys.id, id), newCounter === 0 ? eq(passkeys.counter, 0) : lt(passkeys.counter, newCounter)))
            .run().changes;
          if (updated === 1) return 'used';
          const exists = db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.id, id)).get();
          return exists ? 'counter_regressed' : 'not_found';
        }),
      ),

    deletePasskey: (userId, id, events) =>
      run(() =>
        atomic(() => {
          const row = db
            .delete(passkeys)
            .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
            .returning()
            .get();
          if (!row) return null;
          insertEvents(events);
          return passkeyRecord(row);
        }),
      ),

    createApiKey: (key, maxActive, events) =>
      run(() =>
        atomic((): ApiKeyCreation => {
          const user = db.select({ id: users.id }).from(users).where(eq(users.id, key.userId)).get();
          if (!user) return 'no_user';
          const active = db
            .select({ count: sql<number>`count(*)` })
            .from(apiKeys)
            .where(and(eq(apiKeys.userId, key.userId), isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, key.createdAt))))
            .get();
          if ((active?.count ?? 0) >= maxActive) return 'too_many';
          db.insert(apiKeys).values(key).run();
          insertEvents(events);
          return 'created';
        }),
      ),

    findApiKeyWithUser: (id) => run(() => (statements.findApiKeyWithUser.get({ id }) as { key: ApiKeyRecord; user: UserRecord } | undefined) ?? null),

    listApiKeys: (userId) =>
      run(
        (): ApiKeyRecord[] =>
          db
            .select()
            .from(apiKeys)
            .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
            .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
            .all(),
      ),

    revokeApiKey: (userId, id, now, events) =>
      run(() =>
        atomic(() => {
          const revoked =
            db
              .update(apiKeys)
              .set({ revokedAt: now })
              .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
              .run().changes === 1;
          if (revoked) insertEvents(events);
          return revoked;
        }),
      ),

    recordApiKeyUse: (id, ip, now, throttleMs, newIpEvents) =>
      run(() =>
        atomic(() => {
          const row = db
            .select({ lastUsedAt: apiKeys.lastUsedAt, lastUsedIp: apiKeys.lastUsedIp })
            .from(apiKeys)
            .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
            .get();
          if (!row) return false;
          const newIp = ip !== null && row.lastUsedIp !== ip;
          if (newIp || row.lastUsedAt === null || row.lastUsedAt <= now - throttleMs) {
            db.update(apiKeys)
              .set({ lastUsedAt: now, lastUsedIp: ip ?? row.lastUsedIp })
              .where(eq(apiKeys.id, id))
              .run();
          }
          if (newIp) insertEvents(newIpEvents);
          return newIp;
        }),
      ),

    deleteEndedApiKeys: (before) =>
      run(() => db.delete(apiKeys).where(or(lt(apiKeys.revokedAt, before), lt(apiKeys.expiresAt, before))).run().changes),

    // One upsert whose update applies only to an expired row: a live row makes it change nothing,
    // and SQLite runs each statement alone, so of racing uses exactly one changes a row.
    useDpopProof: (id, expiresAt, now) =>
      run(
        () =>
          db
            .insert(dpopProofs)
            .values({ id, expiresAt })
            .onConflictDoUpdate({ target: dpopProofs.id, set: { expiresAt }, setWhere: lte(dpopProofs.expiresAt, now) })
            .run().changes === 1,
      ),

    deleteExpiredDpopProofs: (before) => run(() => db.delete(dpopProofs).where(lte(dpopProofs.expiresAt, before)).run().changes),

    housekeeping: (cutoffs: HousekeepingCutoffs) =>
      run(
        (): HousekeepingResult =>
          atomic(() => {
            const before = cutoffs.sessionsEndedBefore;
            return {
              sessions: db
                .delete(sessions)
                .where(or(lt(sessions.revokedAt, before), lt(sessions.expiresAt, before), lt(sessions.absoluteExpiresAt, before)))
                .run().changes,
              events: db.delete(securityEvents).where(lt(securityEvents.at, cutoffs.eventsBefore)).run().changes,
              rateLimits: db.delete(rateLimits).where(lt(rateLimits.lastAt, cutoffs.rateLimitsBefore)).run().changes,
              oneTimeTokens: db
                .delete(oneTimeTokens)
                .where(or(lt(oneTimeTokens.usedAt, cutoffs.tokensEndedBefore), lt(oneTimeTokens.expiresAt, cutoffs.tokensEndedBefore)))
                .run().changes,
              devices: db.delete(knownDevices).where(lt(knownDevices.lastSeenAt, cutoffs.devicesBefore)).run().changes,
              passkeyChallenges: db.delete(passkeyChallenges).where(lt(passkeyChallenges.expiresAt, cutoffs.passkeyChallengesBefore)).run().changes,
              authorizationCodes: db.delete(authorizationCodes).where(lt(authorizationCodes.expiresAt, cutoffs.authorizationCodesBefore)).run().changes,
            };
          }),
      ),

    close: async () => {
      if (client.open) client.close();
    },
  };
}
