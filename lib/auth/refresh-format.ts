/**
 * The shape of a refresh token, `<session id>.<generation>.<MAC>`, edge-safe so the middleware can
 * drop garbage cookies without calling the refresh route (lib/auth/refresh.ts and refresh-token.ts do the real check).
 */
export const REFRESH_TOKEN_FORMAT = /^([A-Za-z0-9_-]{22})\.(0|[1-9]\d{0,8})\.([A-Za-z0-9_-]{43})$/;

/** Whether a value is shaped like a refresh token we could have issued. */
export function looksLikeRefreshToken(value: string): boolean {
  return REFRESH_TOKEN_FORMAT.test(value);
}
