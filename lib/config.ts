/**
 * The one place that reads `process.env`. Parsed once with zod, on first use; an invalid
 * configuration throws a ConfigError whose message is one line saying what to set.
 *
 * Edge-safe: the middleware imports this module, so it reads each variable by name (the edge
 * runtime does not promise an enumerable `process.env`) and imports nothing from Node.
 */
import { z } from 'zod';
import type { DatabaseTarget } from '@/db/store';
import { parseDuration } from './duration';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const MIN_SECRET_BYTES = 32;
/** The contract's default work factor, and the least a production server should run with. */
const DEFAULT_BCRYPT_COST = 12;
/** Values that are clearly placeholders, never real secrets (checklist A8). */
const PLACEHOLDER = /change[-_ ]?me|example|placeholder|replace|your[-_ ]?secret|^secret$/i;

const utf8Length = (value: string) => new TextEncoder().encode(value).length;

const duration = (name: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a duration such as 90s, 15m, 2h, 7d or plain seconds` });
      return z.NEVER;
    }
    return ms;
  });

const limit = (name: string) =>
  z.string().transform((text, ctx) => {
    const [count, window, extra] = text.split('/');
    const max = Number(count);
    const windowMs = window === undefined ? null : parseDuration(window);
    if (extra !== undefined || !Number.isInteger(max) || max < 1 || windowMs === null) {
      ctx.addIssue({ code: 'custom', message: `${name} must be written <count>/<duration>, e.g. 10/15m` });
      return z.NEVER;
    }
    return { max, windowMs };
  });

const flag = (name: string) =>
  z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: `${name} must be true or false` }).transform((v) => v === 'true' || v === '1' || v === 'yes');

const secret = (name: string, missing: string) =>
  z
    .string({ error: missing })
    .refine((v) => utf8Length(v) >= MIN_SECRET_BYTES, `${name} must be at least ${MIN_SECRET_BYTES} bytes (try: openssl rand -hex 32)`)
    .refine((v) => !PLACEHOLDER.test(v) && new Set(v).size >= 8, `${name} looks like a placeholder; set a random value (try: openssl rand -hex 32)`);

/** An smtp:// or smtps:// URL with a host. */
function isSmtpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** One OpenID Connect provider, from `OIDC_<ID>_ISSUER`, `_CLIENT_ID`, `_CLIENT_SECRET` and optional `_NAME`. */
export interface OidcProviderConfig {
  /** `<ID>` in lower case: the provider's id in URLs (`/api/auth/oauth/<id>/callback`) and sessions (`oidc:<id>`). */
  id: string;
  /** Shown on buttons: `Sign in with <name>`. */
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

const OIDC_VARIABLE = /^OIDC_([A-Z0-9]+)_(ISSUER|CLIENT_ID|CLIENT_SECRET|NAME)$/;

/** Whether a URL hostname is the loopback interface (where an http issuer is allowed: tests, local IdPs). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * The providers of an environment, sorted by id, or the one-line problems with them. Every
 * provider needs its issuer (https, or http on loopback only), client id and secret.
 */
export function parseOidcProviders(env: Record<string, string | undefined>): { providers: OidcProviderConfig[]; problems: string[] } {
  const found = new Map<string, Partial<Record<'ISSUER' | 'CLIENT_ID' | 'CLIENT_SECRET' | 'NAME', string>>>();
  for (const [name, value] of Object.entries(env)) {
    const match = OIDC_VARIABLE.exec(name);
    if (!match || value === undefined || value === '') continue;
    const [, id = '', field] = match;
    const entry = found.get(id) ?? {};
    entry[field as 'ISSUER'] = value;
    found.set(id, entry);
  }
  const providers: OidcProviderConfig[] = [];
  const problems: string[] = [];
  for (const [ID, entry] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
    const missing = (['ISSUER', 'CLIENT_ID', 'CLIENT_SECRET'] as const).filter((field) => !entry[field]);
    if (missing.length > 0) {
      problems.push(`${missing.map((field) => `OIDC_${ID}_${field}`).join(' and ')} must be set for the OIDC provider ${ID}`);
      continue;
    }
    let issuer: URL;
    try {
      issuer = new URL(entry.ISSUER ?? '');
    } catch {
      problems.push(`OIDC_${ID}_ISSUER must be the provider's issuer URL, e.g. https://accounts.google.com`);
      continue;
    }
    if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname))) {
      problems.push(`OIDC_${ID}_ISSUER must be an https:// URL (http:// only on 127.0.0.1 or localhost)`);
      continue;
    }
    const id = ID.toLowerCase();
    const name = entry.NAME?.trim() || id.charAt(0).toUpperCase() + id.slice(1);
    providers.push({ id, name: name.slice(0, 60), issuer: entry.ISSUER ?? '', clientId: entry.CLIENT_ID ?? '', clientSecret: entry.CLIENT_SECRET ?? '' });
  }
  return { providers, problems };
}

/** DATABASE_URL: `file:<path>` (or a bare path) for SQLite, `postgres://…` for PostgreSQL. */
const databaseUrl = z
  .string()
  .prefault('file:./data/app.db')
  .transform((url, ctx): DatabaseTarget => {
    if (/^postgres(ql)?:\/\//.test(url)) {
      try {
        const parsed = new URL(url);
        if (!parsed.hostname) throw new TypeError('no host');
      } catch {
        // Never echo the URL: it carries the database password.
        ctx.addIssue({ code: 'custom', message: 'DATABASE_URL is not a valid postgres:// URL (postgres://user:password@host:5432/database)' });
        return z.NEVER;
      }
      return { dialect: 'postgres', url };
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
      ctx.addIssue({ code: 'custom', message: 'DATABASE_URL must be file:<path> (SQLite) or postgres://… (PostgreSQL)' });
      return z.NEVER;
    }
    return { dialect: 'sqlite', path: url.replace(/^file:/, '') };
  });

/** The database a DATABASE_URL names (for scripts that need nothing else of the configuration). */
export function parseDatabaseUrl(value: string | undefined): DatabaseTarget {
  const parsed = databaseUrl.safeParse(value || undefined);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

/** A machine client known by its certificate (MTLS_CLIENTS): by subject, or by SHA-256 fingerprint. */
export type MtlsClient = { clientId: string; subject: string } | { clientId: string; sha256: string };

const clientId = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'each MTLS_CLIENTS clientId must be 1 to 64 letters, digits or . _ : -');

/** MTLS_CLIENTS: a JSON array of {"clientId","subject"} or {"clientId","sha256"} (hex, colons allowed). */
const mtlsClients = z
  .string()
  .transform((text, ctx): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'MTLS_CLIENTS must be a JSON array of {"clientId","subject"} or {"clientId","sha256"}' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(
        z.union(
          [
            z.strictObject({ clientId, subject: z.string().trim().min(3).max(1024).includes('=') }, { error: 'MTLS_CLIENTS entries have only clientId and subject, or clientId and sha256' }),
            z.strictObject(
              {
                clientId,
                sha256: z
                  .string()
                  .transform((hex) => hex.replaceAll(':', '').toLowerCase())
                  .refine((hex) => /^[0-9a-f]{64}$/.test(hex), 'each MTLS_CLIENTS sha256 must be 64 hex digits (colons allowed)'),
              },
              { error: 'MTLS_CLIENTS entries have only clientId and subject, or clientId and sha256' },
            ),
          ],
          { message: 'MTLS_CLIENTS must be a JSON array of {"clientId","subject"} or {"clientId","sha256"}' },
        ),
        { message: 'MTLS_CLIENTS must be a JSON array of {"clientId","subject"} or {"clientId","sha256"}' },
      )
      .max(1000, 'MTLS_CLIENTS may name at most 1000 clients')
      .refine((clients) => new Set(clients.map((client) => client.clientId)).size === clients.length, 'each MTLS_CLIENTS clientId must be unique'),
  );

/** A native app (NATIVE_CLIENTS): a public client that signs users in through the system browser (RFC 8252). */
export interface NativeClient {
  clientId: string;
  redirectUris: string[];
}

/** `http://127.0.0.1[:port]/path` or `http://[::1][:port]/path`: host, port and the rest, split without any URL normalisation. */
export const LOOPBACK_REDIRECT = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?(\/[^#\s]*)?$/;
/** A private-use scheme in reverse-domain form (RFC 8252 §7.1), e.g. `com.example.app:/callback`. */
const PRIVATE_USE_REDIRECT = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:[^#\s]+$/;

/** Why a configured redirect URI is refused, or null when it is one RFC 8252 allows. */
function redirectUriProblem(uri: string): string | null {
  if (uri.length > 512) return 'is longer than 512 characters';
  if (uri.includes('#')) return 'must not contain a fragment';
  if (LOOPBACK_REDIRECT.test(uri)) return null;
  if (/^http:\/\/localhost(?=[:/]|$)/i.test(uri)) return 'uses localhost: use http://127.0.0.1 or http://[::1] instead (RFC 8252 §7.3, §8.3)';
  if (/^https?:/i.test(uri)) return 'must be a loopback http://127.0.0.1 or http://[::1] URI, or a private-use scheme such as com.example.app:/callback';
  if (PRIVATE_USE_REDIRECT.test(uri)) return null;
  return 'must be a private-use scheme in reverse-domain form (com.example.app:/callback, RFC 8252 §7.1) or a loopback http://127.0.0.1 URI';
}

const NATIVE_SHAPE = 'NATIVE_CLIENTS must be a JSON array of {"clientId","redirectUris":[…]}';

/** NATIVE_CLIENTS: a JSON array of {"clientId","redirectUris":[…]}. */
const nativeClients = z
  .string()
  .transform((text, ctx): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: NATIVE_SHAPE });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(
        z.strictObject(
          {
            clientId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'each NATIVE_CLIENTS clientId must be 1 to 64 letters, digits or . _ : -'),
            redirectUris: z
              .array(
                z.string().superRefine((uri, ctx) => {
                  const problem = redirectUriProblem(uri);
                  // Redirect URIs are not secrets: naming the bad one is what makes the message useful.
                  if (problem) ctx.addIssue({ code: 'custom', message: `NATIVE_CLIENTS redirect URI ${JSON.stringify(uri.slice(0, 80))} ${problem}` });
                }),
                { error: NATIVE_SHAPE },
              )
              .min(1, 'each NATIVE_CLIENTS entry needs at least one redirect URI')
              .max(20, 'each NATIVE_CLIENTS entry may have at most 20 redirect URIs'),
          },
          { error: NATIVE_SHAPE },
        ),
        { error: NATIVE_SHAPE },
      )
      .max(100, 'NATIVE_CLIENTS may name at most 100 clients')
      .refine((clients) => new Set(clients.map((client) => client.clientId)).size === clients.length, 'each NATIVE_CLIENTS clientId must be unique'),
  );

function buildSchema(production: boolean) {
  const missingSecret = (name: string) =>
    production
      ? `${name} is required in production (at least ${MIN_SECRET_BYTES} bytes; try: openssl rand -hex 32)`
      : `${name} is not set; \`npm run dev\` generates one in ./data, or set it in .env.local`;
  return z
    .object({
      DATABASE_URL: databaseUrl,
      ACCESS_TOKEN_SECRET: secret('ACCESS_TOKEN_SECRET', missingSecret('ACCESS_TOKEN_SECRET')),
      REFRESH_TOKEN_SECRET: secret('REFRESH_TOKEN_SECRET', missingSecret('REFRESH_TOKEN_SECRET')),
      ACCESS_TOKEN_EXPIRY: duration('ACCESS_TOKEN_EXPIRY').prefault('15m'),
      REFRESH_TOKEN_EXPIRY: duration('REFRESH_TOKEN_EXPIRY').prefault('7d'),
      SESSION_MAX_AGE: duration('SESSION_MAX_AGE').prefault('30d'),
      REFRESH_REUSE_INTERVAL: duration('REFRESH_REUSE_INTERVAL').prefault('10s'),
      COOKIE_SECURE: flag('COOKIE_SECURE').prefault(production ? 'true' : 'false'),
      APP_ORIGIN: z
        .url({ message: 'APP_ORIGIN must be an origin such as https://example.com' })
        .prefault('http://localhost:3000')
        .transform((url) => new URL(url).origin),
      BCRYPT_COST: z.coerce
        .number({ message: 'BCRYPT_COST must be a whole number' })
        .int('BCRYPT_COST must be a whole number')
        // 4 to 15 in production too: test suites run against production builds. Below 12 in
        // production the server starts with a warning (configWarnings, printed once by lib/boot.ts).
        .min(4, 'BCRYPT_COST must be at least 4')
        .max(15, 'BCRYPT_COST above 15 takes seconds per sign-in; use at most 15')
        .default(DEFAULT_BCRYPT_COST),
      RATE_LIMIT_PER_IP: limit('RATE_LIMIT_PER_IP').prefault('100/15m'),
      RATE_LIMIT_PER_ACCOUNT: limit('RATE_LIMIT_PER_ACCOUNT').prefault('10/15m'),
      RATE_LIMIT_PER_API_KEY: limit('RATE_LIMIT_PER_API_KEY').prefault('600/1m'),
      // The header in which the TLS-terminating proxy forwards the verified client certificate.
      MTLS_CLIENT_CERT_HEADER: z
        .string()
        .regex(/^[A-Za-z0-9-]{1,64}$/, 'MTLS_CLIENT_CERT_HEADER must be a header name such as X-SSL-Client-Cert')
        .transform((name) => name.toLowerCase())
        .optional(),
      MTLS_CLIENTS: mtlsClients.optional(),
      NATIVE_CLIENTS: nativeClients.optional(),
      // Optional: the proxy also sends X-Mtls-Proxy-Secret with this value, so a request that reaches
      // the app without passing the proxy cannot carry a certificate header the app believes.
      MTLS_PROXY_SECRET: z
        .string()
        .refine((v) => utf8Length(v) >= MIN_SECRET_BYTES, `MTLS_PROXY_SECRET must be at least ${MIN_SECRET_BYTES} bytes (try: openssl rand -hex 32)`)
        .optional(),
      TRUST_PROXY: flag('TRUST_PROXY').optional(),
      // Set by server.mjs (`npm start`), which writes the socket address into x-client-address.
      TRUST_CLIENT_ADDRESS_HEADER: flag('TRUST_CLIENT_ADDRESS_HEADER').prefault('false'),
      VERCEL: z.string().optional(),
      // Threads that run bcrypt off the event loop; 0 hashes on the main thread. Unset: one per core.
      BCRYPT_WORKERS: z.coerce
        .number({ message: 'BCRYPT_WORKERS must be a whole number' })
        .int('BCRYPT_WORKERS must be a whole number')
        .min(0, 'BCRYPT_WORKERS must be 0 or more')
        .max(64, 'BCRYPT_WORKERS must be at most 64')
        .optional(),
      SMTP_URL: z
        .string()
        .optional()
        .refine((url) => url === undefined || isSmtpUrl(url), {
          // Never echo the URL: it carries the mail password.
          message: 'SMTP_URL must be smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465',
        }),
      MAIL_FROM: z.string().max(320, 'MAIL_FROM is too long').optional(),
      PASSWORD_RESET_EXPIRY: duration('PASSWORD_RESET_EXPIRY').prefault('30m'),
      EMAIL_VERIFICATION_EXPIRY: duration('EMAIL_VERIFICATION_EXPIRY').prefault('24h'),
      MAGIC_LINK_EXPIRY: duration('MAGIC_LINK_EXPIRY').prefault('15m'),
      REQUIRE_EMAIL_VERIFICATION: flag('REQUIRE_EMAIL_VERIFICATION').prefault('false'),
      // Serves the tiny routes under /bench and /api/bench that `npm run bench` measures; 404 otherwise.
      BENCH_ROUTES: flag('BENCH_ROUTES').optional(),
    })
    .superRefine((env, ctx) => {
      if (env.ACCESS_TOKEN_SECRET === env.REFRESH_TOKEN_SECRET) {
        ctx.addIssue({ code: 'custom', path: ['REFRESH_TOKEN_SECRET'], message: 'REFRESH_TOKEN_SECRET must differ from ACCESS_TOKEN_SECRET' });
      }
      if (env.REFRESH_TOKEN_EXPIRY > env.SESSION_MAX_AGE) {
        ctx.addIssue({ code: 'custom', path: ['REFRESH_TOKEN_EXPIRY'], message: 'REFRESH_TOKEN_EXPIRY must not exceed SESSION_MAX_AGE' });
      }
    })
    .transform((env) => ({
      production,
      database: env.DATABASE_URL,
      accessTokenSecret: env.ACCESS_TOKEN_SECRET,
      refreshTokenSecret: env.REFRESH_TOKEN_SECRET,
      accessTokenTtlMs: env.ACCESS_TOKEN_EXPIRY,
      refreshTokenTtlMs: env.REFRESH_TOKEN_EXPIRY,
      sessionMaxAgeMs: env.SESSION_MAX_AGE,
      refreshReuseIntervalMs: env.REFRESH_REUSE_INTERVAL,
      cookieSecure: env.COOKIE_SECURE,
      appOrigin: env.APP_ORIGIN,
      bcryptCost: env.BCRYPT_COST,
      rateLimitPerIp: env.RATE_LIMIT_PER_IP,
      rateLimitPerAccount: env.RATE_LIMIT_PER_ACCOUNT,
      rateLimitPerApiKey: env.RATE_LIMIT_PER_API_KEY,
      trustProxy: env.TRUST_PROXY ?? env.VERCEL === '1',
      /**
       * The header carrying the proxy-verified client certificate, lower-cased; null unless
       * TRUST_PROXY is on too (without a proxy we control, anyone could write that header).
       */
      mtlsClientCertHeader: (env.TRUST_PROXY ?? env.VERCEL === '1') ? (env.MTLS_CLIENT_CERT_HEADER ?? null) : null,
      /** As configured, for the boot warning when TRUST_PROXY is off. */
      mtlsClientCertHeaderSetting: env.MTLS_CLIENT_CERT_HEADER ?? null,
      mtlsClients: env.MTLS_CLIENTS ?? ([] as MtlsClient[]),
      /** When set, the certificate header counts only on requests whose X-Mtls-Proxy-Secret equals it. */
      mtlsProxySecret: env.MTLS_PROXY_SECRET ?? null,
      /** Native apps allowed to use /api/auth/authorize and the code and refresh grants (RFC 8252). */
      nativeClients: env.NATIVE_CLIENTS ?? ([] as NativeClient[]),
      /** x-client-address comes from server.mjs, never from a client (used only without TRUST_PROXY). */
      trustClientAddressHeader: env.TRUST_CLIENT_ADDRESS_HEADER,
      /** Worker threads for bcrypt; undefined means one per core (see lib/auth/bcrypt-pool.ts). */
      bcryptWorkers: env.BCRYPT_WORKERS,
      /** The benchmark's routes answer only when this is true (unset means off). */
      benchRoutes: env.BENCH_ROUTES,
      /** Where mail goes; null: each mail is one JSON log line instead (lib/mail/send.ts). */
      smtpUrl: env.SMTP_URL ?? null,
      mailFrom: env.MAIL_FROM ?? `no-reply@${new URL(env.APP_ORIGIN).hostname}`,
      passwordResetTtlMs: env.PASSWORD_RESET_EXPIRY,
      emailVerificationTtlMs: env.EMAIL_VERIFICATION_EXPIRY,
      magicLinkTtlMs: env.MAGIC_LINK_EXPIRY,
      requireEmailVerification: env.REQUIRE_EMAIL_VERIFICATION,
    }));
}

export type Config = z.output<ReturnType<typeof buildSchema>> & {
  /** The OpenID Connect providers (OIDC_<ID>_*), sorted by id; empty when none is configured. */
  oidcProviders: OidcProviderConfig[];
};

/** Every variable the app reads, by name (see the README's configuration table). */
export function readEnv(): Record<string, string | undefined> {
  return {
    NODE_ENV: process.env.NODE_ENV,
    DATABASE_URL: process.env.DATABASE_URL,
    ACCESS_TOKEN_SECRET: process.env.ACCESS_TOKEN_SECRET,
    REFRESH_TOKEN_SECRET: process.env.REFRESH_TOKEN_SECRET,
    ACCESS_TOKEN_EXPIRY: process.env.ACCESS_TOKEN_EXPIRY,
    REFRESH_TOKEN_EXPIRY: process.env.REFRESH_TOKEN_EXPIRY,
    SESSION_MAX_AGE: process.env.SESSION_MAX_AGE,
    REFRESH_REUSE_INTERVAL: process.env.REFRESH_REUSE_INTERVAL,
    COOKIE_SECURE: process.env.COOKIE_SECURE,
    APP_ORIGIN: process.env.APP_ORIGIN,
    BCRYPT_COST: process.env.BCRYPT_COST,
    RATE_LIMIT_PER_IP: process.env.RATE_LIMIT_PER_IP,
    RATE_LIMIT_PER_ACCOUNT: process.env.RATE_LIMIT_PER_ACCOUNT,
    RATE_LIMIT_PER_API_KEY: process.env.RATE_LIMIT_PER_API_KEY,
    MTLS_CLIENT_CERT_HEADER: process.env.MTLS_CLIENT_CERT_HEADER,
    MTLS_CLIENTS: process.env.MTLS_CLIENTS,
    NATIVE_CLIENTS: process.env.NATIVE_CLIENTS,
    MTLS_PROXY_SECRET: process.env.MTLS_PROXY_SECRET,
    TRUST_PROXY: process.env.TRUST_PROXY,
    TRUST_CLIENT_ADDRESS_HEADER: process.env.TRUST_CLIENT_ADDRESS_HEADER,
    VERCEL: process.env.VERCEL,
    BCRYPT_WORKERS: process.env.BCRYPT_WORKERS,
    BENCH_ROUTES: process.env.BENCH_ROUTES,
    SMTP_URL: process.env.SMTP_URL,
    MAIL_FROM: process.env.MAIL_FROM,
    PASSWORD_RESET_EXPIRY: process.env.PASSWORD_RESET_EXPIRY,
    EMAIL_VERIFICATION_EXPIRY: process.env.EMAIL_VERIFICATION_EXPIRY,
    MAGIC_LINK_EXPIRY: process.env.MAGIC_LINK_EXPIRY,
    REQUIRE_EMAIL_VERIFICATION: process.env.REQUIRE_EMAIL_VERIFICATION,
    // OIDC_<ID>_*: any number of providers, so these are found by prefix. (On the edge runtime
    // process.env may not enumerate; the middleware needs no provider.)
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('OIDC_'))),
  };
}

/** Parses an environment into the app's configuration; throws ConfigError with a one-line message. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as unset, as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = buildSchema(env.NODE_ENV === 'production').safeParse(cleaned);
  const oidc = parseOidcProviders(cleaned);
  if (!result.success || oidc.problems.length > 0) {
    const lines = [...(result.success ? [] : result.error.issues.map((issue) => issue.message)), ...oidc.problems];
    throw new ConfigError(`Invalid configuration: ${[...new Set(lines)].join('; ')}`);
  }
  return { ...result.data, oidcProviders: oidc.providers };
}

/**
 * Settings that are allowed but weaker than production should run with: one line each, to be
 * printed once at start (lib/boot.ts). Names the variable, never a secret's value.
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.production && config.bcryptCost < DEFAULT_BCRYPT_COST) {
    warnings.push(`Warning: BCRYPT_COST=${config.bcryptCost} is below ${DEFAULT_BCRYPT_COST}, which makes stolen password hashes cheaper to crack; use it for tests only`);
  }
  if (config.production && config.smtpUrl === null) {
    warnings.push('Warning: SMTP_URL is not set, so no mail is sent: password-reset and verification mails (links included) are written to the server log instead; set SMTP_URL in production');
  }
  if (config.mtlsClientCertHeaderSetting !== null && config.mtlsClientCertHeader === null) {
    warnings.push('Warning: MTLS_CLIENT_CERT_HEADER is ignored because TRUST_PROXY is off: only a proxy you control may forward client certificates');
  }
  return warnings;
}

let cached: Config | undefined;

/** The app's configuration, parsed from `process.env` on first call. */
export function getConfig(): Config {
  cached ??= parseConfig(readEnv());
  return cached;
}
