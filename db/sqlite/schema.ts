/**
 * SQLite tables (db/postgres/schema.ts is the same on PostgreSQL). Times are integers in epoch
 * milliseconds: cheap to compare in atomic UPDATEs, and turned into ISO 8601 strings only at the
 * API boundary. Change a table here and there, then `npm run db:generate`.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { PasskeyCeremony, PasskeyDeviceType, SignInMethod } from '../store';

export const users = sqliteTable('users', {
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
  createdAt: integer().notNull(),
  updatedAt: integer().notNull(),
  /** When the owner proved they read mail at `email` (a verification or reset link); null until then. */
  emailVerifiedAt: integer(),
});

/**
 * One row per signed-in device. The refresh token is never stored: it is
 * `<id>.<generation>.<HMAC(REFRESH_TOKEN_SECRET, id|nonce|generation)>`, so a copy of this table
 * alone can neither mint nor recognise a token (see lib/auth/refresh-token.ts).
 */
export const sessions = sqliteTable(
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
    rotatedAt: integer().notNull(),
    createdAt: integer().notNull(),
    lastUsedAt: integer().notNull(),
    /** Idle expiry: now + REFRESH_TOKEN_EXPIRY at each rotation, never past absoluteExpiresAt. */
    expiresAt: integer().notNull(),
    /** createdAt + SESSION_MAX_AGE: however often it is refreshed, the session ends here. */
    absoluteExpiresAt: integer().notNull(),
    revokedAt: integer(),
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

export const securityEvents = sqliteTable(
  'security_events',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    type: text().notNull(),
    userId: text().references(() => users.id, { onDelete: 'set null' }),
    sessionId: text(),
    ip: text(),
    userAgent: text(),
    at: integer().notNull(),
    /** Small JSON object; never a password, token or secret. */
    detail: text(),
  },
  (table) => [index('security_events_user_id_at_idx').on(table.userId, table.at)],
);


/**
 * Counters for rate limits and sign-in backoff, shared by every app instance on this database and
 * kept across restarts. Keys: `ip:<address>` (attempts per window) and `account:<email>`
 * (failed sign-ins with backoff). Rows expire with their window.
 */
export const rateLimits = sqliteTable('rate_limits', {
  key: text().primaryKey(),
  count: integer().notNull(),
  windowStart: integer().notNull(),
  lastAt: integer().notNull(),
  /** When a refusal in this window was last recorded as a security event (one per window). */
  limitedAt: integer(),
});

/**
 * One-time links (password reset, email verification, later sign-in links). The token itself is
 * never stored: `id` is HMAC-SHA-256(server key, kind and token) (lib/auth/link-tokens.ts), so a copy of
 * this table can neither use nor recognise a link. A row is live while `usedAt` is null and
 * `expiresAt` is ahead; issuing a new link of a kind deletes the user's older ones of that kind,
 * and a password change or reset deletes them all.
 */
export const oneTimeTokens = sqliteTable(
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
    createdAt: integer().notNull(),
    expiresAt: integer().notNull(),
    usedAt: integer(),
  },
  (table) => [index('one_time_tokens_user_id_kind_idx').on(table.userId, table.kind)],
);

/**
 * Devices (user-agent family and IP network) an account has signed in from, so a sign-in from a
 * new one can be told to the owner by mail. Rows not seen for 90 days are deleted.
 */
export const knownDevices = sqliteTable(
  'known_devices',
  {
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** e.g. `Chrome|Linux|203.0.113.0/24`: no version, no full address. */
    device: text().notNull(),
    firstSeenAt: integer().notNull(),
    lastSeenAt: integer().notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.device] })],
);

/**
 * An account's TOTP authenticator (one per user). `secret` is sealed with AES-256-GCM under a key
 * derived from REFRESH_TOKEN_SECRET (lib/auth/totp-secret.ts): a copy of the database cannot produce
 * codes. `enabledAt` null: a setup waiting for its first code. `lastUsedStep`: the last RFC 6238
 * time step accepted; only a later one is accepted again, so each code works once.
 */
export const twoFactor = sqliteTable('two_factor', {
  userId: text()
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secret: text().notNull(),
  createdAt: integer().notNull(),
  enabledAt: integer(),
  lastUsedStep: integer(),
});

/**
 * Single-use recovery codes, stored only as HMAC-SHA-256 under a server key (lib/auth/recovery-codes.ts):
 * a copy of this table can neither use a code nor test guesses offline.
 */
export const recoveryCodes = sqliteTable(
  'recovery_codes',
  {
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text().notNull(),
    createdAt: integer().notNull(),
    usedAt: integer(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.codeHash] })],
);

/**
 * Passkeys (WebAuthn credentials). Nothing here is secret: the private key never leaves the
 * authenticator, and the public key only verifies. `credential_id` is unique across all users, so
 * one authenticator credential can never belong to two accounts.
 */
export const passkeys = sqliteTable(
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
    /** The signature counter as last seen: a later assertion must show a higher one (or both 0). */
    counter: integer().notNull(),
    /** Transport hints, comma-separated (`internal,hybrid`). */
    transports: text().notNull(),
    deviceType: text().$type<PasskeyDeviceType>().notNull(),
    backedUp: integer({ mode: 'boolean' }).notNull(),
    name: text().notNull(),
    createdAt: integer().notNull(),
    lastUsedAt: integer(),
  },
  (table) => [index('passkeys_user_id_idx').on(table.userId)],
);

/**
 * WebAuthn challenges between a ceremony's options and its verification: single use (consumed
 * by DELETE … RETURNING), 5 minutes, and bound to the browser by an HttpOnly cookie holding `id`.
 * Abandoned ones are deleted by housekeeping once expired.
 */
export const passkeyChallenges = sqliteTable(
  'passkey_challenges',
  {
    id: text().primaryKey(),
    challenge: text().notNull(),
    ceremony: text().$type<PasskeyCeremony>().notNull(),
    /** Registration: the signed-in user adding a passkey; authentication: null. */
    userId: text().references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer().notNull(),
    expiresAt: integer().notNull(),
  },
  (table) => [index('passkey_challenges_expires_at_idx').on(table.expiresAt)],
);

/**
 * API keys for scripts and other machines (lib/auth/api-keys.ts). A key is
 * `ntak_<id>_<secret>`; only `id` (public, 96 random bits) and `secretMac`, HMAC-SHA-256 of the
 * id and secret under a key derived from REFRESH_TOKEN_SECRET, are stored: a copy of this table
 * can neither use nor recognise a key. Revoked and expired rows are deleted by housekeeping.
 */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    secretMac: text().notNull(),
    createdAt: integer().notNull(),
    /** Null: the key never expires (it can still be revoked). */
    expiresAt: integer(),
    lastUsedAt: integer(),
    lastUsedIp: text(),
    revokedAt: integer(),
  },
  (table) => [index('api_keys_user_id_idx').on(table.userId)],
);

/**
 * Accounts' sign-ins through OpenID Connect providers: the provider's id and the subject (`sub`)
 * it gives the person. A subject belongs to one account; an account has at most one identity per
 * provider. The email is the provider's at link time, shown on the account page, never used to
 * sign in. Deleted with the account.
 */
export const linkedIdentities = sqliteTable(
  'linked_identities',
  {
    provider: text().notNull(),
    subject: text().notNull(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: text(),
    createdAt: integer().notNull(),
  },
  (table) => [primaryKey({ columns: [table.provider, table.subject] }), uniqueIndex('linked_identities_user_id_provider_idx').on(table.userId, table.provider)],
);

/**
 * OAuth authorization codes for native apps (lib/auth/oauth/authorization-codes.ts): single use,
 * 60 seconds. `id` is the SHA-256 of the code (256 random bits), never the code itself. `sessionId`
 * is the native session the exchange creates, so a replay can revoke it (RFC 6749 §4.1.2).
 */
export const authorizationCodes = sqliteTable(
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
    createdAt: integer().notNull(),
    expiresAt: integer().notNull(),
    usedAt: integer(),
  },
  (table) => [index('authorization_codes_expires_at_idx').on(table.expiresAt)],
);

/**
 * DPoP proofs already used (RFC 9449 §11.1: a proof is single use). `id` is the SHA-256 of the
 * key's thumbprint and the proof's `jti` (fixed length, whatever a client sends); a row lives as
 * long as its proof's `iat` is inside the acceptance window, after which the proof is refused as
 * stale anyway and housekeeping deletes the row.
 */
export const dpopProofs = sqliteTable(
  'dpop_proofs',
  {
    id: text().primaryKey(),
    expiresAt: integer().notNull(),
  },
  (table) => [index('dpop_proofs_expires_at_idx').on(table.expiresAt)],
);
