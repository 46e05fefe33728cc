#!/usr/bin/env node
/**
 * A tiny "native app" signing in the RFC 8252 way: through the system browser, with a loopback
 * redirect, PKCE (S256) and `state`; then the token endpoint, an API call with the access token as
 * `Authorization: Bearer`, and one refresh. Plain Node (20+), no dependencies, no build step.
 *
 * With `--dpop` the tokens are bound to a key pair made for this run (DPoP, RFC 9449): every token
 * request and API call carries a proof signed with it (jose, from this repository's node_modules),
 * the API calls use `Authorization: DPoP`, and the app shows that a copy of its access token sent
 * as a plain Bearer token is refused.
 *
 *   node examples/native-app/native-app.mjs [--server http://localhost:3000] [--client-id com.example.native-app] [--no-open] [--revoke] [--dpop]
 *
 * Environment: NATIVE_APP_SERVER, NATIVE_APP_CLIENT_ID, NATIVE_APP_NO_OPEN=1, NATIVE_APP_DPOP=1 (the same as the flags).
 * The server must list the client in NATIVE_CLIENTS with the redirect URI http://127.0.0.1/callback
 * (a loopback URI matches on any port, so this app can listen wherever the system lets it).
 *
 * Output: one JSON object per line on stdout (`authorize_url`, `listening`, `tokens`, `me`,
 * `copied_token` with --dpop, `refreshed`, `revoked`, `done` or `error`), for people and for tests. Tokens themselves are never
 * printed: only their type, lifetime and the session they belong to.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    server: { type: 'string' },
    'client-id': { type: 'string' },
    'no-open': { type: 'boolean', default: false },
    revoke: { type: 'boolean', default: false },
    dpop: { type: 'boolean', default: false },
    'timeout-s': { type: 'string' },
  },
});

const server = new URL(flags.server ?? process.env.NATIVE_APP_SERVER ?? 'http://localhost:3000').origin;
const clientId = flags['client-id'] ?? process.env.NATIVE_APP_CLIENT_ID ?? 'com.example.native-app';
const openBrowser = !flags['no-open'] && process.env.NATIVE_APP_NO_OPEN !== '1';
const timeoutMs = Number(flags['timeout-s'] ?? 300) * 1000;
const useDpop = flags.dpop || process.env.NATIVE_APP_DPOP === '1';

/**
 * The DPoP key of this run (RFC 9449 §4): an ES256 pair whose private half cannot be exported, and a
 * proof per request naming its method, its URL and, on API calls, the access token's hash (`ath`).
 */
let dpop = null;
async function makeDpopKey() {
  const { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } = await import('jose');
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return {
    jkt: await calculateJwkThumbprint(jwk),
    proof: (htm, htu, accessToken) =>
      new SignJWT({ jti: randomUUID(), htm, htu, iat: Math.floor(Date.now() / 1000), ...(accessToken ? { ath: createHash('sha256').update(accessToken).digest('base64url') } : {}) })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .sign(privateKey),
  };
}

/** One line of JSON on stdout. */
function report(event, fields = {}) {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

function fail(message, fields = {}) {
  report('error', { message, ...fields });
  process.exitCode = 1;
}

/** The claims of a JWT, unverified: the app only reads which session it got (the server verifies). */
function claimsOf(jwt) {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

/** Opens the URL in the system browser (RFC 8252 §6: never an embedded web view). */
function openInBrowser(url) {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => report('open_failed', { hint: 'Open the authorize_url above in your browser.' }));
  child.unref();
}

/** POSTs a form to one of the server's OAuth endpoints (RFC 6749 §3.2). */
async function postForm(path, form) {
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', 'User-Agent': `native-app-example (${clientId})` };
  if (dpop) headers.DPoP = await dpop.proof('POST', `${server}${path}`);
  const response = await fetch(`${server}${path}`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : JSON.parse(text) };
}

/** GET /api/auth/me with the access token: `DPoP` with a fresh proof in DPoP mode (unless `asBearer`), else `Bearer`. */
async function me(accessToken, { asBearer = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (dpop && !asBearer) {
    headers.Authorization = `DPoP ${accessToken}`;
    headers.DPoP = await dpop.proof('GET', `${server}/api/auth/me`, accessToken);
  } else {
    headers.Authorization = `Bearer ${accessToken}`;
  }
  const response = await fetch(`${server}/api/auth/me`, { headers });
  return { status: response.status, body: await response.json() };
}

/**
 * Starts the loopback listener on a port the system picks (port 0: RFC 8252 §7.3 lets a loopback
 * redirect URI carry any port). Resolves once listening, with the port and a promise of the
 * browser's redirect (its query parameters).
 */
function startListener() {
  return new Promise((ready, failed) => {
    let arrived;
    const redirect = new Promise((resolve, reject) => {
      arrived = { resolve, reject };
    });
    const listener = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/callback') {
        response.writeHead(404).end();
        return;
      }
      const refused = url.searchParams.has('error');
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end(`<!doctype html><title>Native app</title><p>${refused ? 'Sign-in was not completed.' : 'Signed in. You can close this window and return to the app.'}</p>`);
      clearTimeout(timer);
      listener.close();
      arrived.resolve(url.searchParams);
    });
    const timer = setTimeout(() => {
      listener.close();
      arrived.reject(new Error('no redirect arrived in time'));
    }, timeoutMs);
    listener.once('error', failed);
    listener.listen(0, '127.0.0.1', () => {
      const address = listener.address();
      ready({ port: typeof address === 'object' && address ? address.port : 0, redirect });
    });
  });
}

async function main() {
  if (useDpop) dpop = await makeDpopKey();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');

  const { port, redirect } = await startListener();
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  report('listening', { redirect_uri: redirectUri });

  const authorizeUrl = `${server}/api/auth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state })}`;
  report('authorize_url', { url: authorizeUrl });
  if (openBrowser) openInBrowser(authorizeUrl);

  const params = await redirect;
  // RFC 6749 §10.12: a redirect that does not carry our state is not the answer to our request.
  if (params.get('state') !== state) return fail('the state in the redirect is not ours');
  // RFC 9207: when the server names itself, it must be the server we asked.
  if (params.has('iss') && params.get('iss') !== server) return fail('the redirect came from another issuer', { iss: params.get('iss') });
  if (params.has('error')) return fail('the sign-in was refused', { error: params.get('error'), error_description: params.get('error_description') });
  const code = params.get('code');
  if (!code) return fail('the redirect carried no code');

  const exchanged = await postForm('/api/auth/token', { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier });
  if (exchanged.status !== 200) return fail('the code exchange failed', { status: exchanged.status, error: exchanged.body.error });
  const tokens = exchanged.body;
  const { sid, sub } = claimsOf(tokens.access_token);
  const bound = dpop ? { bound_to_our_key: claimsOf(tokens.access_token).cnf?.jkt === dpop.jkt } : {};
  report('tokens', { token_type: tokens.token_type, expires_in: tokens.expires_in, has_refresh_token: typeof tokens.refresh_token === 'string', session_id: sid, user_id: sub, ...bound });

  const first = await me(tokens.access_token);
  report('me', { status: first.status, email: first.body?.user?.email ?? null });
  if (first.status !== 200) return fail('/api/auth/me refused the access token');
  if (dpop) {
    // What a thief who copied the token (but not the key) would get.
    const copied = await me(tokens.access_token, { asBearer: true });
    report('copied_token', { status: copied.status, error: copied.body?.error?.code ?? null });
  }

  const refreshed = await postForm('/api/auth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
  if (refreshed.status !== 200) return fail('the refresh failed', { status: refreshed.status, error: refreshed.body.error });
  const second = await me(refreshed.body.access_token);
  report('refreshed', { rotated: refreshed.body.refresh_token !== tokens.refresh_token, same_session: claimsOf(refreshed.body.access_token).sid === sid, me_status: second.status });

  if (flags.revoke) {
    const revoked = await postForm('/api/auth/revoke', { token: refreshed.body.refresh_token, token_type_hint: 'refresh_token', client_id: clientId });
    report('revoked', { status: revoked.status });
  }
  report('done');
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
