/**
 * The shapes of the passkey routes' request bodies, checked with zod before anything reaches
 * @simplewebauthn/server: the JSON forms of a WebAuthn credential (RegistrationResponseJSON,
 * AuthenticationResponseJSON), field by field, with sizes capped. The bytes inside (client data,
 * authenticator data, attestation, signature) are parsed and verified by the library only.
 */
import { z } from 'zod';

/** base64url without padding, non-empty, at most `max` characters. */
const base64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'Must be base64url.');

/** WebAuthn allows credential ids up to 1023 bytes (1364 base64url characters). */
const credentialId = base64url(1364);

const clientExtensionResults = z
  .object({ credProps: z.object({ rk: z.boolean().optional() }).optional() })
  .optional()
  .transform((value) => value ?? {});

const credentialFields = {
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults,
};

/** The id and rawId of a credential are the same bytes; a response where they differ is forged. */
const sameIds = (credential: { id: string; rawId: string }) => credential.id === credential.rawId;

export const registrationResponseSchema = z
  .object({
    ...credentialFields,
    response: z.object({
      clientDataJSON: base64url(4096),
      attestationObject: base64url(8192),
      authenticatorData: base64url(4096).optional(),
      // Hints only; unknown future values are kept as text, never trusted for anything.
      transports: z.array(z.string().max(32)).max(10).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: base64url(4096).optional(),
    }),
  })
  .refine(sameIds, { message: 'id and rawId differ.', path: ['rawId'] });

export const authenticationResponseSchema = z
  .object({
    ...credentialFields,
    response: z.object({
      clientDataJSON: base64url(4096),
      authenticatorData: base64url(4096),
      signature: base64url(2048),
      userHandle: base64url(256).optional(),
    }),
  })
  .refine(sameIds, { message: 'id and rawId differ.', path: ['rawId'] });

/** A passkey's name as the user may set it: trimmed, 1 to 64 characters. */
export const passkeyNameSchema = z.string().trim().min(1, 'Give the passkey a name.').max(64, 'At most 64 characters.');

export const addPasskeySchema = z.object({ response: registrationResponseSchema, name: passkeyNameSchema.optional() });
export const passkeySignInSchema = z.object({ response: authenticationResponseSchema });
/** The options routes take no input; an empty object (or no body) is all they accept. */
export const passkeyOptionsSchema = z.strictObject({});

export type AddPasskeyInput = z.output<typeof addPasskeySchema>;
export type PasskeySignInInput = z.output<typeof passkeySignInSchema>;
