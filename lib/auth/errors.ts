/**
 * Stable error codes and the one mapping from code to HTTP status and the contract's error body:
 * `{"error":{"code","message","fields"?}}`. Messages are fixed sentences written here; a raw library,
 * SQL or stack text never reaches a client.
 */
export const ERROR_STATUS = {
  validation_error: 400,
  invalid_json: 400,
  bad_request: 400,
  invalid_token: 400,
  invalid_passkey_challenge: 400,
  invalid_client: 400,
  invalid_redirect_uri: 400,
  passkey_registration_failed: 400,
  passkey_rejected: 401,
  unauthenticated: 401,
  invalid_credentials: 401,
  invalid_refresh_token: 401,
  invalid_code: 401,
  invalid_challenge: 401,
  forbidden_origin: 403,
  email_not_verified: 403,
  not_found: 404,
  method_not_allowed: 405,
  email_taken: 409,
  two_factor_enabled: 409,
  two_factor_not_enabled: 409,
  two_factor_setup_missing: 409,
  passkey_already_registered: 409,
  too_many_passkeys: 409,
  too_many_api_keys: 409,
  last_sign_in_method: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
  provider_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const MESSAGES: Record<ErrorCode, string> = {
  validation_error: 'Some fields are missing or invalid.',
  invalid_json: 'The request body is not valid JSON.',
  bad_request: 'The request is malformed or not supported.',
  invalid_token: 'This link is invalid, has expired or was already used. Please request a new one.',
  invalid_client: 'This app is not registered with this server, so it cannot sign you in.',
  invalid_redirect_uri: 'This app asked to be sent back to an address that is not registered for it, so the sign-in was stopped.',
  invalid_passkey_challenge: 'This passkey request has expired or was already used. Please try again.',
  passkey_registration_failed: 'The passkey could not be verified. Please try again.',
  passkey_rejected: 'This passkey was not accepted. Try another passkey or sign in with your password.',
  unauthenticated: 'You are not signed in, or your session has ended.',
  invalid_credentials: 'The email or password is incorrect.',
  invalid_refresh_token: 'Your session has ended. Please sign in again.',
  invalid_code: 'The code is incorrect or was already used.',
  invalid_challenge: 'This sign-in has expired or was already completed. Please enter your email and password again.',
  two_factor_enabled: 'Two-factor authentication is already on.',
  two_factor_not_enabled: 'Two-factor authentication is not on.',
  two_factor_setup_missing: 'Start the two-factor setup again: it was not started, or was replaced in another tab.',
  forbidden_origin: 'This request came from another site and was refused.',
  email_not_verified: 'Please verify your email address first. We have sent you a new link.',
  not_found: 'Not found.',
  method_not_allowed: 'This method is not allowed here.',
  email_taken: 'An account with this email already exists.',
  passkey_already_registered: 'This passkey is already registered.',
  too_many_passkeys: 'This account has as many passkeys as it can hold. Remove one first.',
  too_many_api_keys: 'You have reached the limit of API keys. Revoke one you no longer use first.',
  last_sign_in_method: 'This is the only way left to sign in to your account. Set a password or connect another provider first.',
  payload_too_large: 'The request body is too large.',
  unsupported_media_type: 'Send the request body as application/json.',
  rate_limited: 'Too many attempts. Please wait and try again.',
  internal_error: 'Something went wrong on our side. Please try again.',
  service_unavailable: 'The service is temporarily unavailable. Please try again shortly.',
  provider_unavailable: 'The sign-in provider cannot be reached right now. Please try again shortly, or sign in another way.',
};

export type FieldErrors = Record<string, string[]>;

/** An expected failure with a stable code; `cause` keeps the underlying error for logs only. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly code: ErrorCode,
    readonly details: { fields?: FieldErrors; retryAfterS?: number; cause?: unknown } = {},
  ) {
    super(MESSAGES[code], { cause: details.cause });
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; fields?: FieldErrors };
}

/** The contract's error body for a code. */
export function errorBody(code: ErrorCode, fields?: FieldErrors): ErrorBody {
  return { error: fields ? { code, message: MESSAGES[code], fields } : { code, message: MESSAGES[code] } };
}
