/**
 * SQLite tables (db/postgres/schema.ts is the same on PostgreSQL). Times are integers in epoch
 * milliseconds: cheap to compare in atomic UPDATEs, and turned into ISO 8601 strings only at the
 * API boundary. Change a table here and there, then `npm run db:generate`.
 */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  id: text().primaryKey(),
  /** Trimmed and lower-cased: the one form we compare and store. */
  email: text().notNull().unique(),
  name: text(),
  passwordHash: text().notNull(),
  createdAt: integer().notNull(),
  updatedAt: integer().notNull(),
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
