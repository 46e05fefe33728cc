// @ts-check
const { randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { PHASE_DEVELOPMENT_SERVER } = require('next/constants');

const DEV_SECRETS_FILE = path.join(__dirname, 'data', 'dev-secrets.json');

/**
 * `npm run dev` must work on a fresh clone without any setup, and restarts must keep sessions:
 * on the first dev start we generate the two secrets into the gitignored ./data folder and load
 * them into process.env (before any route, middleware or edge sandbox reads it). Values already
 * set (shell, .env.local) win. Production never takes this path: lib/config.ts refuses to run
 * without real secrets.
 */
function loadDevSecrets() {
  if (process.env.ACCESS_TOKEN_SECRET && process.env.REFRESH_TOKEN_SECRET) return;
  /** @type {Record<string, string>} */
  let saved = {};
  if (existsSync(DEV_SECRETS_FILE)) saved = JSON.parse(readFileSync(DEV_SECRETS_FILE, 'utf8'));
  if (!saved.ACCESS_TOKEN_SECRET || !saved.REFRESH_TOKEN_SECRET) {
    saved = { ACCESS_TOKEN_SECRET: randomBytes(32).toString('hex'), REFRESH_TOKEN_SECRET: randomBytes(32).toString('hex') };
    mkdirSync(path.dirname(DEV_SECRETS_FILE), { recursive: true });
    writeFileSync(DEV_SECRETS_FILE, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
    console.log('- Generated development secrets in data/dev-secrets.json (never used in production)');
  }
  process.env.ACCESS_TOKEN_SECRET ||= saved.ACCESS_TOKEN_SECRET;
  process.env.REFRESH_TOKEN_SECRET ||= saved.REFRESH_TOKEN_SECRET;
}

/**
 * The hosts besides `localhost` that `next dev` may be opened at: 127.0.0.1, [::1] and this
 * machine's own IP addresses (the "Network:" address Next prints). Next 16 refuses its dev
 * resources (the HMR socket, without which pages never hydrate) to any other host unless it is
 * listed in `allowedDevOrigins`. Only IP literals of this machine are listed, never a pattern:
 * a DNS-rebinding page always has a domain name, so this opens nothing to other sites (the same
 * rule as lib/http/origin.ts).
 */
function devHostAddresses() {
  const hosts = new Set(['127.0.0.1', '[::1]']);
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const { address, family } of addresses ?? []) hosts.add(family === 'IPv6' ? `[${address.split('%')[0]}]` : address);
  }
  return [...hosts];
}

/** Headers for every response, assets included; a page's CSP (per-request nonce) is set in middleware.ts. */
const SECURITY_HEADERS = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];
const HSTS = { key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' };
/**
 * API routes answer JSON (or nothing) and are outside the middleware's matcher, so their CSP is
 * static: nothing may load, run or frame a response that a browser is tricked into rendering.
 */
const API_HEADERS = [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" }];

/** @param {string} phase @returns {import('next').NextConfig} */
module.exports = (phase) => {
  if (phase === PHASE_DEVELOPMENT_SERVER) loadDevSecrets();
  return {
    ...(phase === PHASE_DEVELOPMENT_SERVER ? { allowedDevOrigins: devHostAddresses() } : {}),
    poweredByHeader: false,
    reactStrictMode: true,
    // better-sqlite3 is on Next's built-in list of server external packages; listed here so
    // the intent survives a change to that list. bcryptjs stays a plain node_modules package
    // because lib/auth/bcrypt-worker.mjs, which is not bundled, imports it at run time.
    serverExternalPackages: ['better-sqlite3', 'bcryptjs', 'pg'],
    // Read from disk at run time (migrations at startup, the password list on register, the
    // bcrypt worker thread): ship them.
    outputFileTracingIncludes: {
      '/**': ['./db/sqlite/migrations/**/*', './db/postgres/migrations/**/*', './lib/auth/common-passwords.txt', './lib/auth/bcrypt-worker.mjs', './node_modules/bcryptjs/**/*'],
    },
    // A separate build folder lets the test suite build without touching a running dev server.
    distDir: process.env.NEXT_DIST_DIR || '.next',
    async headers() {
      // HSTS only in production builds: on http://localhost it would be ignored anyway, and a
      // development origin must stay reachable over plain http.
      const headers = phase === PHASE_DEVELOPMENT_SERVER ? SECURITY_HEADERS : [...SECURITY_HEADERS, HSTS];
      return [
        { source: '/:path*', headers },
        { source: '/api/:path*', headers: API_HEADERS },
        { source: '/.well-known/:path*', headers: API_HEADERS },
      ];
    },
    async rewrites() {
      // The App Router does not route folders whose names start with a dot (app/.well-known/…),
      // so the public JWK Set lives at /api/well-known/jwks and is served at its usual address too.
      return [{ source: '/.well-known/jwks.json', destination: '/api/well-known/jwks' }];
    },
  };
};
