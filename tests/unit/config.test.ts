import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, configWarnings, getConfig, parseConfig } from '@/lib/config';
import { ACCESS_SECRET, DAY, HOUR, MINUTE, REFRESH_SECRET, SECOND } from '../support/env';

type Env = Record<string, string | undefined>;

const base: Env = { NODE_ENV: 'test', ACCESS_TOKEN_SECRET: ACCESS_SECRET, REFRESH_TOKEN_SECRET: REFRESH_SECRET };
// With a mail server: without one, production adds a warning of its own (see "mail" below).
const production: Env = { ...base, NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.com:587' };

/** The ConfigError a bad environment throws; fails the test when it parses. */
function configError(env: Env): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

/** A bad value gives a one-line message that names the variable to fix. */
function expectRefused(env: Env, variable: string): void {
  const error = configError(env);
  expect(error.message).toContain(variable);
  expect(error.message).not.toMatch(/[\r\n]/);
}

describe('defaults', () => {
  it('fills every contract default', () => {
    const config = parseConfig(base);
    expect(config).toEqual({
      production: false,
      database: { dialect: 'sqlite', path: './data/app.db' },
      accessTokenSecret: ACCESS_SECRET,
      refreshTokenSecret: REFRESH_SECRET,
      accessTokenTtlMs: 15 * MINUTE,
      refreshTokenTtlMs: 7 * DAY,
      sessionMaxAgeMs: 30 * DAY,
      refreshReuseIntervalMs: 10 * SECOND,
      cookieSecure: false,
      appOrigin: 'http://localhost:3000',
      bcryptCost: 12,
      rateLimitPerIp: { max: 100, windowMs: 15 * MINUTE },
      rateLimitPerAccount: { max: 10, windowMs: 15 * MINUTE },
      rateLimitPerApiKey: { max: 600, windowMs: MINUTE },
      trustProxy: false,
      mtlsClientCertHeader: null,
      mtlsClientCertHeaderSetting: null,
      mtlsClients: [],
      mtlsProxySecret: null,
      nativeClients: [],
      trustClientAddressHeader: false,
      bcryptWorkers: undefined,
      benchRoutes: undefined,
      smtpUrl: null,
      mailFrom: 'no-reply@localhost',
      passwordResetTtlMs: 30 * MINUTE,
      emailVerificationTtlMs: DAY,
      magicLinkTtlMs: 15 * MINUTE,
      requireEmailVerification: false,
      oidcProviders: [],
    });
  });

  it('treats empty strings as unset', () => {
    const config = parseConfig({ ...base, ACCESS_TOKEN_EXPIRY: '', COOKIE_SECURE: '', BCRYPT_COST: '', DATABASE_URL: '' });
    expect(config.accessTokenTtlMs).toBe(15 * MINUTE);
    expect(config.cookieSecure).toBe(false);
    expect(config.bcryptCost).toBe(12);
    expect(config.database).toEqual({ dialect: 'sqlite', path: './data/app.db' });
  });

  it('reads DATABASE_URL as a SQLite file or a PostgreSQL URL, and refuses anything else', () => {
    expect(parseConfig({ ...base, DATABASE_URL: 'file:/tmp/auth/x.db' }).database).toEqual({ dialect: 'sqlite', path: '/tmp/auth/x.db' });
    for (const url of ['postgres://u:p@db/app', 'postgresql://u:p@db.example.com:6543/app?sslmode=require']) {
      expect(parseConfig({ ...base, DATABASE_URL: url }).database).toEqual({ dialect: 'postgres', url });
    }
    expectRefused({ ...base, DATABASE_URL: 'mysql://u:p@db/app' }, 'DATABASE_URL');
    expectRefused({ ...base, DATABASE_URL: 'postgres://' }, 'DATABASE_URL');
  });

  it('never echoes a PostgreSQL URL (it carries the password) when refusing it', () => {
    try {
      parseConfig({ ...base, DATABASE_URL: 'postgres://user:s3cret-pw@[bad' });
      expect.unreachable('a malformed URL must be refused');
    } catch (error) {
      expect(String(error)).toContain('DATABASE_URL');
      expect(String(error)).not.toContain('s3cret-pw');
    }
  });

  it('reduces APP_ORIGIN to an origin and refuses non-URLs', () => {
    expect(parseConfig({ ...base, APP_ORIGIN: 'https://auth.example.com/some/path' }).appOrigin).toBe('https://auth.example.com');
    expectRefused({ ...base, APP_ORIGIN: 'not a url' }, 'APP_ORIGIN');
  });
});

describe('durations', () => {
  const variables = [
    ['ACCESS_TOKEN_EXPIRY', 'accessTokenTtlMs'],
    ['REFRESH_TOKEN_EXPIRY', 'refreshTokenTtlMs'],
    ['SESSION_MAX_AGE', 'sessionMaxAgeMs'],
    ['REFRESH_REUSE_INTERVAL', 'refreshReuseIntervalMs'],
  ] as const;

  describe.each(variables)('%s', (variable, key) => {
    it.each([
      ['90s', 90 * SECOND],
      ['15m', 15 * MINUTE],
      ['2h', 2 * HOUR],
      ['7d', 7 * DAY],
      ['600', 600 * SECOND],
    ])('accepts %j', (text, ms) => {
      // SESSION_MAX_AGE must stay >= REFRESH_TOKEN_EXPIRY: pin both where the form is short.
      const env = { ...base, REFRESH_TOKEN_EXPIRY: '90s', SESSION_MAX_AGE: '30d', [variable]: text };
      expect(parseConfig(env)[key]).toBe(ms);
    });

    it.each(['15 minutes', '0', '-5m', '1.5h', 'abc', '15x'])('refuses %j naming the variable', (text) => {
      expectRefused({ ...base, [variable]: text }, variable);
    });
  });

  it('refuses an idle lifetime longer than the absolute one', () => {
    expectRefused({ ...base, REFRESH_TOKEN_EXPIRY: '31d', SESSION_MAX_AGE: '30d' }, 'REFRESH_TOKEN_EXPIRY');
  });
});

describe('secrets', () => {
  const random32 = 'k3J9x!Qz7@Lp2#Vw8$Rt5%Yb1^Nm4&Hc'; // 32 ASCII bytes, varied

  it('production requires both secrets', () => {
    expectRefused({ NODE_ENV: 'production', REFRESH_TOKEN_SECRET: REFRESH_SECRET }, 'ACCESS_TOKEN_SECRET');
    expectRefused({ NODE_ENV: 'production', ACCESS_TOKEN_SECRET: ACCESS_SECRET }, 'REFRESH_TOKEN_SECRET');
    const both = configError({ NODE_ENV: 'production' });
    expect(both.message).toContain('ACCESS_TOKEN_SECRET');
    expect(both.message).toContain('REFRESH_TOKEN_SECRET');
    expect(both.message).not.toMatch(/[\r\n]/);
  });

  it('development without secrets refuses too (never a built-in fallback)', () => {
    expectRefused({ NODE_ENV: 'development', REFRESH_TOKEN_SECRET: REFRESH_SECRET }, 'ACCESS_TOKEN_SECRET');
  });

  it('accepts a secret of exactly 32 bytes and refuses 31', () => {
    expect(parseConfig({ ...production, ACCESS_TOKEN_SECRET: random32 }).accessTokenSecret).toBe(random32);
    expectRefused({ ...production, ACCESS_TOKEN_SECRET: random32.slice(1) }, 'ACCESS_TOKEN_SECRET');
    expectRefused({ ...production, REFRESH_TOKEN_SECRET: random32.slice(1) }, 'REFRESH_TOKEN_SECRET');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const multiByte = 'ÄÖÜßéèêáàâíìîóòôúùûñ'; // 20 characters, 40 bytes
    expect(parseConfig({ ...production, ACCESS_TOKEN_SECRET: multiByte }).accessTokenSecret).toBe(multiByte);
    expectRefused({ ...production, ACCESS_TOKEN_SECRET: multiByte.slice(0, 15) }, 'ACCESS_TOKEN_SECRET'); // 30 bytes
  });

  it.each([
    'change-me-change-me-change-me-change-me',
    'changeme0123456789abcdefghijklmnopqrstuvwxyz',
    'your-secret-here-0123456789abcdefghijk',
    'example-secret-0123456789abcdefghijklmn',
    'replace-with-a-random-value-0123456789',
    'placeholder-0123456789abcdefghijklmnopq',
    'a'.repeat(64),
    'abababababababababababababababababab',
  ])('refuses the placeholder %j', (placeholder) => {
    expectRefused({ ...production, ACCESS_TOKEN_SECRET: placeholder }, 'ACCESS_TOKEN_SECRET');
    expectRefused({ ...base, REFRESH_TOKEN_SECRET: placeholder }, 'REFRESH_TOKEN_SECRET');
  });

  it('refuses equal secrets', () => {
    expectRefused({ ...production, REFRESH_TOKEN_SECRET: ACCESS_SECRET }, 'REFRESH_TOKEN_SECRET');
    expectRefused({ ...base, REFRESH_TOKEN_SECRET: ACCESS_SECRET }, 'REFRESH_TOKEN_SECRET');
  });
});

describe('BCRYPT_COST', () => {
  it('accepts 4 to 15 in production too (test suites run against production builds), not 3 or 16', () => {
    for (const cost of [4, 10, 11, 12, 15]) expect(parseConfig({ ...production, BCRYPT_COST: String(cost) }).bcryptCost).toBe(cost);
    expect(parseConfig(production).bcryptCost).toBe(12);
    expectRefused({ ...production, BCRYPT_COST: '3' }, 'BCRYPT_COST');
    expectRefused({ ...production, BCRYPT_COST: '16' }, 'BCRYPT_COST');
  });

  it('below 12 in production gives exactly one warning line, naming BCRYPT_COST', () => {
    for (const cost of ['4', '11']) {
      const warnings = configWarnings(parseConfig({ ...production, BCRYPT_COST: cost }));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`BCRYPT_COST=${cost}`);
      expect(warnings[0]).not.toMatch(/[\r\n]/);
    }
  });

  it('gives no warning at 12 or more in production, nor at any cost outside production', () => {
    expect(configWarnings(parseConfig(production))).toEqual([]);
    expect(configWarnings(parseConfig({ ...production, BCRYPT_COST: '13' }))).toEqual([]);
    expect(configWarnings(parseConfig({ ...base, BCRYPT_COST: '4' }))).toEqual([]);
  });

  it('never puts a secret into a warning', () => {
    const [warning = ''] = configWarnings(parseConfig({ ...production, BCRYPT_COST: '4' }));
    expect(warning).not.toContain(ACCESS_SECRET);
    expect(warning).not.toContain(REFRESH_SECRET);
  });

  it('may be lowered to 4 outside production, not below, and not above 15', () => {
    expect(parseConfig({ ...base, BCRYPT_COST: '4' }).bcryptCost).toBe(4);
    expectRefused({ ...base, BCRYPT_COST: '3' }, 'BCRYPT_COST');
    expectRefused({ ...base, BCRYPT_COST: '16' }, 'BCRYPT_COST');
  });

  it.each(['abc', '4.5', '12abc', 'twelve'])('refuses %j naming the variable', (value) => {
    expectRefused({ ...base, BCRYPT_COST: value }, 'BCRYPT_COST');
  });
});

describe('COOKIE_SECURE', () => {
  it('defaults to true in production and false elsewhere', () => {
    expect(parseConfig(production).cookieSecure).toBe(true);
    expect(parseConfig(base).cookieSecure).toBe(false);
    expect(parseConfig({ ...base, NODE_ENV: 'development' }).cookieSecure).toBe(false);
    expect(parseConfig({ ...base, NODE_ENV: undefined }).cookieSecure).toBe(false);
  });

  it('can be set explicitly', () => {
    expect(parseConfig({ ...base, COOKIE_SECURE: 'true' }).cookieSecure).toBe(true);
    expect(parseConfig({ ...production, COOKIE_SECURE: 'false' }).cookieSecure).toBe(false);
    expectRefused({ ...base, COOKIE_SECURE: 'maybe' }, 'COOKIE_SECURE');
  });
});

describe('TRUST_PROXY', () => {
  it('is false by default, true on Vercel, and an explicit value wins', () => {
    expect(parseConfig(base).trustProxy).toBe(false);
    expect(parseConfig({ ...base, VERCEL: '1' }).trustProxy).toBe(true);
    expect(parseConfig({ ...base, TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(parseConfig({ ...base, VERCEL: '1', TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expectRefused({ ...base, TRUST_PROXY: 'sometimes' }, 'TRUST_PROXY');
  });
});

describe('rate limits', () => {
  describe.each([
    ['RATE_LIMIT_PER_IP', 'rateLimitPerIp'],
    ['RATE_LIMIT_PER_ACCOUNT', 'rateLimitPerAccount'],
  ] as const)('%s', (variable, key) => {
    it.each([
      ['5/1m', { max: 5, windowMs: MINUTE }],
      ['100/15m', { max: 100, windowMs: 15 * MINUTE }],
      ['3/90', { max: 3, windowMs: 90 * SECOND }],
      ['1000/1d', { max: 1000, windowMs: DAY }],
    ])('reads %j', (text, limit) => {
      expect(parseConfig({ ...base, [variable]: text })[key]).toEqual(limit);
    });

    it.each(['5', '0/1m', '-1/1m', '1.5/1m', 'x/1m', '/1m', '5/', '5/0', '5/1m/2', '5 per 1m'])('refuses %j naming the variable', (text) => {
      expectRefused({ ...base, [variable]: text }, variable);
    });
  });
});

describe('error messages', () => {
  it('put several problems on one line', () => {
    const error = configError({ NODE_ENV: 'production', ACCESS_TOKEN_EXPIRY: 'soon', BCRYPT_COST: '3' });
    for (const variable of ['ACCESS_TOKEN_SECRET', 'REFRESH_TOKEN_SECRET', 'ACCESS_TOKEN_EXPIRY', 'BCRYPT_COST']) expect(error.message).toContain(variable);
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it('never echo a secret', () => {
    const shortSecret = 'sh0rt-but-quite-random-Xq9';
    expect(configError({ ...production, ACCESS_TOKEN_SECRET: shortSecret }).message).not.toContain(shortSecret);
  });
});

describe('getConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('parses process.env once', () => {
    vi.stubEnv('NODE_ENV', 'test');
    vi.stubEnv('ACCESS_TOKEN_SECRET', ACCESS_SECRET);
    vi.stubEnv('REFRESH_TOKEN_SECRET', REFRESH_SECRET);
    vi.stubEnv('ACCESS_TOKEN_EXPIRY', '2h');
    vi.stubEnv('TRUST_PROXY', '');
    vi.stubEnv('VERCEL', '1');
    const config = getConfig();
    expect(config.accessTokenTtlMs).toBe(2 * HOUR);
    expect(config.trustProxy).toBe(true);
    vi.stubEnv('ACCESS_TOKEN_EXPIRY', '5m');
    expect(getConfig()).toBe(config);
  });
});

describe('mail', () => {
  it('reads SMTP_URL (smtp:// or smtps://), MAIL_FROM, the link expiries and REQUIRE_EMAIL_VERIFICATION', () => {
    const config = parseConfig({
      ...base,
      APP_ORIGIN: 'https://auth.example.com',
      SMTP_URL: 'smtps://user:pass@smtp.example.com:465',
      MAIL_FROM: 'Example <hello@example.com>',
      PASSWORD_RESET_EXPIRY: '10m',
      EMAIL_VERIFICATION_EXPIRY: '2d',
      REQUIRE_EMAIL_VERIFICATION: 'true',
    });
    expect(config).toMatchObject({ smtpUrl: 'smtps://user:pass@smtp.example.com:465', mailFrom: 'Example <hello@example.com>', passwordResetTtlMs: 10 * MINUTE, emailVerificationTtlMs: 2 * DAY, requireEmailVerification: true });
    expect(parseConfig({ ...base, APP_ORIGIN: 'https://auth.example.com' }).mailFrom).toBe('no-reply@auth.example.com');
  });

  it('refuses an SMTP_URL of another scheme or without a host, without echoing it', () => {
    for (const url of ['http://user:hunter2-secret@smtp.example.com', 'smtp://', 'not a url']) {
      const error = configError({ ...base, SMTP_URL: url });
      expect(error.message).toContain('SMTP_URL');
      expect(error.message).not.toContain('hunter2');
    }
    expectRefused({ ...base, PASSWORD_RESET_EXPIRY: 'soon' }, 'PASSWORD_RESET_EXPIRY');
    expectRefused({ ...base, REQUIRE_EMAIL_VERIFICATION: 'maybe' }, 'REQUIRE_EMAIL_VERIFICATION');
  });

  it('production without SMTP_URL gives exactly one warning line, naming SMTP_URL; development none', () => {
    const warnings = configWarnings(parseConfig({ ...production, SMTP_URL: undefined }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('SMTP_URL');
    expect(warnings[0]).not.toMatch(/[\r\n]/);
    expect(configWarnings(parseConfig({ ...base, SMTP_URL: undefined }))).toEqual([]);
  });
});

describe('machine clients (MTLS_*)', () => {
  const clients = JSON.stringify([
    { clientId: 'billing', subject: 'CN=billing-service,O=Example' },
    { clientId: 'reports', sha256: 'AB:'.repeat(31) + 'AB' },
  ]);

  it('reads the certificate header only with TRUST_PROXY, and warns when it is set without', () => {
    const trusted = parseConfig({ ...base, TRUST_PROXY: 'true', MTLS_CLIENT_CERT_HEADER: 'X-SSL-Client-Cert', MTLS_CLIENTS: clients });
    expect(trusted.mtlsClientCertHeader).toBe('x-ssl-client-cert');
    expect(trusted.mtlsClients).toEqual([
      { clientId: 'billing', subject: 'CN=billing-service,O=Example' },
      { clientId: 'reports', sha256: 'ab'.repeat(32) },
    ]);
    expect(configWarnings(trusted)).toEqual([]);
    const untrusted = parseConfig({ ...base, MTLS_CLIENT_CERT_HEADER: 'X-SSL-Client-Cert', MTLS_CLIENTS: clients });
    expect(untrusted.mtlsClientCertHeader).toBeNull();
    expect(configWarnings(untrusted)).toEqual([expect.stringContaining('MTLS_CLIENT_CERT_HEADER is ignored because TRUST_PROXY is off')]);
  });

  it('refuses malformed MTLS_CLIENTS, header names, short proxy secrets and API-key limits, naming the variable', () => {
    for (const value of ['not json', '{}', '[{"clientId":"a"}]', '[{"clientId":"a","sha256":"abc"}]', '[{"clientId":"a b","subject":"CN=x"}]', '[{"clientId":"a","subject":"CN=x","extra":1}]', '[{"clientId":"a","subject":"CN=x"},{"clientId":"a","subject":"CN=y"}]']) {
      expectRefused({ ...base, MTLS_CLIENTS: value }, 'MTLS_CLIENTS');
    }
    expectRefused({ ...base, MTLS_CLIENT_CERT_HEADER: 'X SSL: cert' }, 'MTLS_CLIENT_CERT_HEADER');
    expectRefused({ ...base, MTLS_PROXY_SECRET: 'too-short' }, 'MTLS_PROXY_SECRET');
    expectRefused({ ...base, RATE_LIMIT_PER_API_KEY: 'lots' }, 'RATE_LIMIT_PER_API_KEY');
  });
});

describe('native apps (NATIVE_CLIENTS)', () => {
  it('reads clients with custom-scheme and loopback redirect URIs (127.0.0.1 and [::1], with or without a port)', () => {
    const clients = [
      { clientId: 'com.example.notes', redirectUris: ['com.example.notes:/oauth', 'http://127.0.0.1/callback', 'http://127.0.0.1:8400/cb?x=1'] },
      { clientId: 'cli', redirectUris: ['http://[::1]/cb', 'http://127.0.0.1'] },
    ];
    expect(parseConfig({ ...base, NATIVE_CLIENTS: JSON.stringify(clients) }).nativeClients).toEqual(clients);
    expect(parseConfig(base).nativeClients).toEqual([]);
  });

  it.each([
    ['not json', 'NATIVE_CLIENTS must be a JSON array'],
    ['{}', 'NATIVE_CLIENTS must be a JSON array'],
    ['[{"clientId":"a"}]', 'NATIVE_CLIENTS must be a JSON array'],
    ['[{"clientId":"a","redirectUris":[]}]', 'at least one redirect URI'],
    ['[{"clientId":"a b","redirectUris":["http://127.0.0.1/cb"]}]', 'clientId'],
    ['[{"clientId":"a","redirectUris":["http://127.0.0.1/cb"],"secret":"x"}]', 'NATIVE_CLIENTS must be a JSON array'],
    ['[{"clientId":"a","redirectUris":["http://127.0.0.1/cb"]},{"clientId":"a","redirectUris":["http://127.0.0.1/x"]}]', 'unique'],
    ['[{"clientId":"a","redirectUris":["http://localhost:8080/cb"]}]', 'use http://127.0.0.1 or http://[::1] instead'],
    ['[{"clientId":"a","redirectUris":["https://app.example/cb"]}]', 'must be a loopback'],
    ['[{"clientId":"a","redirectUris":["http://127.0.0.1/cb#frag"]}]', 'fragment'],
    ['[{"clientId":"a","redirectUris":["myapp:/cb"]}]', 'reverse-domain'],
    ['[{"clientId":"a","redirectUris":["javascript:alert(1)"]}]', 'reverse-domain'],
    ['[{"clientId":"a","redirectUris":["http://127.0.0.2/cb"]}]', 'must be a loopback'],
  ])('refuses %s with a message saying what is wrong', (value, message) => {
    expect(() => parseConfig({ ...base, NATIVE_CLIENTS: value })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, NATIVE_CLIENTS: value })).toThrow(message);
  });
});

describe('OpenID Connect providers (OIDC_<ID>_*)', () => {
  const google = { OIDC_GOOGLE_ISSUER: 'https://accounts.google.com', OIDC_GOOGLE_CLIENT_ID: 'id.apps.googleusercontent.com', OIDC_GOOGLE_CLIENT_SECRET: 'GOCSPX-secret' };

  it('none by default; any number, sorted by id, id lower-cased, name defaulting to the capitalised id', () => {
    expect(parseConfig(base).oidcProviders).toEqual([]);
    const config = parseConfig({ ...base, ...google, OIDC_OKTA_ISSUER: 'https://example.okta.com', OIDC_OKTA_CLIENT_ID: 'okta-id', OIDC_OKTA_CLIENT_SECRET: 'okta-secret', OIDC_OKTA_NAME: 'Company SSO' });
    expect(config.oidcProviders).toEqual([
      { id: 'google', name: 'Google', issuer: 'https://accounts.google.com', clientId: 'id.apps.googleusercontent.com', clientSecret: 'GOCSPX-secret' },
      { id: 'okta', name: 'Company SSO', issuer: 'https://example.okta.com', clientId: 'okta-id', clientSecret: 'okta-secret' },
    ]);
  });

  it('names every missing variable of a provider', () => {
    expect(() => parseConfig({ ...base, OIDC_GOOGLE_ISSUER: 'https://accounts.google.com' })).toThrow(/OIDC_GOOGLE_CLIENT_ID and OIDC_GOOGLE_CLIENT_SECRET must be set/);
    expect(() => parseConfig({ ...base, OIDC_X_NAME: 'X' })).toThrow(/OIDC_X_ISSUER and OIDC_X_CLIENT_ID and OIDC_X_CLIENT_SECRET/);
  });

  it('https issuers only, except http on the loopback interface; never echoes the secret', () => {
    for (const issuer of ['http://idp.example.com', 'ftp://idp.example.com', 'not a url', 'http://10.0.0.1']) {
      let message = '';
      try {
        parseConfig({ ...base, ...google, OIDC_GOOGLE_ISSUER: issuer });
      } catch (error) {
        message = error instanceof Error ? error.message : '';
      }
      expect(message).toMatch(/OIDC_GOOGLE_ISSUER/);
      expect(message).not.toContain('GOCSPX-secret');
    }
    for (const issuer of ['http://127.0.0.1:4000', 'http://localhost:8080/realms/dev', 'http://[::1]:9000']) {
      expect(parseConfig({ ...base, ...google, OIDC_GOOGLE_ISSUER: issuer }).oidcProviders[0]?.issuer).toBe(issuer);
    }
  });

  it('MAGIC_LINK_EXPIRY is a duration, default 15m', () => {
    expect(parseConfig({ ...base, MAGIC_LINK_EXPIRY: '5m' }).magicLinkTtlMs).toBe(5 * MINUTE);
    expect(() => parseConfig({ ...base, MAGIC_LINK_EXPIRY: 'soon' })).toThrow(/MAGIC_LINK_EXPIRY/);
  });
});
