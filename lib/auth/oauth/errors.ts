/**
 * OAuth 2.0 token endpoint errors (RFC 6749 §5.2): `{"error","error_description"}`, not the
 * contract's `{"error":{"code","message"}}` used by the rest of the API, because OAuth clients and
 * libraries read this shape. Every answer carries `Cache-Control: no-store` and `Pragma: no-cache`
 * (RFC 6749 §5.1) and never sets a cookie.
 */
import 'server-only';
import { StoreUnavailableError } from '@/db/store';
import { AuthResponse, json } from '@/lib/http/response';
import { AuthError } from '../errors';

export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope' | 'unsupported_token_type' | 'invalid_dpop_proof';

const DESCRIPTIONS: Record<OAuthErrorCode, string> = {
  invalid_request: 'The request is missing a parameter, repeats one, or is otherwise malformed.',
  invalid_client: 'Client authentication failed.',
  invalid_grant: 'The grant is invalid, expired or revoked.',
  unauthorized_client: 'This client may not use this grant type.',
  unsupported_grant_type: 'This grant type is not supported.',
  invalid_scope: 'The requested scope is invalid.',
  unsupported_token_type: 'This kind of token cannot be revoked here.',
  // RFC 9449 §5: the DPoP proof is missing where the grant needs one, invalid, or replayed.
  invalid_dpop_proof: 'The DPoP proof is missing, invalid, or was already used.',
};

/** An RFC 6749 §5.2 error; `description` replaces the default sentence (never a secret or a library's text). */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string = DESCRIPTIONS[code],
  ) {
    super(description);
  }
}

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/** A token endpoint JSON answer that no cache keeps. */
export function oauthJson(body: unknown, status = 200, headers: Record<string, string> = {}): AuthResponse {
  return json(body, status, { ...headers, ...NO_STORE });
}

/** RFC 7009 §2.2: 200 with an empty body, for a revoked, unknown or already revoked token alike. */
export function oauthEmpty(): AuthResponse {
  return new AuthResponse(null, { status: 200, headers: NO_STORE });
}

/** The response for any error thrown while handling a token request. */
export function oauthErrorResponse(error: unknown): AuthResponse {
  if (error instanceof OAuthError) return oauthJson({ error: error.code, error_description: error.description }, 400);
  if (error instanceof AuthError) {
    switch (error.code) {
      case 'rate_limited':
        return oauthJson({ error: 'rate_limited', error_description: error.message }, 429, { 'Retry-After': String(error.details.retryAfterS ?? 1) });
      case 'forbidden_origin':
        return oauthJson({ error: 'invalid_request', error_description: error.message }, 403);
      case 'payload_too_large':
        return oauthJson({ error: 'invalid_request', error_description: error.message }, 413);
      case 'unsupported_media_type':
        return oauthJson({ error: 'invalid_request', error_description: 'Send the request body as application/x-www-form-urlencoded.' }, 400);
      case 'invalid_json':
      case 'bad_request':
        return oauthJson({ error: 'invalid_request', error_description: DESCRIPTIONS.invalid_request }, 400);
      case 'service_unavailable':
        break;
      default:
        return oauthJson({ error: 'invalid_request', error_description: error.message }, error.status);
    }
  }
  if (StoreUnavailableError.is(error) || (error instanceof AuthError && error.code === 'service_unavailable')) {
    return oauthJson({ error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable. Please try again shortly.' }, 503, { 'Retry-After': '5' });
  }
  const kind = error instanceof Error ? error.name : typeof error;
  console.error(JSON.stringify({ level: 'error', event: 'unhandled_error', kind, at: new Date().toISOString() }));
  return oauthJson({ error: 'server_error', error_description: 'Something went wrong on our side. Please try again.' }, 500);
}
