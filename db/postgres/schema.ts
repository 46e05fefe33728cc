/**
 * The PostgreSQL tables: the same tables, snake_case columns, indexes and foreign keys as the
 * SQLite schema (db/sqlite/schema.ts), so both adapters store the same rows. Times are integer epoch
 * milliseconds (bigint, read as JS numbers: every value fits in 2^53), never timestamptz, so the
 * core compares the same numbers on both databases.
 *
 * Migrations: `npx drizzle-kit generate --config drizzle.postgres.config.ts` writes
 * db/postgres/migrations; db/postgres/migrate.ts applies them.
 */
import { bigint, boolean, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { PasskeyCeremony, PasskeyDeviceType, SignInMethod } from '../store';

/** Epoch milliseconds. */
const millis = () => bigint({ mode: 'number' });

export const users = pgTable('users', {
  id: text().primaryKey(),
  /** Trimmed and lower-cased: the one form we compare and store. */
  email: text().notNull().unique(),
  name: text(),
  /**
   * '' for an account without a password (made by a provider sign-in, until its owner sets one
   * with a reset link); the adapters hand it out as null (NO_PASSWORD in db/store.ts). Not a
   * nullable column: SQLite can only drop NOT NULL by rebuilding the table, and dropping `users`
   * inside drizzle's migration transaction (where foreign_keys cannot be turned off) would
   * cascade into every session, link and device.
   */
  passwordHash: text().notNull(),
  createdAt: millis().notNull(),
  updatedAt: millis().notNull(),
  /** When the owner proved they read mail at `email` (a verification or reset link); null until then. */
  emailVerifiedAt: millis(),
});

/**
 * One row per signed-in device. The refresh token is never stored (see db/store.ts, SessionRecord).
 */
export const sessions = pgTable(
  'sessions',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Per-session random value mixed into every refresh token MAC. */
    nonce: text().notNull(),
    /** Bumped by each rotation; only the current and (in the grace window) previous one are accepted. */
    generation: integer().notNull().default(0),
    /** When the current generation was issued (start of the grace window for the previous one). */
    rotatedAt: millis().notNull(),
    createdAt: millis().notNull(),
    lastUsedAt: millis().notNull(),
    /** Idle expiry: now + REFRESH_TOKEN_EXPIRY at each rotation, never past absoluteExpiresAt. */
    expiresAt: millis().notNull(),
    /** createdAt + SESSION_MAX_AGE: however often it is refreshed, the session ends here. */
    absoluteExpiresAt: millis().notNull(),
    revokedAt: millis(),
    revokedReason: text(),
    userAgent: text(),
    ip: text(),
    /** How the session signed in (SignInMethod in db/store.ts): shown in the sessions list. */
    method: text().$type<SignInMethod>().notNull().default('password'),
    /** The native app (NATIVE_CLIENTS) whose session this is; null for a browser's cookie session. */
    clientId: text(),
    /**
     * DPoP (RFC 9449): the RFC 7638 thumbprint of the key this session is bound to, when its first
     * token request carried a proof; every later refresh needs a fresh proof by that key, and its
     * access tokens carry it as `cnf.jkt`. Null: an ordinary (Bearer) session.
     */
    dpopJkt: text(),
  },
  (table) => [index('sessions_user_id_idx').on(table.userId)],
);

export const securityEvents = pgTable(
  'security_events',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    type: text().notNull(),
    userId: text().references(() => users.id, { onDelete: 'set null' }),
    sessionId: text(),
    ip: text(),
    userAgent: text(),
    at: millis().notNull(),
    /** Small JSON object; never a password, token or secret. */
    detail: text(),
  },
  (table) => [index('security_events_user_id_at_idx').on(table.userId, table.at)],
);

/**
 * Counters for rate limits and sign-in backoff, shared by every app instance on this database.
 * Keys: `ip:<address>`, `account:<email>`. Rows expire with their window.
 */
export const rateLimits = pgTable('rate_limits', {
  key: text().primaryKey(),
  count: integer().notNull(),
  windowStart: millis().notNull(),
  lastAt: millis().notNull(),
  /** When a refusal in this window was last recorded as a security event (one per window). */
  limitedAt: millis(),
});

/**
 * One-time links (password reset, email verification, later sign-in links). The token itself is
 * never stored: `id` is HMAC-SHA-256(server key, kind and token) (lib/auth/link-tokens.ts), so a copy of
 * this table can neither use nor recognise a link. A row is live while `usedAt` is null and
 * `expiresAt` is ahead; issuing a new link of a kind deletes the user's older ones of that kind,
 * and a password change or reset deletes them all.
 */
export const oneTimeTokens = pgTable(
  'one_time_tokens',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** A OneTimeTokenKind (db/store.ts): `password_reset`, `email_verification`, `magic_link`, `two_factor_after_…`. */
    kind: text().notNull(),
    /** The address the link was mailed to: a verification only counts for that address. */
    email: text().notNull(),
    /**
     * `magic_link` only: the same-site path (lib/auth/redirects.ts) to land on after signing in,
     * checked when the link was requested and bound to it here, so the mailed URL neither carries
     * nor can change it. Null: the default (/dashboard).
     */
    next: text(),
    createdAt: millis().notNull(),
    expiresAt: millis().notNull(),
    usedAt: millis(),
  },
  (table) => [index('one_time_tokens_user_id_kind_idx').on(table.userId, table.kind)],
);

/**
 * Devices (user-agent family and IP network) an account has signed in from, so a sign-in from a
 * new one can be told to the owner by mail. Rows not seen for 90 days are deleted.
 */
export const knownDevices = pgTable(
  'known_devices',
  {
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** e.g. `Chrome|Linux|203.0.113.0/24`: no version, no full address. */
    device: text().notNull(),
    firstSeenAt: millis().notNull(),
    lastSeenAt: millis().notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.device] })],
);

/** An account's TOTP authenticator, sealed; see db/sqlite/schema.ts. */
export const twoFactor = pgTable('two_factor', {
  userId: text()
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secret: text().notNull(),
  createdAt: millis().notNull(),
  enabledAt: millis(),
  /** An RFC 6238 time step (about 5.9e7 today): bigint like the times. */
  lastUsedStep: bigint({ mode: 'number' }),
});

/** Single-use recovery codes, as HMACs only; see db/sqlite/schema.ts. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text().notNull(),
    createdAt: millis().notNull(),
    usedAt: millis(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.codeHash] })],
);

/**
 * Passkeys (WebAuthn credentials): the same table as on SQLite (db/sqlite/schema.ts). Nothing here
 * is secret; `credential_id` is unique across all users.
 */
export const passkeys = pgTable(
  'passkeys',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** base64url, as the browser reports it. */
    credentialId: text().notNull().unique(),
    /** The COSE public key, base64url. */
    publicKey: text().notNull(),
    /** The signature counter as last seen (a 32-bit unsigned value: bigint holds all of it). */
    counter: bigint({ mode: 'number' }).notNull(),
    /** Transport hints, comma-separated (`internal,hybrid`). */
    transports: text().notNull(),
    deviceType: text().$type<PasskeyDeviceType>().notNull(),
    backedUp: boolean().notNull(),
    name: text().notNull(),
    createdAt: millis().notNull(),
    lastUsedAt: millis(),
  },
  (table) => [index('passkeys_user_id_idx').on(table.userId)],
);

/**
 * WebAuthn challenges between a ceremony's options and its verification: single use (DELETE …
 * RETURNING), 5 minutes, bound to the browser by an HttpOnly cookie holding `id`.
 */
export const passkeyChallenges = pgTable(
  'passkey_challenges',
  {
    id: text().primaryKey(),
    challenge: text().notNull(),
    ceremony: text().$type<PasskeyCeremony>().notNull(),
    /** Registration: the signed-in user adding a passkey; authentication: null. */
    userId: text().references(() => users.id, { onDelete: 'cascade' }),
    createdAt: millis().notNull(),
    expiresAt: millis().notNull(),
  },
  (table) => [index('passkey_challenges_expires_at_idx').on(table.expiresAt)],
);

/** API keys (see db/sqlite/schema.ts): only a MAC of each key's secret is stored. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    secretMac: text().notNull(),
    createdAt: millis().notNull(),
    /** Null: the key never expires (it can still be revoked). */
    expiresAt: millis(),
    lastUsedAt: millis(),
    lastUsedIp: text(),
    revokedAt: millis(),
  },
  (table) => [index('api_keys_user_id_idx').on(table.userId)],
);

/**
/**
 * Accounts' sign-ins through OpenID Connect providers: the provider's id and the subject (`sub`)
 * it gives the person. A subject belongs to one account; an account has at most one identity per
 * provider. The email is the provider's at link time, shown on the account page, never used to
 * sign in. Deleted with the account.
 */
export const linkedIdentities = pgTable(
  'linked_identities',
  {
    provider: text().notNull(),
    subject: text().notNull(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: text(),
    createdAt: millis().notNull(),
  },
  (table) => [primaryKey({ columns: [table.provider, table.subject] }), uniqueIndex('linked_identities_user_id_provider_idx').on(table.userId, table.provider)],
);

/**
 * OAuth authorization codes for native apps (lib/auth/oauth/authorization-codes.ts): single use,
 * 60 seconds. `id` is the SHA-256 of the code (256 random bits), never the code itself. `sessionId`
 * is the native session the exchange creates, so a replay can revoke it (RFC 6749 §4.1.2).
 */
export const authorizationCodes = pgTable(
  'authorization_codes',
  {
    id: text().primaryKey(),
    clientId: text().notNull(),
    redirectUri: text().notNull(),
    codeChallenge: text().notNull(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    browserSessionId: text().notNull(),
    method: text().$type<SignInMethod>().notNull(),
    sessionId: text().notNull(),
    createdAt: millis().notNull(),
    expiresAt: millis().notNull(),
    usedAt: millis(),
  },
  (table) => [index('authorization_codes_expires_at_idx').on(table.expiresAt)],
);

/**
 * DPoP proofs already used (RFC 9449 §11.1: a proof is single use). `id` is the SHA-256 of the
 * key's thumbprint and the proof's `jti` (fixed length, whatever a client sends); a row lives as
 * long as its proof's `iat` is inside the acceptance window, after which the proof is refused as
 * stale anyway and housekeeping deletes the row.
 */
export const dpopProofs = pgTable(
  'dpop_proofs',
  {
    id: text().primaryKey(),
    expiresAt: millis().notNull(),
  },
  (table) => [index('dpop_proofs_expires_at_idx').on(table.expiresAt)],
);
