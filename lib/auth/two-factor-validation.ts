/**
 * Input schemas of two-factor authentication (second sign-in step, setup, turning off). Client-safe.
 * A code is typed by people: spaces are dropped before it is checked.
 */
import { z } from 'zod';
import { PASSWORD_MAX } from './validation';

const codeSchema = z
  .string({ message: 'Enter the 6-digit code from your authenticator app.' })
  .transform((code) => code.replace(/\s/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app.'));

/** Shape is checked by lib/auth/recovery-codes.ts; here only bounded. */
const recoveryCodeSchema = z.string({ message: 'Enter one of your recovery codes.' }).trim().min(1, 'Enter one of your recovery codes.').max(64, 'Recovery codes are shorter than that.');

const passwordSchema = z
  .string({ message: 'Enter your password.' })
  .min(1, 'Enter your password.')
  .refine((pw) => [...pw].length <= PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters.`);

/** Exactly one of the keys present, or a field error naming the first. */
function exactlyOne<K extends string>(keys: readonly K[], message: string) {
  return (value: Partial<Record<K, unknown>>, ctx: z.RefinementCtx) => {
    const present = keys.filter((key) => value[key] !== undefined);
    if (present.length !== 1) ctx.addIssue({ code: 'custom', path: [keys[0] ?? '_'], message });
  };
}

/** POST /api/auth/login/two-factor: `{"code"}` or `{"recoveryCode"}`. */
export const secondStepSchema = z
  .strictObject({ code: codeSchema.optional(), recoveryCode: recoveryCodeSchema.optional() })
  .superRefine(exactlyOne(['code', 'recoveryCode'], 'Enter the code from your authenticator app or a recovery code.'))
  .transform((input) => (input.code !== undefined ? { code: input.code } : { recoveryCode: input.recoveryCode ?? '' }));

/** POST /api/auth/two-factor/enable: the first code from the new authenticator. */
export const enableTwoFactorSchema = z.strictObject({ code: codeSchema });

/** POST /api/auth/two-factor/disable: the password, a code or a recovery code. */
export const disableTwoFactorSchema = z
  .strictObject({ password: passwordSchema.optional(), code: codeSchema.optional(), recoveryCode: recoveryCodeSchema.optional() })
  .superRefine(exactlyOne(['password', 'code', 'recoveryCode'], 'Enter your password or a code.'));

/** POST /api/auth/two-factor/setup takes no fields. */
export const startTwoFactorSetupSchema = z.strictObject({});

export type SecondStepInput = z.output<typeof secondStepSchema>;
export type DisableTwoFactorInput = z.output<typeof disableTwoFactorSchema>;
