/**
 * examples/resource-service for real: a child process that verifies our access tokens with
 * jose.createRemoteJWKSet against a real HTTP server answering /.well-known/jwks.json with our
 * route handler (ACCESS_TOKEN_SIGNING=ES256). Then a key rotation: a new first key signs, the old
 * one stays listed and its tokens still pass; once it is removed they fail, at the app and at the
 * service alike.
 *
 * Real clock here (the service runs in another process and checks `exp` against its own clock).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadRoutes, PATHS, startApp, type RouteModule, type RouteName } from '../support/app';
import { applyEnv, PASSWORD } from '../support/env';
import { apiRequest, call, CookieJar, type Handler, type RequestOptions } from '../support/http';
import { newSigningJwk, signingEnv } from '../support/signing-keys';
import { accessTokenKeys } from '@/lib/auth/access-token';
import { signClientToken } from '@/lib/auth/client-token';
import { parseConfig, readEnv } from '@/lib/config';

const SERVICE = path.resolve(__dirname, '../../examples/resource-service/server.mjs');
/** The service's JWK Set cache: short, so the test sees a removed key disappear without waiting minutes. */
const CACHE_MS = 300;

/** One app instance: its route handlers, loaded with the environment of the moment. */
interface Instance {
  send(name: RouteName, method: 'GET' | 'POST', options?: RequestOptions): Promise<Response>;
  jwks: Handler;
}

let issuer: Server;
let origin: string;
let current: Instance;
let service: ChildProcess;
let serviceUrl: string;
let k1: Record<string, string>;
let k2: Record<string, string>;

function instance(routes: Record<RouteName, RouteModule>, jwks: { GET: Handler }): Instance {
  return {
    send: (name, method, options = {}) => call(routes[name][method] as Handler, apiRequest(method, PATHS[name], options)),
    jwks: jwks.GET,
  };
}

/** A fresh set of modules (config, keys, store) with the signing keys given: a restarted app on the same database. */
async function restartWith(keys: object[]): Promise<void> {
  applyEnv(signingEnv('ES256', keys));
  vi.resetModules();
  current = instance(await loadRoutes(), await import('@/app/api/well-known/jwks/route'));
}

/** Starts the example and waits for its "listening on" line. */
function startService(): Promise<void> {
  return new Promise((resolve, reject) => {
    service = spawn(process.execPath, [SERVICE], {
      env: { NODE_ENV: 'production', PATH: process.env.PATH, ISSUER: origin, PORT: '0', JWKS_CACHE_MAX_AGE_MS: String(CACHE_MS), JWKS_COOLDOWN_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the resource service did not start: ${output}`)), 10_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        serviceUrl = match[1];
        resolve();
      }
    };
    service.stdout?.on('data', read);
    service.stderr?.on('data', read);
    service.once('exit', (code) => reject(new Error(`the resource service exited (${code}): ${output}`)));
  });
}

beforeAll(async () => {
  [k1, k2] = await Promise.all([newSigningJwk('ES256', 'k1'), newSigningJwk('ES256', 'k2')]);
  // Our issuer over real HTTP: /.well-known/jwks.json answered by the current instance's route handler.
  issuer = createServer((request, response) => {
    if (request.url !== '/.well-known/jwks.json' || request.method !== 'GET') {
      response.writeHead(404).end();
      return;
    }
    void current.jwks(new Request(`${origin}/api/well-known/jwks`), { params: Promise.resolve({}) }).then(async (answer) => {
      response.writeHead(answer.status, Object.fromEntries(answer.headers));
      response.end(await answer.text());
    });
  });
  await new Promise<void>((resolve) => issuer.listen(0, '127.0.0.1', resolve));
  const address = issuer.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const app = await startApp({ APP_ORIGIN: origin, ...signingEnv('ES256', [k1]) });
  current = instance(app.routes, await import('@/app/api/well-known/jwks/route'));
  await startService();
}, 30_000);

afterAll(async () => {
  service.kill();
  await new Promise((resolve) => issuer.close(resolve));
});

/** GET /hello at the service with a bearer token (or none). */
async function hello(token?: string): Promise<Response> {
  return fetch(`${serviceUrl}/hello`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
}

async function signIn(email: string): Promise<string> {
  const response = await current.send('login', 'POST', { json: { email, password: PASSWORD } });
  expect(response.status).toBe(200);
  return new CookieJar().apply(response).get('access_token') ?? '';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('examples/resource-service against our JWK Set', () => {
  let userId: string;
  let oldToken: string;

  it('answers 200 with the sub for our access token', async () => {
    const registered = await current.send('register', 'POST', { json: { email: 'service@example.com', password: PASSWORD } });
    expect(registered.status).toBe(201);
    userId = ((await registered.json()) as { user: { id: string } }).user.id;
    oldToken = await signIn('service@example.com');
    expect(decodeProtectedHeader(oldToken)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' });
    const response = await hello(oldToken);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: userId, sub: userId, sid: expect.any(String) });
  });

  it('answers 401 invalid_token for a tampered token, and a plain Bearer challenge without one', async () => {
    const [h, p = '', s] = oldToken.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${s}`;
    const refused = await hello(tampered);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const none = await hello();
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('refuses a valid token bound to a certificate (cnf), which it cannot check', async () => {
    const keys = await accessTokenKeys(parseConfig(readEnv()));
    const { token } = signClientToken('billing', 'A'.repeat(43), keys, Date.now());
    const refused = await hello(token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('after a rotation (new first key, old one kept) old tokens still pass and new ones carry the new kid', async () => {
    await restartWith([k2, k1]);
    const newToken = await signIn('service@example.com');
    expect(decodeProtectedHeader(newToken).kid).toBe('k2');
    // The service learns k2 from the JWK Set when it first meets it.
    for (const token of [newToken, oldToken]) {
      const response = await hello(token);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { sub: string }).sub).toBe(userId);
      expect((await current.send('me', 'GET', { bearer: token })).status).toBe(200);
    }
  });

  it('once the old key is removed, its tokens fail at the app at once and at the service when its cache expires', async () => {
    await restartWith([k2]);
    const newToken = await signIn('service@example.com');
    expect((await current.send('me', 'GET', { bearer: oldToken })).status).toBe(401);
    await sleep(CACHE_MS + 100);
    const refused = await hello(oldToken);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect((await hello(newToken)).status).toBe(200);
  });
});
