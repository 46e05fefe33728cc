/**
 * The PostgreSQL adapter of the Store interface (db/store.ts), on node-postgres.
 *
 * - One pool per URL per process (pool.ts); migrations run once before the first query (migrate.ts).
 * - Works behind a transaction-mode pooler (PgBouncer, Neon's, Supabase's): unnamed statements
 *   only, no session-level SET or advisory lock; every multi-statement atomic method is one
 *   BEGIN … COMMIT on one pooled client, and several are a single statement (a data-modifying
 *   CTE), which is atomic by itself and costs one round trip.
 * - Every driver call is wrapped: "unreachable, busy, full or closed" leaves as
 *   StoreUnavailableError (errors.ts); anything else (a bug) is rethrown as it is.
 * - READ COMMITTED (the default) throughout; where a decision depends on a row, the row is locked
 *   (FOR UPDATE / FOR SHARE, or an advisory transaction lock for a rate-limit key that may not
 *   exist yet) before it is read, so the read sees the latest committed state.
 */
import { CasingCache } from 'drizzle-orm/casing';
import { and, eq, is, isNull, Param, Placeholder, sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgDialect, type PgColumn } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import {
  NO_PASSWORD,
  StoreUnavailableError,
  type ApiKeyCreation,
  type ApiKeyRecord,
  type AuthorizationCodeRecord,
  type CodeRedemption,
  type Confirmation,
  type Credentials,
  type DeviceSighting,
  type HousekeepingResult,
  type LinkedIdentityRecord,
  type LinkIdentityResult,
  type NewSecurityEvent,
  type NewSession,
  type OneTimeTokenRecord,
  type PasskeyChallenge,
  type PasskeyRecord,
  type PasskeyUse,
  type PasswordResetResult,
  type RateLimitRecord,
  type Rechecked,
  type RecheckFailure,
  type RevocationEvent,
  type SecurityEventRecord,
  type SessionRecord,
  type Store,
  type TwoFactorRecord,
  type UnlinkIdentityResult,
  type UserRecord,
} from '../store';
import { isDroppedConnection, isUnavailable, toStoreError } from './errors';
import { migratePostgres } from './migrate';
import { acquirePool, releasePool } from './pool';
import { apiKeys, authorizationCodes, dpopProofs, knownDevices, linkedIdentities, oneTimeTokens, passkeyChallenges, passkeys, rateLimits, recoveryCodes, securityEvents, sessions, twoFactor, users } from './schema';
import { RollBack, rolledBack } from '../rollback';

// ---------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------

/*
 * Every SQL statement of this store, written once with drizzle (the schema's tables and
 * columns, so a rename cannot leave a stale name here) and compiled once per process to a constant
 * `{ text, values }` pair run with `client.query`: building a drizzle query costs several times
 * running it (~250 µs vs ~40 µs here), and the hot paths (findSession, rotateSession,
 * findUserById) run on every refresh and signed-in request.
 *
 * Statements are unnamed (no `name` in the query config), so nothing is prepared server-side
 * beyond the current statement: safe behind a transaction-mode pooler (PgBouncer, Neon, Supabase).
 * SELECTs alias each column to its camelCase field, so a row is already the record the interface
 * returns (int8 is parsed as a number by the pool, see pool.ts).
 */

type Slot = { name: string } | { value: unknown };

/** A compiled statement whose parameters are named placeholders (`V` names them). */
class Statement<V extends Record<string, unknown>, R = unknown> {
  /** The row type (type-level only). */
  declare readonly row: R;

  private constructor(
    readonly text: string,
    private readonly slots: readonly Slot[],
  ) {}

  static of<V extends Record<string, unknown>, R>(query: { sql: string; params: unknown[] }): Statement<V, R> {
    const slots = query.params.map((param): Slot => {
      if (is(param, Placeholder)) return { name: param.name };
      if (is(param, Param) && is(param.value, Placeholder)) return { name: param.value.name };
      return { value: param };
    });
    return new Statement<V, R>(query.sql, slots);
  }

  /** The query config for `client.query` (unnamed: never a server-side prepared statement). */
  bind(values: V): pg.QueryConfig {
    return { text: this.text, values: this.slots.map((slot) => ('name' in slot ? values[slot.name] : slot.value)) };
  }
}

const dialect = new PgDialect({ casing: 'snake_case' });
// Builds queries without a connection; only `.toSQL()` is ever called on it.
const builder = drizzle.mock({ casing: 'snake_case' });

const p = (name: string) => sql.placeholder(name);

/** `V`: the named parameters; `R`: the row type of what the statement returns. */
function compile<V extends Record<string, unknown>, R = unknown>(query: SQL | { toSQL(): { sql: string; params: unknown[] } }): Statement<V, R> {
  return Statement.of<V, R>('toSQL' in query ? query.toSQL() : dialect.sqlToQuery(query));
}

/** `"table"."column" as "field", …`: rows come back keyed by field name. */
function selectList(columns: Record<string, PgColumn>): SQL {
  return sql.join(
    Object.entries(columns).map(([field, column]) => sql`${column} as ${sql.identifier(field)}`),
    sql`, `,
  );
}

// `satisfies`: each list names every field of its record, and nothing else.
const userColumns = { id: users.id, email: users.email, name: users.name, createdAt: users.createdAt, emailVerifiedAt: users.emailVerifiedAt } satisfies Record<keyof UserRecord, PgColumn>;
const credentialColumns = { ...userColumns, passwordHash: users.passwordHash } satisfies Record<keyof Credentials, PgColumn>;
const sessionColumns = {
  id: sessions.id,
  userId: sessions.userId,
  nonce: sessions.nonce,
  generation: sessions.generation,
  rotatedAt: sessions.rotatedAt,
  createdAt: sessions.createdAt,
  lastUsedAt: sessions.lastUsedAt,
  expiresAt: sessions.expiresAt,
  absoluteExpiresAt: sessions.absoluteExpiresAt,
  revokedAt: sessions.revokedAt,
  revokedReason: sessions.revokedReason,
  userAgent: sessions.userAgent,
  ip: sessions.ip,
  method: sessions.method,
  clientId: sessions.clientId,
  dpopJkt: sessions.dpopJkt,
} satisfies Record<keyof SessionRecord, PgColumn>;
const authorizationCodeColumns = {
  id: authorizationCodes.id,
  clientId: authorizationCodes.clientId,
  redirectUri: authorizationCodes.redirectUri,
  codeChallenge: authorizationCodes.codeChallenge,
  userId: authorizationCodes.userId,
  browserSessionId: authorizationCodes.browserSessionId,
  method: authorizationCodes.method,
  sessionId: authorizationCodes.sessionId,
  createdAt: authorizationCodes.createdAt,
  expiresAt: authorizationCodes.expiresAt,
  usedAt: authorizationCodes.usedAt,
} satisfies Record<keyof AuthorizationCodeRecord, PgColumn>;
const eventColumns = {
  id: securityEvents.id,
  type: securityEvents.type,
  userId: securityEvents.userId,
  sessionId: securityEvents.sessionId,
  ip: securityEvents.ip,
  userAgent: securityEvents.userAgent,
  at: securityEvents.at,
  detail: securityEvents.detail,
} satisfies Record<keyof SecurityEventRecord, PgColumn>;
const tokenColumns = {
  id: oneTimeTokens.id,
  userId: oneTimeTokens.userId,
  kind: oneTimeTokens.kind,
  email: oneTimeTokens.email,
  next: oneTimeTokens.next,
  createdAt: oneTimeTokens.createdAt,
  expiresAt: oneTimeTokens.expiresAt,
  usedAt: oneTimeTokens.usedAt,
} satisfies Record<keyof OneTimeTokenRecord, PgColumn>;
const challengeColumns = {
  id: passkeyChallenges.id,
  challenge: passkeyChallenges.challenge,
  ceremony: passkeyChallenges.ceremony,
  userId: passkeyChallenges.userId,
  createdAt: passkeyChallenges.createdAt,
  expiresAt: passkeyChallenges.expiresAt,
} satisfies Record<keyof PasskeyChallenge, PgColumn>;
const passkeyColumns = {
  id: passkeys.id,
  userId: passkeys.userId,
  credentialId: passkeys.credentialId,
  publicKey: passkeys.publicKey,
  counter: passkeys.counter,
  transports: passkeys.transports,
  deviceType: passkeys.deviceType,
  backedUp: passkeys.backedUp,
  name: passkeys.name,
  createdAt: passkeys.createdAt,
  lastUsedAt: passkeys.lastUsedAt,
} satisfies Record<keyof PasskeyRecord, PgColumn>;
/** A passkey row as selected: transports still comma-separated text. */
type PasskeyRow = Omit<PasskeyRecord, 'transports'> & { transports: string };
const apiKeyColumns = {
  id: apiKeys.id,
  userId: apiKeys.userId,
  name: apiKeys.name,
  secretMac: apiKeys.secretMac,
  createdAt: apiKeys.createdAt,
  expiresAt: apiKeys.expiresAt,
  lastUsedAt: apiKeys.lastUsedAt,
  lastUsedIp: apiKeys.lastUsedIp,
  revokedAt: apiKeys.revokedAt,
} satisfies Record<keyof ApiKeyRecord, PgColumn>;
const identityColumns = {
  provider: linkedIdentities.provider,
  subject: linkedIdentities.subject,
  userId: linkedIdentities.userId,
  email: linkedIdentities.email,
  createdAt: linkedIdentities.createdAt,
} satisfies Record<keyof LinkedIdentityRecord, PgColumn>;
const rateLimitColumns = { key: rateLimits.key, count: rateLimits.count, windowStart: rateLimits.windowStart, lastAt: rateLimits.lastAt, limitedAt: rateLimits.limitedAt } satisfies Record<keyof RateLimitRecord, PgColumn>;

/** The user's columns as `user.<field>`, next to a session's in one row. */
function prefixed(columns: Record<keyof UserRecord, PgColumn>): Record<`user.${keyof UserRecord}`, PgColumn> {
  return { 'user.id': columns.id, 'user.email': columns.email, 'user.name': columns.name, 'user.createdAt': columns.createdAt, 'user.emailVerifiedAt': columns.emailVerifiedAt };
}

type SessionWithUserRow = SessionRecord & { [K in keyof UserRecord as `user.${K}`]: UserRecord[K] };

const casing = new CasingCache('snake_case');
/** A bare column name (`"user_id"`), for INSERT column lists and SET targets. */
const name = (column: PgColumn) => sql.identifier(casing.getColumnCasing(column));

/**
 * Events as parallel arrays (one element per event): one INSERT … SELECT FROM unnest(…) writes any
 * number of them with one constant statement and one round trip.
 */
interface EventArrays extends Record<string, unknown> {
  evType: string[];
  evUserId: (string | null)[];
  evSessionId: (string | null)[];
  evIp: (string | null)[];
  evUserAgent: (string | null)[];
  evAt: number[];
  evDetail: (string | null)[];
}

const eventInsertColumns = sql.join(
  [securityEvents.type, securityEvents.userId, securityEvents.sessionId, securityEvents.ip, securityEvents.userAgent, securityEvents.at, securityEvents.detail].map(name),
  sql`, `,
);

const eventsFromArrays = sql`select * from unnest(${p('evType')}::text[], ${p('evUserId')}::text[], ${p('evSessionId')}::text[], ${p('evIp')}::text[], ${p('evUserAgent')}::text[], ${p('evAt')}::bigint[], ${p('evDetail')}::text[])`;

/** The session row values, in `sessionInsertColumns` order. */
interface SessionValues extends Record<string, unknown> {
  sId: string;
  sUserId: string;
  sNonce: string;
  sGeneration: number;
  sRotatedAt: number;
  sCreatedAt: number;
  sLastUsedAt: number;
  sExpiresAt: number;
  sAbsoluteExpiresAt: number;
  sUserAgent: string | null;
  sIp: string | null;
  sMethod: string;
  sClientId: string | null;
  sDpopJkt: string | null;
}

const insertSessionSql = sql`insert into ${sessions} (${sql.join(
  [
    sessions.id,
    sessions.userId,
    sessions.nonce,
    sessions.generation,
    sessions.rotatedAt,
    sessions.createdAt,
    sessions.lastUsedAt,
    sessions.expiresAt,
    sessions.absoluteExpiresAt,
    sessions.userAgent,
    sessions.ip,
    sessions.method,
    sessions.clientId,
    sessions.dpopJkt,
  ].map(name),
  sql`, `,
)}) values (${p('sId')}, ${p('sUserId')}, ${p('sNonce')}, ${p('sGeneration')}::integer, ${p('sRotatedAt')}::bigint, ${p('sCreatedAt')}::bigint, ${p('sLastUsedAt')}::bigint, ${p('sExpiresAt')}::bigint, ${p('sAbsoluteExpiresAt')}::bigint, ${p('sUserAgent')}, ${p('sIp')}, ${p('sMethod')}, ${p('sClientId')}, ${p('sDpopJkt')})`;

function build() {
  return {
    // ---- hot paths: one round trip each ----
    findSession: compile<{ id: string }, SessionRecord>(sql`select ${selectList(sessionColumns)} from ${sessions} where ${sessions.id} = ${p('id')}`),
    /** Compare-and-set: only the request holding the current generation of a live row moves it on. */
    rotateSession: compile<{ id: string; generation: number; now: number; expiresAt: number; ip: string | null }>(
      builder
        .update(sessions)
        .set({
          generation: sql`${sessions.generation} + 1`,
          rotatedAt: sql`${p('now')}::bigint`,
          lastUsedAt: sql`${p('now')}::bigint`,
          expiresAt: sql`${p('expiresAt')}::bigint`,
          // The address the session was last used from; an unknown one keeps the last known.
          ip: sql`coalesce(${p('ip')}::text, ${sessions.ip})`,
        })
        .where(and(eq(sessions.id, p('id')), eq(sessions.generation, p('generation')), isNull(sessions.revokedAt))),
    ),
    findUserById: compile<{ id: string }, UserRecord>(sql`select ${selectList(userColumns)} from ${users} where ${users.id} = ${p('id')}`),
    // The session and its user in one round trip (every signed-in API call and page).
    findSessionWithUser: compile<{ id: string }, SessionWithUserRow>(
      sql`select ${selectList(sessionColumns)}, ${selectList(prefixed(userColumns))} from ${sessions} join ${users} on ${users.id} = ${sessions.userId} where ${sessions.id} = ${p('id')}`,
    ),

    // ---- users ----
    credentialsByEmail: compile<{ email: string }, Credentials>(sql`select ${selectList(credentialColumns)} from ${users} where ${users.email} = ${p('email')}`),
    credentialsById: compile<{ id: string }, Credentials>(sql`select ${selectList(credentialColumns)} from ${users} where ${users.id} = ${p('id')}`),
    insertUser: compile<{ id: string; email: string; name: string | null; passwordHash: string; now: number }, UserRecord>(
      sql`insert into ${users} (${sql.join([users.id, users.email, users.name, users.passwordHash, users.createdAt, users.updatedAt].map(name), sql`, `)})
          values (${p('id')}, ${p('email')}, ${p('name')}, ${p('passwordHash')}, ${p('now')}::bigint, ${p('now')}::bigint)
          on conflict (${name(users.email)}) do nothing
          returning ${sql.join(Object.entries(userColumns).map(([field, column]) => sql`${name(column)} as ${sql.identifier(field)}`), sql`, `)}`,
    ),
    rehashPassword: compile<{ id: string; oldHash: string; newHash: string; now: number }>(
      builder
        .update(users)
        .set({ passwordHash: sql`${p('newHash')}`, updatedAt: sql`${p('now')}::bigint` })
        .where(and(eq(users.id, p('id')), eq(users.passwordHash, p('oldHash')))),
    ),
    setPasswordHash: compile<{ id: string; hash: string; now: number }>(
      builder
        .update(users)
        .set({ passwordHash: sql`${p('hash')}`, updatedAt: sql`${p('now')}::bigint` })
        .where(eq(users.id, p('id'))),
    ),
    /** Locks the user row until the transaction ends: concurrent changes and deletions queue here. */
    lockUser: compile<{ id: string }, { passwordHash: string }>(sql`select ${users.passwordHash} as "passwordHash" from ${users} where ${users.id} = ${p('id')} for update`),
    /**
     * The caller's session if live at `now`, locked against revocation until the transaction ends
     * (a revoke racing the write waits, then applies after it).
     */
    liveSessionForShare: compile<{ id: string; userId: string; now: number }, { id: string }>(
      sql`select ${sessions.id} as "id" from ${sessions}
          where ${sessions.id} = ${p('id')} and ${sessions.userId} = ${p('userId')} and ${sessions.revokedAt} is null
            and ${p('now')}::bigint < ${sessions.expiresAt} and ${p('now')}::bigint < ${sessions.absoluteExpiresAt}
          for share`,
    ),
    anonymizeEvents: compile<{ userId: string }>(
      builder
        .update(securityEvents)
        .set({ userId: null, sessionId: null, ip: null, userAgent: null })
        .where(eq(securityEvents.userId, p('userId'))),
    ),
    deleteUserSessions: compile<{ userId: string }>(builder.delete(sessions).where(eq(sessions.userId, p('userId')))),
    deleteRateLimits: compile<{ keys: string[] }>(sql`delete from ${rateLimits} where ${rateLimits.key} = any(${p('keys')}::text[])`),
    deleteUser: compile<{ id: string }>(builder.delete(users).where(eq(users.id, p('id')))),

    // ---- one-time links ----
    deleteUserTokens: compile<{ userId: string }>(builder.delete(oneTimeTokens).where(eq(oneTimeTokens.userId, p('userId')))),
    deleteUserTokensOfKind: compile<{ userId: string; kind: string }>(builder.delete(oneTimeTokens).where(and(eq(oneTimeTokens.userId, p('userId')), eq(oneTimeTokens.kind, p('kind'))))),
    insertToken: compile<{ id: string; userId: string; kind: string; email: string; next: string | null; createdAt: number; expiresAt: number }>(
      sql`insert into ${oneTimeTokens} (${sql.join([oneTimeTokens.id, oneTimeTokens.userId, oneTimeTokens.kind, oneTimeTokens.email, oneTimeTokens.next, oneTimeTokens.createdAt, oneTimeTokens.expiresAt].map(name), sql`, `)})
          values (${p('id')}, ${p('userId')}, ${p('kind')}, ${p('email')}, ${p('next')}, ${p('createdAt')}::bigint, ${p('expiresAt')}::bigint)`,
    ),
    findLiveToken: compile<{ id: string; kind: string; now: number }, OneTimeTokenRecord>(
      sql`select ${selectList(tokenColumns)} from ${oneTimeTokens}
          where ${oneTimeTokens.id} = ${p('id')} and ${oneTimeTokens.kind} = ${p('kind')} and ${oneTimeTokens.usedAt} is null and ${oneTimeTokens.expiresAt} > ${p('now')}::bigint`,
    ),
    /** Compare-and-set: a concurrent use waits on the row lock, then finds used_at set and matches nothing. */
    useToken: compile<{ id: string; kind: string; now: number }, OneTimeTokenRecord>(
      sql`update ${oneTimeTokens} set ${name(oneTimeTokens.usedAt)} = ${p('now')}::bigint
          where ${oneTimeTokens.id} = ${p('id')} and ${oneTimeTokens.kind} = ${p('kind')} and ${oneTimeTokens.usedAt} is null and ${oneTimeTokens.expiresAt} > ${p('now')}::bigint
          returning ${selectList(tokenColumns)}`,
    ),
    resetPasswordHash: compile<{ id: string; email: string; hash: string; now: number }>(
      sql`update ${users} set ${name(users.passwordHash)} = ${p('hash')}, ${name(users.updatedAt)} = ${p('now')}::bigint,
            ${name(users.emailVerifiedAt)} = coalesce(${users.emailVerifiedAt}, ${p('now')}::bigint)
          where ${users.id} = ${p('id')} and ${users.email} = ${p('email')}`,
    ),
    markEmailVerified: compile<{ id: string; email: string; now: number }, UserRecord>(
      sql`update ${users} set ${name(users.emailVerifiedAt)} = coalesce(${users.emailVerifiedAt}, ${p('now')}::bigint)
          where ${users.id} = ${p('id')} and ${users.email} = ${p('email')}
          returning ${selectList(userColumns)}`,
    ),
    // ---- two-factor ----
    findTwoFactor: compile<{ userId: string }, TwoFactorRecord>(
      sql`select ${twoFactor.userId} as "userId", ${twoFactor.secret} as "secret", ${twoFactor.createdAt} as "createdAt",
            ${twoFactor.enabledAt} as "enabledAt", ${twoFactor.lastUsedStep} as "lastUsedStep",
            (select count(*) from ${recoveryCodes} where ${recoveryCodes.userId} = ${twoFactor.userId} and ${recoveryCodes.usedAt} is null)::integer as "recoveryCodesLeft"
          from ${twoFactor} where ${twoFactor.userId} = ${p('userId')}`,
    ),
    /** Inserts a pending authenticator, or replaces a pending one; an enabled one matches nothing. */
    beginTwoFactorSetup: compile<{ userId: string; secret: string; now: number }>(
      sql`insert into ${twoFactor} (${sql.join([twoFactor.userId, twoFactor.secret, twoFactor.createdAt].map(name), sql`, `)})
          select ${p('userId')}::text, ${p('secret')}::text, ${p('now')}::bigint
          where exists (select 1 from ${users} where ${users.id} = ${p('userId')}::text)
          on conflict (${name(twoFactor.userId)}) do update set
            ${name(twoFactor.secret)} = excluded.${name(twoFactor.secret)},
            ${name(twoFactor.createdAt)} = excluded.${name(twoFactor.createdAt)},
            ${name(twoFactor.lastUsedStep)} = null
          where ${twoFactor.enabledAt} is null`,
    ),
    enableTwoFactor: compile<{ userId: string; secret: string; step: number; now: number }>(
      sql`update ${twoFactor} set ${name(twoFactor.enabledAt)} = ${p('now')}::bigint, ${name(twoFactor.lastUsedStep)} = ${p('step')}::bigint
          where ${twoFactor.userId} = ${p('userId')} and ${twoFactor.secret} = ${p('secret')} and ${twoFactor.enabledAt} is null`,
    ),
    deleteRecoveryCodes: compile<{ userId: string }>(builder.delete(recoveryCodes).where(eq(recoveryCodes.userId, p('userId')))),
    insertRecoveryCodes: compile<{ userId: string; hashes: string[]; now: number }>(
      sql`insert into ${recoveryCodes} (${sql.join([recoveryCodes.userId, recoveryCodes.codeHash, recoveryCodes.createdAt].map(name), sql`, `)})
          select ${p('userId')}::text, h, ${p('now')}::bigint from unnest(${p('hashes')}::text[]) as h`,
    ),
    /** Compare-and-set on the last accepted step: a concurrent use of the same step waits on the row lock, then matches nothing. */
    acceptTotpStep: compile<{ userId: string; secret: string; step: number }>(
      sql`update ${twoFactor} set ${name(twoFactor.lastUsedStep)} = ${p('step')}::bigint
          where ${twoFactor.userId} = ${p('userId')} and ${twoFactor.secret} = ${p('secret')} and ${twoFactor.enabledAt} is not null
            and (${twoFactor.lastUsedStep} is null or ${twoFactor.lastUsedStep} < ${p('step')}::bigint)`,
    ),
    /** Uses one recovery code and writes the events only then, in one statement. */
    consumeRecoveryCode: compile<{ userId: string; codeHash: string; now: number } & EventArrays, { used: number }>(
      sql`with ${sql.identifier('u')} as (
            update ${recoveryCodes} set ${name(recoveryCodes.usedAt)} = ${p('now')}::bigint
            where ${recoveryCodes.userId} = ${p('userId')} and ${recoveryCodes.codeHash} = ${p('codeHash')} and ${recoveryCodes.usedAt} is null
              and exists (select 1 from ${twoFactor} where ${twoFactor.userId} = ${p('userId')}::text and ${twoFactor.enabledAt} is not null)
            returning 1
          ), ${sql.identifier('e')} as (
            insert into ${securityEvents} (${eventInsertColumns}) ${eventsFromArrays} where exists (select 1 from ${sql.identifier('u')})
          )
          select count(*)::integer as "used" from ${sql.identifier('u')}`,
    ),
    disableTwoFactor: compile<{ userId: string }>(sql`delete from ${twoFactor} where ${twoFactor.userId} = ${p('userId')} and ${twoFactor.enabledAt} is not null`),

    // ---- linked identities ----
    userByIdentity: compile<{ provider: string; subject: string }, UserRecord>(
      sql`select ${selectList(userColumns)} from ${linkedIdentities} join ${users} on ${users.id} = ${linkedIdentities.userId}
          where ${linkedIdentities.provider} = ${p('provider')} and ${linkedIdentities.subject} = ${p('subject')}`,
    ),
    listIdentities: compile<{ userId: string }, LinkedIdentityRecord>(
      sql`select ${selectList(identityColumns)} from ${linkedIdentities} where ${linkedIdentities.userId} = ${p('userId')}
          order by ${linkedIdentities.createdAt} asc, ${linkedIdentities.provider} asc`,
    ),
    /** Locks the user row (FOR UPDATE) with what linking rules read: its email, whether verified, whether it has a password. */
    lockUserForIdentity: compile<{ id: string }, { email: string; verified: boolean; hasPassword: boolean; hasPasskey: boolean }>(
      sql`select ${users.email} as "email", ${users.emailVerifiedAt} is not null as "verified", ${users.passwordHash} <> ${NO_PASSWORD} as "hasPassword",
            exists (select 1 from ${passkeys} where ${passkeys.userId} = ${users.id}) as "hasPasskey"
          from ${users} where ${users.id} = ${p('id')} for update`,
    ),
    identityOwner: compile<{ provider: string; subject: string }, { userId: string }>(
      sql`select ${linkedIdentities.userId} as "userId" from ${linkedIdentities} where ${linkedIdentities.provider} = ${p('provider')} and ${linkedIdentities.subject} = ${p('subject')}`,
    ),
    userProviders: compile<{ userId: string }, { provider: string }>(
      sql`select ${linkedIdentities.provider} as "provider" from ${linkedIdentities} where ${linkedIdentities.userId} = ${p('userId')}`,
    ),
    /** Inserts a link unless the subject or the account's provider slot is taken (either unique key): 0 or 1 row. */
    insertIdentity: compile<{ provider: string; subject: string; userId: string; email: string | null; createdAt: number }>(
      sql`insert into ${linkedIdentities} (${sql.join([linkedIdentities.provider, linkedIdentities.subject, linkedIdentities.userId, linkedIdentities.email, linkedIdentities.createdAt].map(name), sql`, `)})
          values (${p('provider')}, ${p('subject')}, ${p('userId')}, ${p('email')}, ${p('createdAt')}::bigint)
          on conflict do nothing`,
    ),
    insertProviderUser: compile<{ id: string; email: string; name: string | null; emailVerifiedAt: number | null; now: number }, UserRecord>(
      sql`insert into ${users} (${sql.join([users.id, users.email, users.name, users.passwordHash, users.emailVerifiedAt, users.createdAt, users.updatedAt].map(name), sql`, `)})
          values (${p('id')}, ${p('email')}, ${p('name')}, ${NO_PASSWORD}, ${p('emailVerifiedAt')}::bigint, ${p('now')}::bigint, ${p('now')}::bigint)
          on conflict (${name(users.email)}) do nothing
          returning ${sql.join(Object.entries(userColumns).map(([field, column]) => sql`${name(column)} as ${sql.identifier(field)}`), sql`, `)}`,
    ),
    deleteIdentity: compile<{ userId: string; provider: string }>(
      sql`delete from ${linkedIdentities} where ${linkedIdentities.userId} = ${p('userId')} and ${linkedIdentities.provider} = ${p('provider')}`,
    ),

    /** Records the device and says, from the rows before this statement, whether the account knew it. */
    rememberDevice: compile<{ userId: string; device: string; now: number }, { seen: number; known: boolean }>(
      sql`with ${sql.identifier('b')} as (
            select ${knownDevices.device} as "device" from ${knownDevices} where ${knownDevices.userId} = ${p('userId')}
          ), ${sql.identifier('u')} as (
            insert into ${knownDevices} (${sql.join([knownDevices.userId, knownDevices.device, knownDevices.firstSeenAt, knownDevices.lastSeenAt].map(name), sql`, `)})
            values (${p('userId')}, ${p('device')}, ${p('now')}::bigint, ${p('now')}::bigint)
            on conflict (${name(knownDevices.userId)}, ${name(knownDevices.device)}) do update set ${name(knownDevices.lastSeenAt)} = excluded.${name(knownDevices.lastSeenAt)}
            returning 1
          )
          select (select count(*) from ${sql.identifier('b')})::integer as "seen",
                 exists (select 1 from ${sql.identifier('b')} where ${sql.identifier('b')}."device" = ${p('device')}::text) as "known"`,
    ),

    // ---- sessions ----
    insertSession: compile<SessionValues>(insertSessionSql),
    /** The session and its events in one statement (a statement is atomic by itself). */
    insertSessionWithEvents: compile<SessionValues & EventArrays>(
      sql`with ${sql.identifier('s')} as (${insertSessionSql}) insert into ${securityEvents} (${eventInsertColumns}) ${eventsFromArrays}`,
    ),
    /** Revokes one session if it is not yet, and writes the events only then, in one statement. */
    revokeSession: compile<{ id: string; reason: string; now: number } & EventArrays, { revoked: number }>(
      sql`with ${sql.identifier('r')} as (
            update ${sessions} set ${name(sessions.revokedAt)} = ${p('now')}::bigint, ${name(sessions.revokedReason)} = ${p('reason')}::text
            where ${sessions.id} = ${p('id')} and ${sessions.revokedAt} is null
            returning ${sessions.id}
          ), ${sql.identifier('e')} as (
            insert into ${securityEvents} (${eventInsertColumns}) ${eventsFromArrays} where exists (select 1 from ${sql.identifier('r')})
          )
          select count(*)::integer as "revoked" from ${sql.identifier('r')}`,
    ),
    /**
     * Revokes every unrevoked session of a user but `keep`, and writes one event per revoked session,
     * in one statement (UPDATE … RETURNING id feeding the INSERT): atomic with no transaction, and
     * inside the one of changePassword when called there.
     */
    revokeUserSessions: compile<{
      userId: string;
      reason: string;
      now: number;
      keep: string | null;
      evType: string;
      evUserId: string | null;
      evIp: string | null;
      evUserAgent: string | null;
      evAt: number;
      evDetail: string | null;
    }, { id: string }>(
      sql`with ${sql.identifier('r')} as (
            update ${sessions} set ${name(sessions.revokedAt)} = ${p('now')}::bigint, ${name(sessions.revokedReason)} = ${p('reason')}::text
            where ${sessions.userId} = ${p('userId')} and ${sessions.revokedAt} is null
              and (${p('keep')}::text is null or ${sessions.id} <> ${p('keep')}::text)
            returning ${sessions.id}
          ), ${sql.identifier('e')} as (
            insert into ${securityEvents} (${eventInsertColumns})
            select ${p('evType')}::text, ${p('evUserId')}::text, ${sql.identifier('r')}.${name(sessions.id)}, ${p('evIp')}::text, ${p('evUserAgent')}::text, ${p('evAt')}::bigint, ${p('evDetail')}::text
            from ${sql.identifier('r')}
          )
          select ${sql.identifier('r')}.${name(sessions.id)} as "id" from ${sql.identifier('r')}`,
    ),
    listLiveSessions: compile<{ userId: string; now: number }, SessionRecord>(
      sql`select ${selectList(sessionColumns)} from ${sessions}
          where ${sessions.userId} = ${p('userId')} and ${sessions.revokedAt} is null
            and ${sessions.expiresAt} > ${p('now')}::bigint and ${sessions.absoluteExpiresAt} > ${p('now')}::bigint
          order by ${sessions.createdAt} desc, ${sessions.id} desc`,
    ),

    // ---- security events ----
    insertEvents: compile<EventArrays>(sql`insert into ${securityEvents} (${eventInsertColumns}) ${eventsFromArrays}`),
    listEvents: compile<{ userId: string; types: string[]; limit: number }, SecurityEventRecord>(
      sql`select ${selectList(eventColumns)} from ${securityEvents}
          where ${securityEvents.userId} = ${p('userId')} and ${securityEvents.type} = any(${p('types')}::text[])
          order by ${securityEvents.at} desc, ${securityEvents.id} desc
          limit ${p('limit')}::integer`,
    ),

    // ---- passkeys ----
    insertPasskeyChallenge: compile<{ id: string; challenge: string; ceremony: string; userId: string | null; createdAt: number; expiresAt: number }>(
      sql`insert into ${passkeyChallenges} (${sql.join([passkeyChallenges.id, passkeyChallenges.challenge, passkeyChallenges.ceremony, passkeyChallenges.userId, passkeyChallenges.createdAt, passkeyChallenges.expiresAt].map(name), sql`, `)})
          values (${p('id')}, ${p('challenge')}, ${p('ceremony')}, ${p('userId')}, ${p('createdAt')}::bigint, ${p('expiresAt')}::bigint)`,
    ),
    /** One DELETE … RETURNING: a racing consumer waits on the row lock, then finds it gone. */
    consumePasskeyChallenge: compile<{ id: string; ceremony: string }, PasskeyChallenge>(
      sql`delete from ${passkeyChallenges} where ${passkeyChallenges.id} = ${p('id')} and ${passkeyChallenges.ceremony} = ${p('ceremony')}
          returning ${sql.join(Object.entries(challengeColumns).map(([field, column]) => sql`${name(column)} as ${sql.identifier(field)}`), sql`, `)}`,
    ),
    insertPasskey: compile<{
      id: string;
      userId: string;
      credentialId: string;
      publicKey: string;
      counter: number;
      transports: string;
      deviceType: string;
      backedUp: boolean;
      name: string;
      createdAt: number;
    }, { id: string }>(
      sql`insert into ${passkeys} (${sql.join(
        [passkeys.id, passkeys.userId, passkeys.credentialId, passkeys.publicKey, passkeys.counter, passkeys.transports, passkeys.deviceType, passkeys.backedUp, passkeys.name, passkeys.createdAt].map(name),
        sql`, `,
      )})
          values (${p('id')}, ${p('userId')}, ${p('credentialId')}, ${p('publicKey')}, ${p('counter')}::bigint, ${p('transports')}, ${p('deviceType')}, ${p('backedUp')}::boolean, ${p('name')}, ${p('createdAt')}::bigint)
          on conflict (${name(passkeys.credentialId)}) do nothing
          returning ${name(passkeys.id)} as "id"`,
    ),
    listPasskeys: compile<{ userId: string }, PasskeyRow>(
      sql`select ${selectList(passkeyColumns)} from ${passkeys} where ${passkeys.userId} = ${p('userId')} order by ${passkeys.createdAt} asc, ${passkeys.id} asc`,
    ),
    findPasskeyByCredentialId: compile<{ credentialId: string }, PasskeyRow>(sql`select ${selectList(passkeyColumns)} from ${passkeys} where ${passkeys.credentialId} = ${p('credentialId')}`),
    /**
     * Compare-and-set on the counter, and whether the row exists, in one statement. A concurrent
     * use waits on the row lock and re-checks the condition against the winner's counter.
     */
    recordPasskeyUse: compile<{ id: string; counter: number; backedUp: boolean; now: number }, { used: boolean; found: boolean }>(
      sql`with ${sql.identifier('u')} as (
            update ${passkeys} set ${name(passkeys.counter)} = ${p('counter')}::bigint, ${name(passkeys.backedUp)} = ${p('backedUp')}::boolean, ${name(passkeys.lastUsedAt)} = ${p('now')}::bigint
            where ${passkeys.id} = ${p('id')}
              and (case when ${p('counter')}::bigint = 0 then ${passkeys.counter} = 0 else ${passkeys.counter} < ${p('counter')}::bigint end)
            returning 1
          )
          select exists (select 1 from ${sql.identifier('u')}) as "used",
                 exists (select 1 from ${passkeys} where ${passkeys.id} = ${p('id')}) as "found"`,
    ),
    /** Deletes the user's passkey and writes the events only then, in one statement. */
    deletePasskey: compile<{ id: string; userId: string } & EventArrays, PasskeyRow>(
      sql`with ${sql.identifier('d')} as (
            delete from ${passkeys} where ${passkeys.id} = ${p('id')} and ${passkeys.userId} = ${p('userId')}
            returning ${sql.join(Object.entries(passkeyColumns).map(([field, column]) => sql`${name(column)} as ${sql.identifier(field)}`), sql`, `)}
          ), ${sql.identifier('e')} as (
            insert into ${securityEvents} (${eventInsertColumns}) ${eventsFromArrays} where exists (select 1 from ${sql.identifier('d')})
          )
          select * from ${sql.identifier('d')}`,
    ),

    // ---- rate limits ----
    /**
     * Serialises every consume of one key, across processes, until the transaction ends. A
     * transaction-scoped lock (released by COMMIT/ROLLBACK, so safe behind a transaction-mode
     * pooler); the 64-bit hash of the key makes collisions (which would only make two keys wait
     * for each other) negligible.
     */
    lockRateLimitKey: compile<{ key: string }>(sql`select pg_advisory_xact_lock(hashtextextended(${p('key')}::text, 0))`),
    findRateLimit: compile<{ key: string }, RateLimitRecord>(sql`select ${selectList(rateLimitColumns)} from ${rateLimits} where ${rateLimits.key} = ${p('key')}`),
    saveRateLimit: compile<{ key: string; count: number; windowStart: number; lastAt: number; limitedAt: number | null }>(
      sql`insert into ${rateLimits} (${sql.join([rateLimits.key, rateLimits.count, rateLimits.windowStart, rateLimits.lastAt, rateLimits.limitedAt].map(name), sql`, `)})
          values (${p('key')}, ${p('count')}::integer, ${p('windowStart')}::bigint, ${p('lastAt')}::bigint, ${p('limitedAt')}::bigint)
          on conflict (${name(rateLimits.key)}) do update set
            ${name(rateLimits.count)} = excluded.${name(rateLimits.count)},
            ${name(rateLimits.windowStart)} = excluded.${name(rateLimits.windowStart)},
            ${name(rateLimits.lastAt)} = excluded.${name(rateLimits.lastAt)},
            ${name(rateLimits.limitedAt)} = excluded.${name(rateLimits.limitedAt)}`,
    ),
    deleteRateLimit: compile<{ key: string }>(builder.delete(rateLimits).where(eq(rateLimits.key, p('key')))),

    // ---- API keys ----
    findApiKeyWithUser: compile<{ id: string }, ApiKeyRecord & { [K in keyof UserRecord as `user.${K}`]: UserRecord[K] }>(
      sql`select ${selectList(apiKeyColumns)}, ${selectList(prefixed(userColumns))} from ${apiKeys} join ${users} on ${users.id} = ${apiKeys.userId} where ${apiKeys.id} = ${p('id')}`,
    ),
    countActiveApiKeys: compile<{ userId: string; now: number }, { count: number }>(
      sql`select count(*)::integer as "count" from ${apiKeys}
          where ${apiKeys.userId} = ${p('userId')} and ${apiKeys.revokedAt} is null and (${apiKeys.expiresAt} is null or ${apiKeys.expiresAt} > ${p('now')}::bigint)`,
    ),
    insertApiKey: compile<{ id: string; userId: string; name: string; secretMac: string; createdAt: number; expiresAt: number | null }>(
      sql`insert into ${apiKeys} (${sql.join([apiKeys.id, apiKeys.userId, apiKeys.name, apiKeys.secretMac, apiKeys.createdAt, apiKeys.expiresAt].map(name), sql`, `)})
          values (${p('id')}, ${p('userId')}, ${p('name')}, ${p('secretMac')}, ${p('createdAt')}::bigint, ${p('expiresAt')}::bigint)`,
    ),
    listApiKeys: compile<{ userId: string }, ApiKeyRecord>(
      sql`select ${selectList(apiKeyColumns)} from ${apiKeys} where ${apiKeys.userId} = ${p('userId')} and ${apiKeys.revokedAt} is null
          order by ${apiKeys.createdAt} desc, ${apiKeys.id} desc`,
    ),
    /** Revokes one key of the user if it is not yet, and writes the events only then, in one statement. */
    revokeApiKey: compile<{ id: string; userId: string; now: number } & EventArrays, { revoked: number }>(
      sql`with ${sql.identifier('r')} as (
            update ${apiKeys} set ${name(apiKeys.revokedAt)} = ${p('now')}::bigint
            where ${apiKeys.id} = ${p('id')} and ${apiKeys.userId} = ${p('userId')} and ${apiKeys.revokedAt} is null
            returning ${apiKeys.id}
          ), ${sql.identifier('e')} as (
            insert into ${securityEvents} (${eventInsertColumns}) ${eventsFromArrays} where exists (select 1 from ${sql.identifier('r')})
          )
          select count(*)::integer as "revoked" from ${sql.identifier('r')}`,
    ),
    /**
     * One statement: reads the key's last use, writes the new one when it is due (throttle passed,
     * or a new address), and the events when the address is new. Two first uses racing from one
     * new address may both write the event: a duplicate notice, never a lost one.
     */
    recordApiKeyUse: compile<{ id: string; ip: string | null; now: number; throttleMs: number } & EventArrays, { newIp: boolean }>(
      sql`with ${sql.identifier('o')} as (
            select ${apiKeys.lastUsedAt} as "at", ${apiKeys.lastUsedIp} as "ip" from ${apiKeys} where ${apiKeys.id} = ${p('id')} and ${apiKeys.revokedAt} is null
          ), ${sql.identifier('n')} as (
            select exists (select 1 from ${sql.identifier('o')} where ${p('ip')}::text is not null and ${sql.identifier('o')}."ip" is distinct from ${p('ip')}::text) as "newIp",
                   exists (select 1 from ${sql.identifier('o')} where ${sql.identifier('o')}."at" is null or ${sql.identifier('o')}."at" <= ${p('now')}::bigint - ${p('throttleMs')}::bigint
                             or (${p('ip')}::text is not null and ${sql.identifier('o')}."ip" is distinct from ${p('ip')}::text)) as "touch"
          ), ${sql.identifier('u')} as (
            update ${apiKeys} set ${name(apiKeys.lastUsedAt)} = ${p('now')}::bigint, ${name(apiKeys.lastUsedIp)} = coalesce(${p('ip')}::text, ${apiKeys.lastUsedIp})
            where ${apiKeys.id} = ${p('id')} and (select "touch" from ${sql.identifier('n')})
            returning 1
          ), ${sql.identifier('e')} as (
            insert into ${securityEvents} (${eventInsertColumns}) ${eventsFromArrays} where (select "newIp" from ${sql.identifier('n')})
          )
          select "newIp" from ${sql.identifier('n')}`,
    ),
    /**
     * Insert-if-absent in one statement: a conflicting row is taken over only when expired. Racing
     * inserts of one id wait on the index entry; each later one then sees the committed live row
     * and its update's WHERE matches nothing, so exactly one returns a row.
     */
    useDpopProof: compile<{ id: string; expiresAt: number; now: number }, { id: string }>(
      sql`insert into ${dpopProofs} (${sql.join([dpopProofs.id, dpopProofs.expiresAt].map(name), sql`, `)})
          values (${p('id')}, ${p('expiresAt')}::bigint)
          on conflict (${name(dpopProofs.id)}) do update set ${name(dpopProofs.expiresAt)} = excluded.${name(dpopProofs.expiresAt)}
          where ${dpopProofs.expiresAt} <= ${p('now')}::bigint
          returning ${dpopProofs.id} as "id"`,
    ),
    deleteExpiredDpopProofs: compile<{ before: number }>(sql`delete from ${dpopProofs} where ${dpopProofs.expiresAt} <= ${p('before')}::bigint`),
    deleteEndedApiKeys: compile<{ before: number }>(
      sql`delete from ${apiKeys} where ${apiKeys.revokedAt} < ${p('before')}::bigint or ${apiKeys.expiresAt} < ${p('before')}::bigint`,
    ),

    // ---- authorization codes ----
    insertAuthorizationCode: compile<Omit<AuthorizationCodeRecord, 'usedAt'>>(
      sql`insert into ${authorizationCodes} (${sql.join(
        [
          authorizationCodes.id,
          authorizationCodes.clientId,
          authorizationCodes.redirectUri,
          authorizationCodes.codeChallenge,
          authorizationCodes.userId,
          authorizationCodes.browserSessionId,
          authorizationCodes.method,
          authorizationCodes.sessionId,
          authorizationCodes.createdAt,
          authorizationCodes.expiresAt,
        ].map(name),
        sql`, `,
      )}) values (${p('id')}, ${p('clientId')}, ${p('redirectUri')}, ${p('codeChallenge')}, ${p('userId')}, ${p('browserSessionId')}, ${p('method')}, ${p('sessionId')}, ${p('createdAt')}::bigint, ${p('expiresAt')}::bigint)`,
    ),
    /** The code's row, locked: racing redeems of one code queue here and see each other's writes. */
    lockAuthorizationCode: compile<{ id: string }, AuthorizationCodeRecord>(
      sql`select ${selectList(authorizationCodeColumns)} from ${authorizationCodes} where ${authorizationCodes.id} = ${p('id')} for update`,
    ),
    useAuthorizationCode: compile<{ id: string; now: number }>(
      sql`update ${authorizationCodes} set ${name(authorizationCodes.usedAt)} = ${p('now')}::bigint where ${authorizationCodes.id} = ${p('id')}`,
    ),

    // ---- housekeeping: three deletes, one statement, one round trip ----
    housekeeping: compile<{ sessionsEndedBefore: number; eventsBefore: number; rateLimitsBefore: number; tokensEndedBefore: number; devicesBefore: number; passkeyChallengesBefore: number; authorizationCodesBefore: number }, HousekeepingResult>(
      sql`with ${sql.identifier('s')} as (
            delete from ${sessions}
            where ${sessions.revokedAt} < ${p('sessionsEndedBefore')}::bigint
               or ${sessions.expiresAt} < ${p('sessionsEndedBefore')}::bigint
               or ${sessions.absoluteExpiresAt} < ${p('sessionsEndedBefore')}::bigint
            returning 1
          ), ${sql.identifier('e')} as (
            delete from ${securityEvents} where ${securityEvents.at} < ${p('eventsBefore')}::bigint returning 1
          ), ${sql.identifier('l')} as (
            delete from ${rateLimits} where ${rateLimits.lastAt} < ${p('rateLimitsBefore')}::bigint returning 1
          ), ${sql.identifier('t')} as (
            delete from ${oneTimeTokens}
            where ${oneTimeTokens.usedAt} < ${p('tokensEndedBefore')}::bigint or ${oneTimeTokens.expiresAt} < ${p('tokensEndedBefore')}::bigint
            returning 1
          ), ${sql.identifier('d')} as (
            delete from ${knownDevices} where ${knownDevices.lastSeenAt} < ${p('devicesBefore')}::bigint returning 1
          ), ${sql.identifier('c')} as (
            delete from ${passkeyChallenges} where ${passkeyChallenges.expiresAt} < ${p('passkeyChallengesBefore')}::bigint returning 1
          ), ${sql.identifier('a')} as (
            delete from ${authorizationCodes} where ${authorizationCodes.expiresAt} < ${p('authorizationCodesBefore')}::bigint returning 1
          )
          select (select count(*) from ${sql.identifier('s')})::integer as "sessions",
                 (select count(*) from ${sql.identifier('e')})::integer as "events",
                 (select count(*) from ${sql.identifier('l')})::integer as "rateLimits",
                 (select count(*) from ${sql.identifier('t')})::integer as "oneTimeTokens",
                 (select count(*) from ${sql.identifier('d')})::integer as "devices",
                 (select count(*) from ${sql.identifier('c')})::integer as "passkeyChallenges",
                 (select count(*) from ${sql.identifier('a')})::integer as "authorizationCodes"`,
    ),
  };
}

type Statements = ReturnType<typeof build>;

let built: Statements | null = null;

/** The compiled statements, built on first use (once per process). */
function statements(): Statements {
  built ??= build();
  return built;
}

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

function eventArrays(events: readonly NewSecurityEvent[]): EventArrays {
  return {
    evType: events.map((event) => event.type),
    evUserId: events.map((event) => event.userId),
    evSessionId: events.map((event) => event.sessionId),
    evIp: events.map((event) => event.ip),
    evUserAgent: events.map((event) => event.userAgent),
    evAt: events.map((event) => event.at),
    evDetail: events.map((event) => event.detail),
  };
}

function sessionValues(session: NewSession): SessionValues {
  return {
    sId: session.id,
    sUserId: session.userId,
    sNonce: session.nonce,
    sGeneration: session.generation,
    sRotatedAt: session.rotatedAt,
    sCreatedAt: session.createdAt,
    sLastUsedAt: session.lastUsedAt,
    sExpiresAt: session.expiresAt,
    sAbsoluteExpiresAt: session.absoluteExpiresAt,
    sUserAgent: session.userAgent,
    sIp: session.ip,
    sMethod: session.method,
    sClientId: session.clientId ?? null,
    sDpopJkt: session.dpopJkt ?? null,
  };
}

type Row<T> = T & pg.QueryResultRow;

/**
 * Runs `work` in one transaction on one pooled client (BEGIN … COMMIT, ROLLBACK on any error).
 * Behind a transaction-mode pooler the whole transaction stays on one server connection.
 */
async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A client whose connection failed, or whose ROLLBACK failed, is destroyed instead of pooled.
  let discard: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (isUnavailable(error)) discard = error instanceof Error ? error : new Error('connection failed');
    else {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        discard = rollbackError instanceof Error ? rollbackError : new Error('rollback failed');
      });
    }
    throw error;
  } finally {
    client.release(discard);
  }
}

/**
 * The PostgreSQL store for `url` (`postgres://…` / `postgresql://…`). Synchronous and lazy: the
 * pool connects, and the migrations run (once per pool, see migrate.ts), on the first query.
 */
export function createPostgresStore(url: string): Store {
  const entry = acquirePool(url);
  const { pool } = entry;
  let closed = false;
  let ready = false;

  /** Migrates once per pool before the first query; a failed run is retried by the next call. */
  function migrateOnce(): Promise<void> {
    if (!entry.migrated) {
      const attempt = migratePostgres(pool).then(
        () => {
          ready = true;
        },
        (error: unknown) => {
          if (entry.migrated === attempt) entry.migrated = null;
          throw error;
        },
      );
      entry.migrated = attempt;
    }
    return entry.migrated;
  }

  /** Every method goes through here: closed check, migrations, and error translation. */
  async function run<T>(work: () => Promise<T>): Promise<T> {
    if (closed) throw new StoreUnavailableError('closed');
    try {
      if (!ready) await migrateOnce();
      return await work();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  const query = <V extends Record<string, unknown>, R>(statement: Statement<V, R>, values: V, client: pg.Pool | pg.PoolClient = pool): Promise<pg.QueryResult<Row<R>>> =>
    client.query<Row<R>>(statement.bind(values));

  /**
   * A pure read: retried once when its pooled connection turns out to have been dropped while idle
   * (the pool has discarded it; the retry opens or takes another). Writes are never retried: a
   * dropped connection may have committed them.
   */
  async function read<R>(config: pg.QueryConfig): Promise<pg.QueryResult<Row<R>>> {
    try {
      return await pool.query<Row<R>>(config);
    } catch (error) {
      if (!isDroppedConnection(error)) throw error;
      return pool.query<Row<R>>(config);
    }
  }

  /** Re-checks a Confirmation inside a transaction, holding the user row (and the session) until it ends. */
  async function recheck(client: pg.PoolClient, confirmation: Confirmation): Promise<RecheckFailure | null> {
    const s = statements();
    const user = await query(s.lockUser, { id: confirmation.userId }, client);
    const live = await query(s.liveSessionForShare, { id: confirmation.sessionId, userId: confirmation.userId, now: confirmation.now }, client);
    const stored = user.rows[0];
    if (!stored || live.rows.length === 0) return 'session_ended';
    if ((stored.passwordHash === NO_PASSWORD ? null : stored.passwordHash) !== confirmation.confirmedHash) return 'password_changed';
    return null;
  }

  /**
   * verifyEmail and consumeSignInLink: uses the live link of `kind` (compare-and-set), marks the
   * email verified (the link proved the mailbox, as long as the account still has that address)
   * and writes `events`; null, with nothing written, otherwise.
   */
  function redeemMailboxLink(tokenId: string, kind: 'email_verification' | 'magic_link', now: number, events: readonly Omit<NewSecurityEvent, 'userId'>[]): Promise<UserRecord | null> {
    return run(() =>
      inTransaction(pool, async (client): Promise<UserRecord | null> => {
        const s = statements();
        const token = (await query(s.useToken, { id: tokenId, kind, now }, client)).rows[0];
        if (!token) return null;
        const user = (await query(s.markEmailVerified, { id: token.userId, email: token.email, now }, client)).rows[0];
        if (!user) throw new RollBack();
        if (events.length > 0) await query(s.insertEvents, eventArrays(events.map((event) => ({ ...event, userId: token.userId }))), client);
        return user;
      }),
    ).catch(rolledBack(null));
  }

  return {
    dialect: 'postgres',

    ready: () => run(async () => undefined),

    // ---- hot paths: one unnamed statement, one round trip, SQL built once per process ----

    findSession(id) {
      return run(async () => (await read<SessionRecord>(statements().findSession.bind({ id }))).rows[0] ?? null);
    },

    rotateSession(id, generation, now, expiresAt, ip) {
      return run(async () => (await pool.query(statements().rotateSession.bind({ id, generation, now, expiresAt, ip }))).rowCount === 1);
    },

    findSessionWithUser(id) {
      return run(async () => {
        const row = (await read<SessionWithUserRow>(statements().findSessionWithUser.bind({ id }))).rows[0];
        if (!row) return null;
        const { 'user.id': userId, 'user.email': email, 'user.name': userName, 'user.createdAt': userCreatedAt, 'user.emailVerifiedAt': emailVerifiedAt, ...session } = row;
        return { session, user: { id: userId, email, name: userName, createdAt: userCreatedAt, emailVerifiedAt } };
      });
    },

    findUserById(id) {
      return run(async () => (await read<UserRecord>(statements().findUserById.bind({ id }))).rows[0] ?? null);
    },

    // ---- users ----

    findCredentials(where) {
      return run(async () => {
        const s = statements();
        const result = await read<Credentials>('email' in where ? s.credentialsByEmail.bind({ email: where.email }) : s.credentialsById.bind({ id: where.id }));
        const row = result.rows[0];
        return row ? { ...row, passwordHash: row.passwordHash === NO_PASSWORD ? null : row.passwordHash } : null;
      });
    },

    register(user, session, events, now) {
      return run(() =>
        inTransaction(pool, async (client) => {
          const s = statements();
          const inserted = await query(s.insertUser, { id: user.id, email: user.email, name: user.name, passwordHash: user.passwordHash, now }, client);
          const created = inserted.rows[0];
          // Email taken: nothing else is written (the transaction commits an empty change).
          if (!created) return null;
          if (session) await query(s.insertSessionWithEvents, { ...sessionValues(session), ...eventArrays(events) }, client);
          else if (events.length > 0) await query(s.insertEvents, eventArrays(events), client);
          return created;
        }),
      );
    },

    rehashPassword(userId, oldHash, newHash, now) {
      return run(async () => {
        const result = await query(statements().rehashPassword, { id: userId, oldHash, newHash, now });
        return result.rowCount === 1;
      });
    },

    changePassword(confirmation, newHash, revokedEvent, events) {
      return run(() =>
        inTransaction(pool, async (client): Promise<Rechecked<string[]>> => {
          const s = statements();
          const failure = await recheck(client, confirmation);
          if (failure) return { ok: false, reason: failure };
          const { userId, sessionId, now } = confirmation;
          await query(s.setPasswordHash, { id: userId, hash: newHash, now }, client);
          // Every link mailed before the change dies with the old password.
          await query(s.deleteUserTokens, { userId }, client);
          const revoked = await query(s.revokeUserSessions, revocationValues(userId, 'password_changed', now, sessionId, revokedEvent), client);
          if (events.length > 0) await query(s.insertEvents, eventArrays(events), client);
          return { ok: true, value: revoked.rows.map((row) => row.id) };
        }),
      );
    },

    deleteAccount(confirmation, rateLimitKeys, events) {
      return run(() =>
        inTransaction(pool, async (client): Promise<Rechecked<null>> => {
          const s = statements();
          const failure = await recheck(client, confirmation);
          if (failure) return { ok: false, reason: failure };
          const { userId } = confirmation;
          // Events first: once the user row is gone the foreign key has nulled user_id and the
          // rows holding the person's IPs and devices could no longer be found.
          await query(s.anonymizeEvents, { userId }, client);
          await query(s.deleteUserSessions, { userId }, client);
          if (rateLimitKeys.length > 0) await query(s.deleteRateLimits, { keys: [...rateLimitKeys] }, client);
          await query(s.deleteUser, { id: userId }, client);
          if (events.length > 0) await query(s.insertEvents, eventArrays(events), client);
          return { ok: true, value: null };
        }),
      );
    },

    // ---- one-time links ----

    issueOneTimeToken(token, events) {
      return run(() =>
        inTransaction(pool, async (client) => {
          const s = statements();
          // The user row stays locked until COMMIT: concurrent issues for one user queue here, so
          // the later one's DELETE sees (and supersedes) the earlier one's link.
          const user = await query(s.lockUser, { id: token.userId }, client);
          if (user.rows.length === 0) return false;
          await query(s.deleteUserTokensOfKind, { userId: token.userId, kind: token.kind }, client);
          await query(s.insertToken, { ...token }, client);
          if (events.length > 0) await query(s.insertEvents, eventArrays(events), client);
          return true;
        }),
      );
    },

    findOneTimeToken(id, kind, now) {
      return run(async () => (await read<OneTimeTokenRecord>(statements().findLiveToken.bind({ id, kind, now }))).rows[0] ?? null);
    },

    resetPassword(tokenId, newHash, now, revokedEvent, events) {
      return run(() =>
        inTransaction(pool, async (client): Promise<PasswordResetResult | null> => {
          const s = statements();
          const token = (await query(s.useToken, { id: tokenId, kind: 'password_reset', now }, client)).rows[0];
          if (!token) return null;
          const { userId } = token;
          const updated = await query(s.resetPasswordHash, { id: userId, email: token.email, hash: newHash, now }, client);
          if (updated.rowCount !== 1) throw new RollBack();
          await query(s.deleteUserTokens, { userId }, client);
          const revoked = await query(s.revokeUserSessions, revocationValues(userId, 'password_reset', now, null, { ...revokedEvent, userId }), client);
          if (events.length > 0) await query(s.insertEvents, eventArrays(events.map((event) => ({ ...event, userId }))), client);
          return { userId, revokedSessionIds: revoked.rows.map((row) => row.id) };
        }),
      ).catch(rolledBack(null));
    },

    verifyEmail(tokenId, now, events) {
      return redeemMailboxLink(tokenId, 'email_verification', now, events);
    },

    consumeOneTimeToken(id, kind, now) {
      return run(async () => (await query(statements().useToken, { id, kind, now })).rows[0] ?? null);
    },

    // ---- two-factor ----

    findTwoFactor(userId) {
      return run(async () => (await read<TwoFactorRecord>(statements().findTwoFactor.bind({ userId }))).rows[0] ?? null);
    },

    beginTwoFactorSetup(userId, secret, now) {
      return run(async () => (await query(statements().beginTwoFactorSetup, { userId, secret, now })).rowCount === 1);
    },

    enableTwoFactor(userId, secret, step, hashes, now, events) {
      return run(() =>
        inTransaction(pool, async (client) => {
          const s = statements();
          // The UPDATE locks the row: a racing enable waits, then finds it enabled and matches nothing.
          const enabled = await query(s.enableTwoFactor, { userId, secret, step, now }, client);
          if (enabled.rowCount !== 1) return false;
          await query(s.deleteRecoveryCodes, { userId }, client);
          if (hashes.length > 0) await query(s.insertRecoveryCodes, { userId, hashes: [...hashes], now }, client);
          if (events.length > 0) await query(s.insertEvents, eventArrays(events), client);
          return true;
        }),
      );
    },

    consumeSignInLink(tokenId, now, events) {
      return redeemMailboxLink(tokenId, 'magic_link', now, events);
    },

    // ---- linked identities ----

    findUserByIdentity(provider, subject) {
      return run(async () => (await read<UserRecord>(statements().userByIdentity.bind({ provider, subject }))).rows[0] ?? null);
    },

    listLinkedIdentities(userId) {
      return run(async () => (await read<LinkedIdentityRecord>(statements().listIdentities.bind({ userId }))).rows);
    },

    registerWithIdentity(user, identity, events, now) {
      return run(() =>
        inTransaction(pool, async (client): Promise<UserRecord | null> => {
          const s = statements();
          const created = (await query(s.insertProviderUser, { ...user, now }, client)).rows[0];
          if (!created) return null;
          // A new user has no identity yet, so only the subject can be taken (by another account):
          // then the whole write rolls back.
          const linked = await query(s.insertIdentity, { ...identity, userId: created.id }, client);
          if (linked.rowCount !== 1) throw new RollBack();
          if (events.length > 0) await query(s.insertEvents, eventArrays(events), client);
          return created;
        }),
      ).catch(rolledBack(null));
    },

    linkIdentity(identity, events, verifiedEmail) {
      return run(() =>
        inTransaction(pool, async (client): Promise<LinkIdentityResult> => {
          const s = statements();
          // The user row stays locked until COMMIT: a concurrent unlink or email change waits.
          const user = (await query(s.lockUserForIdentity, { id: identity.userId }, client)).rows[0];
          if (!user) return 'no_user';
          if (verifiedEmail !== undefined && (user.email !== verifiedEmail || !user.verified)) return 'no_user';
          const inserted = await query(s.insertIdentity, { ...identity }, client);
          if (inserted.rowCount === 1) {
            if (events.length > 0) await query(s.insertEvents, eventArrays(events), client);
            return 'linked';
          }
          const owner = (await query(s.identityOwner, { provider: identity.provider, subject: identity.subject }, client)).rows[0];
          return owner ? 'identity_taken' : 'provider_taken';
        }),
      );
    },

    acceptTotpStep(userId, secret, step) {
      return run(async () => (await query(statements().acceptTotpStep, { userId, secret, step })).rowCount === 1);
    },

    consumeRecoveryCode(userId, codeHash, now, events) {
      return run(async () => (await query(statements().consumeRecoveryCode, { userId, codeHash, now, ...eventArrays(events) })).rows[0]?.used === 1);
    },

    disableTwoFactor(userId, events) {
      return run(() =>
        inTransaction(pool, async (client) => {
          const s = statements();
          const deleted = await query(s.disableTwoFactor, { userId }, client);
          if (deleted.rowCount !== 1) return false;
          await query(s.deleteRecoveryCodes, { userId }, client);
          if (events.length > 0) await query(s.insertEvents, eventArrays(events), client);
          return true;
        }),
      );
    },

    unlinkIdentity(userId, provider, events) {
      return run(() =>
        inTransaction(pool, async (client): Promise<UnlinkIdentityResult> => {
          const s = statements();
          // Locked: two concurrent unlinks of an account's two providers cannot both pass the check.
          const user = (await query(s.lockUserForIdentity, { id: userId }, client)).rows[0];
          const providers = (await query(s.userProviders, { userId }, client)).rows.map((row) => row.provider);
          if (!user || !providers.includes(provider)) return 'not_linked';
          // The last way to sign in stays: a password, a passkey or another provider must remain.
          if (!user.hasPassword && !user.hasPasskey && providers.length < 2) return 'last_method';
          await query(s.deleteIdentity, { userId, provider }, client);
          if (events.length > 0) await query(s.insertEvents, eventArrays(events), client);
          return 'unlinked';
        }),
      );
    },

    rememberDevice(userId, device, now) {
      return run(async (): Promise<DeviceSighting> => {
        const row = (await query(statements().rememberDevice, { userId, device, now })).rows[0];
        if (!row || row.seen === 0) return 'first';
        return row.known ? 'known' : 'new';
      });
    },

    // ---- sessions ----

    insertSession(session, events) {
      return run(async () => {
        const s = statements();
        // With events: one statement (a data-modifying CTE), atomic without a transaction.
        if (events.length === 0) await query(s.insertSession, sessionValues(session));
        else await query(s.insertSessionWithEvents, { ...sessionValues(session), ...eventArrays(events) });
      });
    },

    revokeSession(id, reason, now, events) {
      return run(async () => {
        const result = await query(statements().revokeSession, { id, reason, now, ...eventArrays(events) });
        return result.rows[0]?.revoked === 1;
      });
    },

    revokeUserSessions(userId, reason, now, keepSessionId, revokedEvent) {
      return run(async () => {
        const result = await query(statements().revokeUserSessions, revocationValues(userId, reason, now, keepSessionId, revokedEvent));
        return result.rows.map((row) => row.id);
      });
    },

    listLiveSessions(userId, now) {
      return run(async () => (await read<SessionRecord>(statements().listLiveSessions.bind({ userId, now }))).rows);
    },

    // ---- security events ----

    addSecurityEvents(events) {
      return run(async () => {
        if (events.length > 0) await query(statements().insertEvents, eventArrays(events));
      });
    },

    listSecurityEvents(userId, types, limit) {
      return run(async () => {
        if (types.length === 0 || limit <= 0) return [];
        return (await read<SecurityEventRecord>(statements().listEvents.bind({ userId, types: [...types], limit }))).rows;
      });
    },

    // ---- rate limits ----

    consumeRateLimit(key, decide) {
      return run(() =>
        inTransaction(pool, async (client) => {
          const s = statements();
          // Every consume of this key, in any process, queues here until the holder commits; the
          // SELECT below is a new statement, so it sees the holder's committed count.
          await query(s.lockRateLimitKey, { key }, client);
          const found = await query(s.findRateLimit, { key }, client);
          const outcome = decide(found.rows[0] ?? null);
          if (outcome.save) {
            const { count, windowStart, lastAt, limitedAt } = outcome.save;
            await query(s.saveRateLimit, { key, count, windowStart, lastAt, limitedAt }, client);
          }
          return outcome.result;
        }),
      );
    },

    deleteRateLimit(key) {
      return run(async () => {
        await query(statements().deleteRateLimit, { key });
      });
    },

    // ---- passkeys ----

    storePasskeyChallenge(challenge) {
      return run(async () => {
        await query(statements().insertPasskeyChallenge, { ...challenge });
      });
    },

    consumePasskeyChallenge(id, ceremony, now) {
      return run(async () => {
        const row = (await query(statements().consumePasskeyChallenge, { id, ceremony })).rows[0];
        return row && row.expiresAt > now ? row : null;
      });
    },

    storeAuthorizationCode(code) {
      return run(async () => {
        await query(statements().insertAuthorizationCode, { ...code });
      });
    },

    redeemAuthorizationCode(id, now, exchange, replayEvent) {
      return run(() =>
        inTransaction(pool, async (client): Promise<CodeRedemption> => {
          const s = statements();
          const code = (await query(s.lockAuthorizationCode, { id }, client)).rows[0];
          if (!code) return { outcome: 'invalid' };
          if (code.usedAt !== null) {
            const event = { ...replayEvent, userId: code.userId, sessionId: code.sessionId };
            // Revoke with no events, then write the replay event whether or not the session was live.
            const revoked = (await query(s.revokeSession, { id: code.sessionId, reason: 'authorization_code_replayed', now, ...eventArrays([]) }, client)).rows[0]?.revoked === 1;
            await query(s.insertEvents, eventArrays([event]), client);
            return { outcome: 'replayed', code, revoked };
          }
          if (code.expiresAt <= now) return { outcome: 'invalid' };
          await query(s.useAuthorizationCode, { id, now }, client);
          const used = { ...code, usedAt: now };
          const result = exchange(used);
          if (!result) return { outcome: 'refused', code: used };
          if (result.events.length === 0) await query(s.insertSession, sessionValues(result.session), client);
          else await query(s.insertSessionWithEvents, { ...sessionValues(result.session), ...eventArrays(result.events) }, client);
          return { outcome: 'redeemed', code: used };
        }),
      );
    },

    addPasskey(passkey, events) {
      return run(() =>
        inTransaction(pool, async (client) => {
          const s = statements();
          // The user row stays locked until COMMIT: an account deletion cannot slip in between.
          const user = await query(s.lockUser, { id: passkey.userId }, client);
          if (user.rows.length === 0) return false;
          const inserted = await query(s.insertPasskey, { ...passkey, transports: passkey.transports.join(',') }, client);
          if (inserted.rows.length === 0) return false;
          if (events.length > 0) await query(s.insertEvents, eventArrays(events), client);
          return true;
        }),
      );
    },

    // ---- API keys ----

    createApiKey(key, maxActive, events) {
      return run(() =>
        inTransaction(pool, async (client): Promise<ApiKeyCreation> => {
          const s = statements();
          // The user row stays locked until COMMIT: two creations racing for the last free place queue here.
          const user = await query(s.lockUser, { id: key.userId }, client);
          if (user.rows.length === 0) return 'no_user';
          const active = (await query(s.countActiveApiKeys, { userId: key.userId, now: key.createdAt }, client)).rows[0]?.count ?? 0;
          if (active >= maxActive) return 'too_many';
          await query(s.insertApiKey, { ...key }, client);
          if (events.length > 0) await query(s.insertEvents, eventArrays(events), client);
          return 'created';
        }),
      );
    },

    listPasskeys(userId) {
      return run(async () => (await read<PasskeyRow>(statements().listPasskeys.bind({ userId }))).rows.map(passkeyRecord));
    },

    findPasskeyByCredentialId(credentialId) {
      return run(async () => {
        const row = (await read<PasskeyRow>(statements().findPasskeyByCredentialId.bind({ credentialId }))).rows[0];
        return row ? passkeyRecord(row) : null;
      });
    },

    recordPasskeyUse(id, newCounter, backedUp, now) {
      return run(async (): Promise<PasskeyUse> => {
        const row = (await query(statements().recordPasskeyUse, { id, counter: newCounter, backedUp, now })).rows[0];
        if (row?.used) return 'used';
        return row?.found ? 'counter_regressed' : 'not_found';
      });
    },

    deletePasskey(userId, id, events) {
      return run(async () => {
        const row = (await query(statements().deletePasskey, { id, userId, ...eventArrays(events) })).rows[0];
        return row ? passkeyRecord(row) : null;
      });
    },

    findApiKeyWithUser(id) {
      return run(async () => {
        const row = (await read<ApiKeyRecord & { [K in keyof UserRecord as `user.${K}`]: UserRecord[K] }>(statements().findApiKeyWithUser.bind({ id }))).rows[0];
        if (!row) return null;
        const { 'user.id': userId, 'user.email': email, 'user.name': userName, 'user.createdAt': userCreatedAt, 'user.emailVerifiedAt': emailVerifiedAt, ...key } = row;
        return { key, user: { id: userId, email, name: userName, createdAt: userCreatedAt, emailVerifiedAt } };
      });
    },

    listApiKeys(userId) {
      return run(async () => (await read<ApiKeyRecord>(statements().listApiKeys.bind({ userId }))).rows);
    },

    revokeApiKey(userId, id, now, events) {
      return run(async () => {
        const result = await query(statements().revokeApiKey, { id, userId, now, ...eventArrays(events) });
        return result.rows[0]?.revoked === 1;
      });
    },

    recordApiKeyUse(id, ip, now, throttleMs, newIpEvents) {
      return run(async () => {
        const result = await query(statements().recordApiKeyUse, { id, ip, now, throttleMs, ...eventArrays(newIpEvents) });
        return result.rows[0]?.newIp === true;
      });
    },

    deleteEndedApiKeys(before) {
      return run(async () => (await query(statements().deleteEndedApiKeys, { before })).rowCount ?? 0);
    },

    // ---- DPoP proofs ----

    useDpopProof(id, expiresAt, now) {
      return run(async () => (await query(statements().useDpopProof, { id, expiresAt, now })).rows.length === 1);
    },

    deleteExpiredDpopProofs(before) {
      return run(async () => (await query(statements().deleteExpiredDpopProofs, { before })).rowCount ?? 0);
    },

    // ---- housekeeping ----

    housekeeping(cutoffs) {
      return run(async () => {
        const result = await query(statements().housekeeping, { ...cutoffs });
        return result.rows[0] ?? { sessions: 0, events: 0, rateLimits: 0, oneTimeTokens: 0, devices: 0, passkeyChallenges: 0, authorizationCodes: 0 };
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      await releasePool(url, entry);
    },
  };
}

function passkeyRecord(row: PasskeyRow): PasskeyRecord {
  return { ...row, transports: row.transports === '' ? [] : row.transports.split(',') };
}

function revocationValues(userId: string, reason: string, now: number, keep: string | null, event: RevocationEvent) {
  return { userId, reason, now, keep, evType: event.type, evUserId: event.userId, evIp: event.ip, evUserAgent: event.userAgent, evAt: event.at, evDetail: event.detail };
}
