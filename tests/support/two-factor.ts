/**
 * The two-factor routes of the real app next to startApp's, and the steps the two-factor tests
 * share: turning it on for an account (codes computed from the setup key with otplib, as an
 * authenticator app would), the two sign-in steps, and reading the challenge cookie.
 */
import { generate } from 'otplib';
import { expect } from 'vitest';
import type { TestApp } from './app';
import { advanceClock } from './clock';
import { SECOND } from './env';
import { apiRequest, call, CookieJar, type Handler, type RequestOptions, ORIGIN } from './http';
import { settled } from './mail-app';

export type TwoFactorRoute = 'second' | 'setup' | 'enable' | 'disable' | 'account' | 'sessions';

const PATHS: Record<TwoFactorRoute, string> = {
  second: '/api/auth/login/two-factor',
  setup: '/api/auth/two-factor/setup',
  enable: '/api/auth/two-factor/enable',
  disable: '/api/auth/two-factor/disable',
  account: '/api/auth/account',
  sessions: '/api/auth/sessions',
};

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type RouteModule = Partial<Record<Method, Handler>>;

export type TwoFactorRoutes = (name: TwoFactorRoute, options?: RequestOptions, method?: Method) => Promise<Response>;

/** Loads the routes (after startApp has set the environment). */
export async function loadTwoFactorRoutes(): Promise<TwoFactorRoutes> {
  const modules: Record<TwoFactorRoute, RouteModule> = {
    second: await import('@/app/api/auth/login/two-factor/route'),
    setup: await import('@/app/api/auth/two-factor/setup/route'),
    enable: await import('@/app/api/auth/two-factor/enable/route'),
    disable: await import('@/app/api/auth/two-factor/disable/route'),
    account: await import('@/app/api/auth/account/route'),
    sessions: await import('@/app/api/auth/sessions/route'),
  };
  return (name, options = {}, method = 'POST') => {
    const handler = modules[name][method];
    if (!handler) throw new TypeError(`${name} has no ${method}`);
    return call(handler, apiRequest(method, PATHS[name], options));
  };
}

/** The code an authenticator app shows for `setupKey` at `atMs` (default: the frozen now). */
export function codeAt(setupKey: string, atMs: number = Date.now()): Promise<string> {
  return generate({ secret: setupKey.replace(/\s/g, ''), epoch: Math.floor(atMs / 1000) });
}

export interface EnabledAccount {
  email: string;
  /** The browser that registered and turned two-factor on (still signed in). */
  jar: CookieJar;
  setupKey: string;
  recoveryCodes: string[];
}

/** Registers `email` and turns two-factor on with the current code. */
export async function registerWithTwoFactor(app: TestApp, send: TwoFactorRoutes, email: string, password: string): Promise<EnabledAccount> {
  const { response, jar } = await app.signUp(email, password);
  expect(response.status).toBe(201);
  const setup = await send('setup', { cookies: jar, origin: ORIGIN });
  expect(setup.status).toBe(200);
  const { setupKey } = (await setup.json()) as { setupKey: string };
  const enabled = await send('enable', { cookies: jar, origin: ORIGIN, json: { code: await codeAt(setupKey) } });
  expect(enabled.status).toBe(200);
  const { recoveryCodes } = (await enabled.json()) as { recoveryCodes: string[] };
  return { email, jar, setupKey, recoveryCodes };
}

/** The challenge cookie's name in a test app (COOKIE_SECURE unset unless `secure`). */
export const challengeName = (secure = false) => (secure ? '__Host-two_factor_challenge' : 'two_factor_challenge');

/** Step one in a fresh browser: the right password of a two-factor account. Returns the response and the browser. */
export async function firstStep(app: TestApp, email: string, password: string, jar = new CookieJar()): Promise<{ response: Response; jar: CookieJar }> {
  const response = await app.send('login', 'POST', { json: { email, password }, cookies: jar, origin: ORIGIN });
  return { response, jar: jar.apply(response) };
}

/** Step two from a browser: `{"code"}` or `{"recoveryCode"}`. The browser keeps what it is sent. */
export async function secondStep(send: TwoFactorRoutes, jar: CookieJar, proof: Record<string, unknown>): Promise<Response> {
  const response = await send('second', { json: proof, cookies: jar, origin: ORIGIN });
  jar.apply(response.clone());
  return response;
}

/**
 * Moves the clock on by one TOTP step, so the code of "now" was never used before. Mails in flight
 * are delivered first: nodemailer's timeouts would read the jump as a stalled server.
 */
export async function nextTimeStep(): Promise<void> {
  await settled();
  advanceClock(30 * SECOND);
}
