/**
 * The suite's ports, shared by the config (runner and workers) and the specs: the app on E2E_PORT
 * (default 3100), its mail sink's SMTP and HTTP ports 1000 and 1001 above it (or E2E_SMTP_PORT and
 * the next one).
 */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
export const MAIL_SINK_SMTP_PORT = Number(process.env.E2E_SMTP_PORT ?? E2E_PORT + 1000);
export const MAIL_SINK_HTTP_PORT = MAIL_SINK_SMTP_PORT + 1;
export const MAIL_SINK_HTTP = `http://127.0.0.1:${MAIL_SINK_HTTP_PORT}`;
/** The suite's OpenID Provider (tests/e2e/oidc-issuer-server.ts): 1002 above E2E_PORT. */
export const OIDC_ISSUER_PORT = Number(process.env.E2E_OIDC_PORT ?? E2E_PORT + 1002);
export const OIDC_ISSUER = `http://127.0.0.1:${OIDC_ISSUER_PORT}`;
