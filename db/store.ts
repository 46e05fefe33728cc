/**
 * The storage interface the auth logic talks to. Two adapters implement it: SQLite
 * (db/sqlite/store.ts, better-sqlite3) and PostgreSQL (db/postgres/store.ts, drizzle + pg).
 *
 * Rules every adapter keeps (tests/store/conformance.ts checks them on both):
 * - Methods are named after what the auth logic does, not after tables, and no driver type
 *   (statement, pool, client, row class) appears here.
 * - Whatever must be atomic is ONE method that the adapter makes atomic natively (a compare-and-set
 *   UPDATE, `BEGIN IMMEDIATE` on SQLite, a transaction with row locks on PostgreSQL). There is no
 *   generic `transaction(callback)`: a better-sqlite3 transaction cannot span an `await`.
 * - Times are integer epoch milliseconds on both databases.
 * - "The database is unreachable, busy or full" is thrown as StoreUnavailableError (the HTTP layer
 *   answers 503 `service_unavailable`); no SQLITE_* or PostgreSQL code leaves db/.
 * - db/ imports nothing from lib/.
 */

/** How the users table stores "no password" (see the users table in both schemas); never leaves db/. */
export const NO_PASSWORD = '';

/** Which database a DATABASE_URL names. */
export type DatabaseTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

export interface UserRecord {
  id: string;
  /** Trimmed and lower-cased: the one form we compare and store. */
  email: string;
  name: string | null;
  createdAt: number;
  /** When the owner proved they read mail at `email` (a verification or reset link); null until then. */
  emailVerifiedAt: number | null;
}

export interface Credentials extends UserRecord {
  /** Null for an account that has no password (created by a provider sign-in; see linkedIdentities). */
  passwordHash: string | null;
}

export interface NewUser {
  id: string;
  email: string;
  name: string | null;
  passwordHash: string;
}

/**
 * One signed-in device. The refresh token is never stored: it is
 * `<id>.<generation>.<HMAC(REFRESH_TOKEN_SECRET, id|nonce|generation)>` (lib/auth/refresh-token.ts).
 */
export interface SessionRecord {
  id: string;
  userId: string;
  /** Per-session random value mixed into every refresh token MAC. */
  nonce: string;
  /** Bumped by each rotation; only the current and (in the grace window) previous one are accepted. */
  generation: number;
  /** When the current generation was issued (start of the grace window for the previous one). */
  rotatedAt: number;
  createdAt: number;
  lastUsedAt: number;
  /** Idle expiry: now + REFRESH_TOKEN_EXPIRY at each rotation, never past absoluteExpiresAt. */
  expiresAt: number;
  /** createdAt + SESSION_MAX_AGE: however often it is refreshed, the session ends here. */
  absoluteExpiresAt: number;
  revokedAt: number | null;
  revokedReason: string | null;
  userAgent: string | null;
  ip: string | null;
  method: SignInMethod;
  /**
   * The native app (NATIVE_CLIENTS clientId) whose session this is, or null for a browser's
   * cookie session. A refresh token works only where its session belongs: a native one only at
   * the token endpoint for that client, a browser's only at the cookie refresh.
   */
  clientId: string | null;
  /**
   * DPoP (RFC 9449): the RFC 7638 SHA-256 thumbprint of the key the session is bound to, set when
   * it starts and never changed; null for an ordinary (Bearer) session.
   */
  dpopJkt: string | null;
}

/**
 * How a session signed in: the first factor, then the second when there was one. Stored as text,
 * so later ways to sign in only add members here.
 */
export type SignInMethod =
  | 'password'
  | 'password+totp'
  | 'password+recovery_code'
  | 'passkey'
  | 'magic_link'
  | 'magic_link+totp'
  | 'magic_link+recovery_code'
  | `oidc:${string}`
  | `oidc:${string}+totp`
  | `oidc:${string}+recovery_code`;

/** A session to store; `clientId` left out means a browser's session, `dpopJkt` left out an unbound (Bearer) one. */
export type NewSession = Omit<SessionRecord, 'revokedAt' | 'revokedReason' | 'clientId' | 'dpopJkt'> & { clientId?: string | null; dpopJkt?: string | null };

/** A security event as stored. `detail` is a small JSON object of our own making, never a secret. */
export interface NewSecurityEvent {
  type: string;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  at: number;
  detail: string | null;
}

export interface SecurityEventRecord extends NewSecurityEvent {
  id: number;
}

/**
 * The `session_revoked`-style event written for each session a bulk revocation ends; the adapter
 * fills in `sessionId` for each one inside the same atomic write.
 */
export type RevocationEvent = Omit<NewSecurityEvent, 'sessionId'>;

/** A rate-limit counter (`ip:<address>`, `account:<email>`, …). */
export interface RateLimitRecord {
  key: string;
  count: number;
  windowStart: number;
  lastAt: number;
  /** When a refusal in this window was last recorded as a security event (one per window). */
  limitedAt: number | null;
}

/**
 * What a rate-limit decision wants written: `save` replaces the key's row (null leaves it), and
 * `result` is handed back to the caller.
 */
export interface RateLimitOutcome<T> {
  save: RateLimitRecord | null;
  result: T;
}

/** Why an atomic re-check failed: the caller's session ended, or the password is no longer the one confirmed. */
export type RecheckFailure = 'session_ended' | 'password_changed';

export type Rechecked<T> = { ok: true; value: T } | { ok: false; reason: RecheckFailure };

/** What a caller proved before a write that needs the password (change, deletion). */
export interface Confirmation {
  userId: string;
  /** The caller's session: it must still be live (not revoked, not expired) at `now`. */
  sessionId: string;
  /** The hash the password was checked against: it must still be the stored one. */
  confirmedHash: string | null;
  now: number;
}

/** What a one-time link is for; a newer link of a kind replaces the user's older ones of that kind. */
export type OneTimeTokenKind =
  | 'password_reset'
  | 'email_verification'
  | 'magic_link'
  // The second step of a sign-in, after each first factor that can precede one (lib/auth/second-factor.ts).
  | 'two_factor_after_password'
  | 'two_factor_after_magic_link'
  | `two_factor_after_oidc:${string}`;

/**
 * A one-time link as stored. `id` is a MAC of the token (lib/auth/link-tokens.ts), never the token:
 * the database alone can neither use nor recognise a link.
 */
export interface NewOneTimeToken {
  id: string;
  userId: string;
  kind: OneTimeTokenKind;
  /** The address the link was mailed to. */
  email: string;
  /**
   * Sign-in links only: the same-site path to land on once signed in, checked when the link was
   * requested; null for the default and for every other kind.
   */
  next: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface OneTimeTokenRecord extends NewOneTimeToken {
  usedAt: number | null;
}

/** What a password reset by link did: whose password it was and which sessions it ended. */
export interface PasswordResetResult {
  userId: string;
  revokedSessionIds: string[];
}

/**
 * An account's sign-in through an OpenID Connect provider: the provider's id (`google`) and the
 * subject it gives the person (`sub`, stable and unique per provider). One per provider and account.
 */
export interface NewLinkedIdentity {
  provider: string;
  subject: string;
  userId: string;
  /** The address the provider gave when the link was made (for the account page; never used to sign in). */
  email: string | null;
  createdAt: number;
}

export type LinkedIdentityRecord = NewLinkedIdentity;

/** A new account made by a provider sign-in: no password; verified as the provider said. */
export interface NewProviderUser {
  id: string;
  email: string;
  name: string | null;
  emailVerifiedAt: number | null;
}

/** What linking an identity did: `identity_taken` when another account has it, `provider_taken` when this account has one of that provider. */
export type LinkIdentityResult = 'linked' | 'identity_taken' | 'provider_taken' | 'no_user';

/** What removing a linked identity did: `last_method` when it is the account's only way to sign in (nothing written). */
export type UnlinkIdentityResult = 'unlinked' | 'not_linked' | 'last_method';

/** Whether a device was seen before: `first` when the account had none recorded yet. */
export type DeviceSighting = 'first' | 'new' | 'known';

/**
 * An account's TOTP authenticator. `secret` is the sealed form (AES-256-GCM under a server key,
 * lib/auth/totp-secret.ts): the database alone cannot produce codes. A row with `enabledAt` null is
 * a setup in progress; only an enabled row asks for a second factor.
 */
export interface TwoFactorRecord {
  userId: string;
  secret: string;
  createdAt: number;
  /** When the first code confirmed the setup; null while pending. */
  enabledAt: number | null;
  /** The last RFC 6238 time step accepted (setup or sign-in): only a later step is accepted again. */
  lastUsedStep: number | null;
  /** Unused recovery codes left. */
  recoveryCodesLeft: number;
}

/** Which WebAuthn ceremony a challenge was issued for. */
export type PasskeyCeremony = 'registration' | 'authentication';

/**
 * A WebAuthn challenge kept on the server between the options and the verification of one ceremony.
 * The browser holds only `id` (in an HttpOnly cookie); the challenge itself is signed by the
 * authenticator. Single use: consuming it deletes it.
 */
export interface PasskeyChallenge {
  id: string;
  /** The base64url challenge the browser's authenticator signs. */
  challenge: string;
  ceremony: PasskeyCeremony;
  /** Registration: the signed-in user adding a passkey. Authentication: null (anyone may sign in). */
  userId: string | null;
  createdAt: number;
  expiresAt: number;
}

/** How a credential's key is kept: on one device, or synced between a user's devices. */
export type PasskeyDeviceType = 'singleDevice' | 'multiDevice';

/** A passkey (WebAuthn credential) as stored. None of it is secret: the private key never leaves the authenticator. */
export interface PasskeyRecord {
  /** Our own random id (URLs, the account page); not the credential id. */
  id: string;
  userId: string;
  /** The authenticator's credential id, base64url; unique across all users. */
  credentialId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter as last seen (0: it keeps none). */
  counter: number;
  /** Transport hints (`internal`, `hybrid`, `usb`, …) the browser reported at registration. */
  transports: string[];
  deviceType: PasskeyDeviceType;
  backedUp: boolean;
  /** A name the user recognises it by, e.g. "Chrome on macOS". */
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export type NewPasskey = Omit<PasskeyRecord, 'lastUsedAt'>;

/** What recording a passkey sign-in did: the counter moved on, went backwards (refused), or the passkey is gone. */
export type PasskeyUse = 'used' | 'counter_regressed' | 'not_found';

/**
 * An API key as stored (lib/auth/api-keys.ts). `id` is the key's public part; `secretMac` a MAC of
 * its secret under a server key, never the secret: the database alone can neither use nor
 * recognise a key.
 */
export interface NewApiKey {
  id: string;
  userId: string;
  name: string;
  secretMac: string;
  createdAt: number;
  /** Null: never expires. */
  expiresAt: number | null;
}

export interface ApiKeyRecord extends NewApiKey {
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  revokedAt: number | null;
}

/** Why a new API key was not stored. */
export type ApiKeyCreation = 'created' | 'too_many' | 'no_user';

/**
 * An OAuth authorization code (RFC 6749 §4.1, RFC 8252) as stored. `id` is the SHA-256 of the code,
 * never the code. It names the session its exchange will create (`sessionId`), so a replayed code
 * can revoke exactly that session (RFC 6749 §4.1.2).
 */
export interface NewAuthorizationCode {
  id: string;
  clientId: string;
  redirectUri: string;
  /** The PKCE S256 challenge (RFC 7636) the code_verifier must hash to. */
  codeChallenge: string;
  userId: string;
  /** The browser session that approved the code, and how it signed in (the native session inherits the method). */
  browserSessionId: string;
  method: SignInMethod;
  /** The id of the native session an exchange creates. */
  sessionId: string;
  createdAt: number;
  expiresAt: number;
}

export interface AuthorizationCodeRecord extends NewAuthorizationCode {
  usedAt: number | null;
}

/** What the exchange of a code wants written: the new session and its events; null refuses (the code is used up all the same). */
export type CodeExchange = { session: NewSession; events: readonly NewSecurityEvent[] } | null;

/**
 * What redeeming a code did: `redeemed` (its session created), `refused` (the exchange said no;
 * the code is now used), `replayed` (it was used before: its session is revoked, `revoked` says
 * whether it was still live), or `invalid` (unknown, or expired unused).
 */
export type CodeRedemption =
  | { outcome: 'redeemed'; code: AuthorizationCodeRecord }
  | { outcome: 'refused'; code: AuthorizationCodeRecord }
  | { outcome: 'replayed'; code: AuthorizationCodeRecord; revoked: boolean }
  | { outcome: 'invalid' };

export interface HousekeepingCutoffs {
  /** Sessions revoked, idle-expired or past their absolute expiry before this instant. */
  sessionsEndedBefore: number;
  /** Security events recorded before this instant (90 days). */
  eventsBefore: number;
  /** Rate-limit rows last touched before this instant (their window is over). */
  rateLimitsBefore: number;
  /** One-time links used or expired before this instant. */
  tokensEndedBefore: number;
  /** Known devices last seen before this instant. */
  devicesBefore: number;
  /** Passkey challenges that expired before this instant (never consumed: the ceremony was abandoned). */
  passkeyChallengesBefore: number;
  /** Authorization codes that expired before this instant (used or not). */
  authorizationCodesBefore: number;
}

export interface HousekeepingResult {
  sessions: number;
  events: number;
  rateLimits: number;
  oneTimeTokens: number;
  devices: number;
  passkeyChallenges: number;
  authorizationCodes: number;
}

export interface Store {
  /** `sqlite` or `postgres`, for logs and benchmarks. */
  readonly dialect: 'sqlite' | 'postgres';

  /** Connects and applies pending migrations (also done before the first call of any method). */
  ready(): Promise<void>;

  // Users
  findUserById(id: string): Promise<UserRecord | null>;
  /** The user and password hash for a sign-in or a password check. */
  findCredentials(where: { email: string } | { id: string }): Promise<Credentials | null>;
  /**
   * Creates a user, their first session (none when registration does not sign in, see
   * REQUIRE_EMAIL_VERIFICATION) and the given events in one atomic write. Returns null (and writes
   * nothing) when the email is taken.
   */
  register(user: NewUser, session: NewSession | null, events: readonly NewSecurityEvent[], now: number): Promise<UserRecord | null>;
  /** Replaces a hash with a stronger one of the same password, only if it is still `oldHash`. */
  rehashPassword(userId: string, oldHash: string, newHash: string, now: number): Promise<boolean>;
  /**
   * Atomically: re-checks the confirmation, stores `newHash`, revokes every other live session of
   * the user (one `revokedEvent` per revoked session), deletes every one-time link of the user
   * (a password change kills them) and writes `events`. Returns the revoked ids.
   */
  changePassword(confirmation: Confirmation, newHash: string, revokedEvent: RevocationEvent, events: readonly NewSecurityEvent[]): Promise<Rechecked<string[]>>;
  /**
   * Atomically: re-checks the confirmation, strips the user's security events of personal data,
   * deletes every session, the rate-limit rows in `rateLimitKeys` and the user, and writes `events`.
   */
  deleteAccount(confirmation: Confirmation, rateLimitKeys: readonly string[], events: readonly NewSecurityEvent[]): Promise<Rechecked<null>>;

  // One-time links
  /**
   * Stores a new link and deletes the user's older links of the same kind (a newer link
   * supersedes them), with `events`, atomically. False (nothing written) when the user is gone.
   */
  issueOneTimeToken(token: NewOneTimeToken, events: readonly NewSecurityEvent[]): Promise<boolean>;
  /** A live (unused, unexpired at `now`) link of that kind, without using it; null otherwise. */
  findOneTimeToken(id: string, kind: OneTimeTokenKind, now: number): Promise<OneTimeTokenRecord | null>;
  /**
   * Atomically: uses the live `password_reset` link `tokenId` (compare-and-set: of two racing
   * uses one wins), stores `newHash`, marks the email verified (the link proved the mailbox),
   * revokes every session of the user (one `revokedEvent` each), deletes the user's other links
   * and writes `events` (their userId is filled in). Null, writing nothing, when the link is not live.
   */
  resetPassword(tokenId: string, newHash: string, now: number, revokedEvent: Omit<RevocationEvent, 'userId'>, events: readonly Omit<NewSecurityEvent, 'userId'>[]): Promise<PasswordResetResult | null>;
  /**
   * Atomically: uses the live `email_verification` link `tokenId`, marks the user's email verified
   * (only if it is still the address the link was sent to) and writes `events` (userId filled in).
   * Returns the updated user, or null (nothing written) when the link is not live.
   */
  verifyEmail(tokenId: string, now: number, events: readonly Omit<NewSecurityEvent, 'userId'>[]): Promise<UserRecord | null>;
  /**
   * Atomically: uses the live `magic_link` link `tokenId` (compare-and-set: of two racing uses
   * one wins), marks the email verified (the link proved the mailbox; only if it is still the
   * address the link was sent to) and writes `events` (userId filled in). Returns the user, or
   * null (nothing written) when the link is not live or the address changed.
   */
  consumeSignInLink(tokenId: string, now: number, events: readonly Omit<NewSecurityEvent, 'userId'>[]): Promise<UserRecord | null>;
  /** Records that the user signed in from `device` at `now`; says whether it was new to the account. */
  rememberDevice(userId: string, device: string, now: number): Promise<DeviceSighting>;

  /**
   * Compare-and-set: marks the live (unused, unexpired at `now`) token `id` of `kind` used and
   * returns it; of two racing uses one wins. Null (nothing written) when it is not live.
   */
  consumeOneTimeToken(id: string, kind: OneTimeTokenKind, now: number): Promise<OneTimeTokenRecord | null>;

  // Two-factor authentication (TOTP and recovery codes)
  /** The user's authenticator, enabled or pending, with the count of unused recovery codes; null when none. */
  findTwoFactor(userId: string): Promise<TwoFactorRecord | null>;
  /**
   * Starts (or restarts) a setup: stores `secret` as the user's pending authenticator, replacing a
   * pending one. False, writing nothing, when two-factor is already enabled or the user is gone.
   */
  beginTwoFactorSetup(userId: string, secret: string, now: number): Promise<boolean>;
  /**
   * Atomically: turns the pending authenticator on, only if it is still pending with exactly
   * `secret` (the one the confirming code was checked against); records `step` as used; replaces
   * the user's recovery codes with `recoveryCodeHashes`; writes `events`. False, writing nothing, otherwise.
   */
  enableTwoFactor(userId: string, secret: string, step: number, recoveryCodeHashes: readonly string[], now: number, events: readonly NewSecurityEvent[]): Promise<boolean>;
  /**
   * Compare-and-set: records `step` as the last accepted time step of the user's enabled
   * authenticator, only if that authenticator still has `secret` and no step at or after `step`
   * was accepted. Of two racing uses of one code, one wins (checklist 63: each code once).
   */
  acceptTotpStep(userId: string, secret: string, step: number): Promise<boolean>;
  /**
   * Compare-and-set: marks the unused recovery code `codeHash` of a user whose two-factor is
   * enabled used, with `events`. False, writing nothing, when there is no such unused code.
   */
  consumeRecoveryCode(userId: string, codeHash: string, now: number, events: readonly NewSecurityEvent[]): Promise<boolean>;
  /** Deletes the user's enabled authenticator and every recovery code, with `events`, atomically. False when it was not enabled. */
  disableTwoFactor(userId: string, events: readonly NewSecurityEvent[]): Promise<boolean>;

  // Linked identities (OpenID Connect)
  /** The account a provider's subject is linked to, or null. */
  findUserByIdentity(provider: string, subject: string): Promise<UserRecord | null>;
  /** An account's linked identities, oldest first. */
  listLinkedIdentities(userId: string): Promise<LinkedIdentityRecord[]>;
  /**
   * Creates an account without a password and links the identity to it, with `events`, in one
   * atomic write. Null (nothing written) when the email or the identity is taken.
   */
  registerWithIdentity(user: NewProviderUser, identity: Omit<NewLinkedIdentity, 'userId'>, events: readonly NewSecurityEvent[], now: number): Promise<UserRecord | null>;
  /**
   * Links an identity to an existing account with `events`, atomically. When `verifiedEmail` is
   * given, links only if the account's email is still that address and verified (else `no_user`).
   */
  linkIdentity(identity: NewLinkedIdentity, events: readonly NewSecurityEvent[], verifiedEmail?: string): Promise<LinkIdentityResult>;
  /**
   * Removes the account's identity of `provider` with `events`, atomically, unless it is the last
   * way to sign in (no password and no other identity): then `last_method`, nothing written.
   */
  unlinkIdentity(userId: string, provider: string, events: readonly NewSecurityEvent[]): Promise<UnlinkIdentityResult>;

  // Sessions
  /** Stores a new session (sign-in), with its events. */
  insertSession(session: NewSession, events: readonly NewSecurityEvent[]): Promise<void>;
  findSession(id: string): Promise<SessionRecord | null>;
  /** The session and the user it belongs to, in one round trip (what every signed-in request checks). */
  findSessionWithUser(id: string): Promise<{ session: SessionRecord; user: UserRecord } | null>;
  /**
   * Compare-and-set: moves a live session from `generation` to `generation + 1`. False when another
   * request got there first or the session was revoked meanwhile.
   */
  rotateSession(id: string, generation: number, now: number, expiresAt: number, ip: string | null): Promise<boolean>;
  /** Revokes one session if it is not revoked yet; writes `events` only then. Returns whether it was. */
  revokeSession(id: string, reason: string, now: number, events: readonly NewSecurityEvent[]): Promise<boolean>;
  /**
   * Revokes every unrevoked session of a user except `keepSessionId`, writing one `revokedEvent`
   * per session ended, atomically. Returns the revoked ids.
   */
  revokeUserSessions(userId: string, reason: string, now: number, keepSessionId: string | null, revokedEvent: RevocationEvent): Promise<string[]>;
  /** A user's live sessions at `now`, newest first. */
  listLiveSessions(userId: string, now: number): Promise<SessionRecord[]>;

  // Security events
  addSecurityEvents(events: readonly NewSecurityEvent[]): Promise<void>;
  /** A user's most recent events of the given types, newest first. */
  listSecurityEvents(userId: string, types: readonly string[], limit: number): Promise<SecurityEventRecord[]>;

  // Rate limits
  /**
   * Reads the key's row, lets `decide` choose what to write, and writes it, as one atomic step per
   * key: concurrent consumes of one key (in any process) are serialised, so none is lost.
   * `decide` is synchronous and pure.
   */
  consumeRateLimit<T>(key: string, decide: (row: RateLimitRecord | null) => RateLimitOutcome<T>): Promise<T>;
  deleteRateLimit(key: string): Promise<void>;

  // Passkeys (WebAuthn)
  /** Stores a new challenge. */
  storePasskeyChallenge(challenge: PasskeyChallenge): Promise<void>;
  /**
   * Takes the challenge `id` of `ceremony` out of the database in one atomic step (of N racing
   * calls exactly one gets it) and returns it if it was still live at `now`; null when it is unknown,
   * of the other ceremony, already consumed or expired (an expired one is deleted all the same).
   */
  consumePasskeyChallenge(id: string, ceremony: PasskeyCeremony, now: number): Promise<PasskeyChallenge | null>;
  /**
   * Stores a passkey with `events`, atomically. False (nothing written) when its credential id is
   * already registered (to anyone) or the user is gone.
   */
  addPasskey(passkey: NewPasskey, events: readonly NewSecurityEvent[]): Promise<boolean>;
  /** A user's passkeys, oldest first. */
  listPasskeys(userId: string): Promise<PasskeyRecord[]>;
  /** The passkey with this credential id, whoever owns it; null when none. */
  findPasskeyByCredentialId(credentialId: string): Promise<PasskeyRecord | null>;
  /**
   * Compare-and-set on the signature counter after a verified assertion: stores `newCounter`,
   * `backedUp` and `lastUsedAt = now` only if `newCounter` is above the stored counter (or both are
   * 0: an authenticator that keeps no counter). `counter_regressed` (nothing written) otherwise.
   */
  recordPasskeyUse(id: string, newCounter: number, backedUp: boolean, now: number): Promise<PasskeyUse>;
  /** Deletes the user's passkey `id` (another user's is not found) and writes `events` only then; returns what was deleted. */
  deletePasskey(userId: string, id: string, events: readonly NewSecurityEvent[]): Promise<PasskeyRecord | null>;

  // API keys
  /**
   * Stores a new key and `events` atomically, unless the user is gone (`no_user`) or already holds
   * `maxActive` keys that are neither revoked nor expired at `key.createdAt` (`too_many`).
   */
  createApiKey(key: NewApiKey, maxActive: number, events: readonly NewSecurityEvent[]): Promise<ApiKeyCreation>;
  /** The key, in whatever state, and its user, in one round trip; null for an unknown id. */
  findApiKeyWithUser(id: string): Promise<{ key: ApiKeyRecord; user: UserRecord } | null>;
  /** A user's unrevoked keys (expired ones too, until housekeeping deletes them), newest first. */
  listApiKeys(userId: string): Promise<ApiKeyRecord[]>;
  /** Revokes the user's key `id` if it is not revoked yet, writing `events` only then. Returns whether it was. */
  revokeApiKey(userId: string, id: string, now: number, events: readonly NewSecurityEvent[]): Promise<boolean>;
  /**
   * Records a use of an unrevoked key from `ip` (null: unknown, keeps the last known). Writes
   * `lastUsedAt` only when the last write is at least `throttleMs` old or the address changed, so a
   * busy key does not write on every request. When `ip` is known and differs from the last recorded
   * address, also writes `newIpEvents`, in the same atomic step, and returns true.
   */
  recordApiKeyUse(id: string, ip: string | null, now: number, throttleMs: number, newIpEvents: readonly NewSecurityEvent[]): Promise<boolean>;
  /** Deletes keys revoked, or expired, before `before`; returns how many. */
  deleteEndedApiKeys(before: number): Promise<number>;

  // DPoP proofs (RFC 9449 replay cache)
  /**
   * Insert-if-absent, atomically: records the proof `id` as used until `expiresAt` and returns
   * true, or returns false (nothing written) when it is already recorded and still unexpired at
   * `now` (a replay). Of N racing calls with one id, exactly one gets true. A row expired at `now`
   * is taken over as if absent.
   */
  useDpopProof(id: string, expiresAt: number, now: number): Promise<boolean>;
  /** Deletes proof records expired at `before` (expiresAt <= before); returns how many. */
  deleteExpiredDpopProofs(before: number): Promise<number>;

  // OAuth authorization codes (native apps)
  /** Stores a new authorization code. */
  storeAuthorizationCode(code: NewAuthorizationCode): Promise<void>;
  /**
   * One atomic step (of N racing calls on one code exactly one sees it live): when the code `id`
   * is live (unused, unexpired at `now`) marks it used and, when `exchange` (synchronous, pure)
   * returns a session, inserts it with its events. When it was used before, revokes the session
   * it names (reason `authorization_code_replayed`) and writes `replayEvent` (userId and
   * sessionId filled in), whether or not that session was still live.
   */
  redeemAuthorizationCode(id: string, now: number, exchange: (code: AuthorizationCodeRecord) => CodeExchange, replayEvent: Omit<NewSecurityEvent, 'userId' | 'sessionId'>): Promise<CodeRedemption>;

  // Housekeeping
  /** Deletes ended sessions, old events, stale rate-limit rows, spent links, forgotten devices and abandoned passkey challenges; returns how many of each. */
  housekeeping(cutoffs: HousekeepingCutoffs): Promise<HousekeepingResult>;

  /** Closes connections (tests, scripts). The store cannot be used afterwards. */
  close(): Promise<void>;
}

/**
 * The database is unreachable, busy, overloaded or full: a condition that passes. The HTTP layer
 * answers 503 `service_unavailable` with Retry-After. `kind` is for logs; the message names no
 * path, host, SQL or driver code.
 */
const UNAVAILABLE = Symbol.for('next-token-auth.store-unavailable');

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly [UNAVAILABLE] = true;

  /**
   * Whether `error` is one, also when it comes from another copy of this module (a bundle that
   * holds two, or a test's fresh module graph), where `instanceof` would say no.
   */
  static is(error: unknown): error is StoreUnavailableError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[UNAVAILABLE] === true;
  }

  constructor(
    readonly kind: 'unreachable' | 'busy' | 'full' | 'closed',
    options: { cause?: unknown } = {},
  ) {
    super(`database ${kind}`, options);
  }
}
