/**
 * The one place a native app's tokens become a token endpoint answer (RFC 6749 §5.1): both the
 * authorization_code and the refresh_token grant end here. Nothing is set as a cookie.
 */
import 'server-only';
import { toSeconds } from '@/lib/duration';
import type { IssuedTokens } from '../session-tokens';

export interface NativeTokenResponse {
  access_token: string;
  /** `DPoP` when the tokens are bound to the key of the request's proof (RFC 9449 §5). */
  token_type: 'Bearer' | 'DPoP';
  /** Seconds until the access token expires. */
  expires_in: number;
  refresh_token: string;
}

/** The RFC 6749 §5.1 body for a session's new pair. */
export function nativeTokenResponse(tokens: IssuedTokens, now: number): NativeTokenResponse {
  return { access_token: tokens.accessToken, token_type: tokens.dpopJkt === null ? 'Bearer' : 'DPoP', expires_in: toSeconds(tokens.accessExpiresAt - now), refresh_token: tokens.refreshToken };
}
