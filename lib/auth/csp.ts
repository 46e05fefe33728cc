/**
 * Content-Security-Policy with a fresh nonce per request (checklist K47). Edge-safe.
 * Scripts run only with the nonce ('strict-dynamic' lets Next's own chunks load); no
 * 'unsafe-inline' for scripts. Styles allow inline attributes, which React's `style` prop needs.
 */

/** A 128-bit random nonce, base64-encoded. */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/** The policy for a nonce; development adds 'unsafe-eval', which React's dev tooling needs. */
export function contentSecurityPolicy(nonce: string, production: boolean): string {
  return [
    `default-src 'self'`,
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${production ? '' : " 'unsafe-eval'"}`,
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data: blob:`,
    `font-src 'self'`,
    `connect-src 'self'${production ? '' : ' ws: wss:'}`,
    `object-src 'none'`,
    `base-uri 'none'`,
    `form-action 'self'`,
    `frame-ancestors 'none'`,
  ].join('; ');
}
