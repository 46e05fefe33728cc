/**
 * Input schemas shared by the API and the forms (contract: emails trimmed and compared
 * case-insensitively; passwords 8–128 characters, no composition rules). Edge- and client-safe.
 */
import { z } from 'zod';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/** Characters as people count them: code points, so an emoji is one character, not two. */
const codePoints = (value: string) => [...value].length;

export const emailSchema = z
  .string({ message: 'Enter your email address.' })
  .trim()
  .max(254, 'Email addresses are at most 254 characters.')
  .pipe(z.email({ message: 'Enter a valid email address.' }))
  .transform((email) => email.toLowerCase());

export const passwordSchema = z
  .string({ message: 'Enter a password.' })
  .refine((pw) => codePoints(pw) >= PASSWORD_MIN, `Use at least ${PASSWORD_MIN} characters.`)
  .refine((pw) => codePoints(pw) <= PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters.`);

/** A password being checked, not chosen: any non-empty string up to the maximum. */
const passwordAttemptSchema = z
  .string({ message: 'Enter your password.' })
  .min(1, 'Enter your password.')
  .refine((pw) => codePoints(pw) <= PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters.`);

const nameSchema = z
  .string({ message: 'Name must be text.' })
  .trim()
  .max(100, 'Use at most 100 characters.')
  .nullish()
  .transform((name) => (name ? name : null));

export const registerSchema = z.object({ email: emailSchema, password: passwordSchema, name: nameSchema });
export const loginSchema = z.object({ email: emailSchema, password: passwordAttemptSchema });
export const logoutSchema = z.object({ scope: z.enum(['current', 'others', 'all']).default('current') });
export const changePasswordSchema = z.object({ currentPassword: passwordAttemptSchema, newPassword: passwordSchema });
export const deleteAccountSchema = z.object({ password: passwordAttemptSchema });

/** A link token as pasted from a mail: checked for shape by lib/auth/link-tokens.ts, here only bounded. */
const linkTokenSchema = z.string({ message: 'The link is missing its token.' }).min(1, 'The link is missing its token.').max(256, 'The link token is too long.');

export const forgotPasswordSchema = z.object({ email: emailSchema });
export const resetPasswordSchema = z.object({ token: linkTokenSchema, newPassword: passwordSchema });
export const verifyEmailSchema = z.object({ token: linkTokenSchema });
export const resendVerificationSchema = z.strictObject({});
/**
 * `next`: where to land once signed in, as /login's `?next=`. Only its type and length are
 * checked here; a value that is not a same-site path is dropped later (safeNextPath), not refused,
 * as POST /api/auth/oauth/<id> does.
 */
export const magicLinkRequestSchema = z.object({
  email: emailSchema,
  next: z.string({ message: 'Where to go after signing in must be a path.' }).max(2048, 'Where to go after signing in is too long.').optional(),
});
export const magicLinkSignInSchema = z.object({ token: linkTokenSchema });

export type RegisterInput = z.output<typeof registerSchema>;
export type LoginInput = z.output<typeof loginSchema>;
