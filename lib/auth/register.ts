/** Registration (POST /api/auth/register): a new account, signed in on its first session. */
import 'server-only';
import type { UserRecord } from '@/db/store';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { logSecurityEvents, securityEvent, type ClientContext } from './events';
import { passwordProblems } from './password-policy';
import { hashPassword } from './passwords';
import { issueTokens, newSession, type IssuedTokens } from './session-tokens';
import type { RegisterInput } from './validation';

export interface SignedIn {
  user: UserRecord;
  tokens: IssuedTokens;
}

/** Creates an account and signs it in; 409 `email_taken` when the email is in use. */
export async function registerUser({ store, config, keys, limits }: AuthDeps, input: RegisterInput, client: ClientContext, now: number): Promise<SignedIn> {
  await limits.consumeIp(store, config, client, 'register', now);
  const problems = passwordProblems(input.password, input.email);
  if (problems.length > 0) throw new AuthError('validation_error', { fields: { password: problems } });
  const passwordHash = await hashPassword(input.password, config.bcryptCost);
  const userId = crypto.randomUUID();
  const session = newSession(config, userId, client, now);
  const event = securityEvent({ type: 'user_registered', userId, sessionId: session.id, client }, now);
  // The user, their first session and the event are one write: never an account without its session.
  const user = await store.register({ id: userId, email: input.email, name: input.name, passwordHash }, session, [event], now);
  if (!user) throw new AuthError('email_taken', { fields: { email: ['An account with this email already exists.'] } });
  logSecurityEvents([event]);
  return { user, tokens: await issueTokens(session, 0, config, keys, now) };
}
