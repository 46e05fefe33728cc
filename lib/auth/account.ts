/**
 * Registration and sign-in. Unknown email and wrong password are indistinguishable: same error,
 * same bcrypt work, same throttling (checklist G32–G34).
 */
import 'server-only';
import type { Db } from '@/db/client';
import { findCredentials, insertUser, updatePasswordHash, type PublicUser } from '@/db/users';
import type { Config } from '@/lib/config';
import { AuthError } from './errors';
import { recordSecurityEvent, type ClientContext } from './events';
import { passwordProblems } from './password-policy';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './passwords';
import { consumeAccountAttempt, consumeIpAttempt, resetAccountAttempts } from './rate-limit';
import { issueTokens, openSession, refreshSession, revokeSession, sessionOfRefreshToken, startSession, type IssuedTokens } from './sessions';
import type { AccessTokenKeys } from './tokens';
import type { LoginInput, RegisterInput } from './validation';

export interface AuthDeps {
  db: Db;
  config: Config;
  keys: AccessTokenKeys;
}

export interface SignedIn {
  user: PublicUser;
  tokens: IssuedTokens;
}

/** Creates an account and signs it in; 409 `email_taken` when the email is in use. */
export async function registerUser({ db, config, keys }: AuthDeps, input: RegisterInput, client: ClientContext, now: number): Promise<SignedIn> {
  consumeIpAttempt(db, config, client, 'register', now);
  const problems = passwordProblems(input.password, input.email);
  if (problems.length > 0) throw new AuthError('validation_error', { fields: { password: problems } });
  const passwordHash = await hashPassword(input.password, config.bcryptCost);
  // The user and their first session are written together: never an account without its session.
  const created = db.$client.transaction(() => {
    const user = insertUser(db, { id: crypto.randomUUID(), email: input.email, name: input.name, passwordHash }, now);
    return user ? { user, session: openSession(db, config, user.id, client, now) } : null;
  })();
  if (!created) throw new AuthError('email_taken', { fields: { email: ['An account with this email already exists.'] } });
  const { user } = created;
  const tokens = await issueTokens(created.session, 0, config, keys, now);
  recordSecurityEvent(db, { type: 'user_registered', userId: user.id, sessionId: tokens.sessionId, client }, now);
  return { user, tokens };
}

/**
 * Checks credentials and starts a session; 401 `invalid_credentials` on any mismatch.
 * `previousRefreshToken` is the refresh cookie this browser still carries, if any: once the
 * password is accepted, the session it names ends (see endPreviousSession).
 */
export async function signIn({ db, config, keys }: AuthDeps, input: LoginInput, client: ClientContext, now: number, previousRefreshToken: string | null = null): Promise<SignedIn> {
  consumeIpAttempt(db, config, client, 'sign_in', now);
  // Keyed by the email as typed, whether or not an account has it (checklist G34).
  consumeAccountAttempt(db, config, input.email, client, 'sign_in', now);
  const found = findCredentials(db, { email: input.email });
  const ok = found ? await verifyPassword(input.password, found.passwordHash) : await verifyAgainstDummy(input.password, config.bcryptCost);
  if (!found || !ok) {
    recordSecurityEvent(db, { type: 'sign_in_failed', userId: found?.id ?? null, client, detail: { reason: found ? 'wrong_password' : 'unknown_email' } }, now);
    throw new AuthError('invalid_credentials');
  }
  resetAccountAttempts(db, input.email);
  const { passwordHash, ...user } = found;
  if (needsRehash(passwordHash, config.bcryptCost)) {
    // The cost was raised since this hash was made: upgrade it while we have the password.
    updatePasswordHash(db, user.id, await hashPassword(input.password, config.bcryptCost), now);
  }
  if (previousRefreshToken) endPreviousSession({ db, config }, previousRefreshToken, client, now);
  const tokens = await startSession(db, config, keys, user.id, client, now);
  recordSecurityEvent(db, { type: 'sign_in_succeeded', userId: user.id, sessionId: tokens.sessionId, client }, now);
  return { user, tokens };
}

/**
 * Ends the session of the refresh cookie a browser carried into a successful sign-in, whichever
 * account it belongs to. The sign-in overwrites that cookie, so the old session could never be
 * used from this browser again; left alive it would linger in the account's session list and keep
 * a working refresh token for anyone who copied the cookie earlier. A session of another account
 * (someone else signed in on this browser before) is orphaned the same way, so it ends too.
 * Only an authentic token counts: a made-up or foreign cookie ends nothing.
 */
function endPreviousSession({ db, config }: Pick<AuthDeps, 'db' | 'config'>, rawToken: string, client: ClientContext, now: number): void {
  const session = sessionOfRefreshToken(db, config, rawToken);
  if (session && session.revokedAt === null) revokeSession(db, session, 'signed_in_again', client, now);
}

/**
 * Exchanges the refresh cookie's token for a new pair; null means 401 `invalid_refresh_token`.
 * An authentic token is never rate limited: it involves no guessing, and refusing it would let
 * anyone who fills a shared IP bucket stop every user's silent refresh. Tokens that fail count
 * against the client's IP, and once it is over its limit they are answered 429.
 */
export async function renewSession({ db, config, keys }: AuthDeps, rawToken: string | null, client: ClientContext, now: number): Promise<IssuedTokens | null> {
  if (!rawToken) return null;
  const tokens = await refreshSession(db, config, keys, rawToken, client, now);
  if (!tokens) consumeIpAttempt(db, config, client, 'refresh', now);
  return tokens;
}
