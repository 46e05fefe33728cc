/**
 * The passkey routes of the real app, and the two ceremonies as a browser runs them with the
 * software authenticator (authenticator.ts): options (which set the challenge cookie), then the
 * response signed over the options' challenge.
 */
import { expect } from 'vitest';
import { apiRequest, CookieJar, ORIGIN, type RequestOptions } from './http';
import type { AssertionOptions, SoftwareCredential } from './authenticator';

export type PasskeyRoute = 'list' | 'remove' | 'registrationOptions' | 'registration' | 'authenticationOptions' | 'authentication';

const PATHS: Record<Exclude<PasskeyRoute, 'remove'>, string> = {
  list: '/api/auth/passkeys',
  registrationOptions: '/api/auth/passkeys/registration/options',
  registration: '/api/auth/passkeys/registration',
  authenticationOptions: '/api/auth/passkeys/authentication/options',
  authentication: '/api/auth/passkeys/authentication',
};

/** A route handler as Next.js calls it; `params` carries the `[id]` segment (the others ignore it). */
type PasskeyHandler = (request: Request, context: { params: Promise<{ id: string }> }) => Promise<Response>;
type RouteModule = Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', PasskeyHandler>>;

/** The RP id of the test app (APP_ORIGIN http://localhost:3000). */
export const RP_ID = 'localhost';

export interface CreationOptions {
  challenge: string;
  rp: { id: string; name: string };
  user: { id: string; name: string; displayName: string };
  excludeCredentials?: { id: string }[];
  authenticatorSelection?: { residentKey?: string; userVerification?: string; requireResidentKey?: boolean };
  attestation?: string;
  timeout?: number;
}

export interface RequestOptionsJson {
  challenge: string;
  rpId?: string;
  allowCredentials?: { id: string }[];
  userVerification?: string;
  timeout?: number;
}

/** Loads the passkey routes (after startApp has set the environment) and returns a caller. */
export async function loadPasskeyRoutes() {
  const modules: Record<Exclude<PasskeyRoute, 'remove'> | 'remove', RouteModule> = {
    list: await import('@/app/api/auth/passkeys/route'),
    remove: await import('@/app/api/auth/passkeys/[id]/route'),
    registrationOptions: await import('@/app/api/auth/passkeys/registration/options/route'),
    registration: await import('@/app/api/auth/passkeys/registration/route'),
    authenticationOptions: await import('@/app/api/auth/passkeys/authentication/options/route'),
    authentication: await import('@/app/api/auth/passkeys/authentication/route'),
  };

  /** Calls a passkey route (POST unless said otherwise) and checks `Cache-Control: no-store`. */
  async function send(name: PasskeyRoute, options: RequestOptions & { id?: string } = {}, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' = name === 'list' ? 'GET' : name === 'remove' ? 'DELETE' : 'POST'): Promise<Response> {
    const handler = modules[name][method];
    if (!handler) throw new TypeError(`${name} has no ${method}`);
    const path = name === 'remove' ? `/api/auth/passkeys/${encodeURIComponent(options.id ?? '')}` : PATHS[name];
    const response = await handler(apiRequest(method, path, options), { params: Promise.resolve({ id: options.id ?? '' }) });
    expect(response.headers.get('cache-control'), `${method} ${path}`).toBe('no-store');
    return response;
  }

  /** Starts adding a passkey for the browser `jar` (signed in): the creation options; the jar keeps the challenge cookie. */
  async function registrationOptions(jar: CookieJar): Promise<CreationOptions> {
    const response = await send('registrationOptions', { cookies: jar, origin: ORIGIN });
    expect(response.status, await response.clone().text()).toBe(200);
    jar.apply(response);
    return ((await response.json()) as { options: CreationOptions }).options;
  }

  /** Adds `credential` as a passkey of the browser `jar`'s account, as a browser at ORIGIN would; returns the response. */
  async function addPasskey(jar: CookieJar, credential: SoftwareCredential, change: { origin?: string; rpId?: string; userVerified?: boolean; name?: string } = {}): Promise<Response> {
    const options = await registrationOptions(jar);
    const response = credential.register({ challenge: options.challenge, origin: change.origin ?? ORIGIN, rpId: change.rpId ?? options.rp.id, userHandle: options.user.id, userVerified: change.userVerified });
    const answer = await send('registration', { cookies: jar, origin: ORIGIN, json: change.name === undefined ? { response } : { response, name: change.name } });
    jar.apply(answer);
    return answer;
  }

  /** Starts a passkey sign-in in the browser `jar`: the request options; the jar keeps the challenge cookie. */
  async function authenticationOptions(jar: CookieJar): Promise<RequestOptionsJson> {
    const response = await send('authenticationOptions', { cookies: jar, origin: ORIGIN });
    expect(response.status, await response.clone().text()).toBe(200);
    jar.apply(response);
    return ((await response.json()) as { options: RequestOptionsJson }).options;
  }

  /** Signs in with `credential` in the browser `jar` (a new one by default): options, then the assertion. */
  async function signInWithPasskey(credential: SoftwareCredential, change: Partial<AssertionOptions> = {}, jar = new CookieJar()): Promise<{ response: Response; jar: CookieJar; assertion: ReturnType<SoftwareCredential['assert']> }> {
    const options = await authenticationOptions(jar);
    const assertion = credential.assert({ challenge: options.challenge, origin: ORIGIN, rpId: options.rpId ?? RP_ID, ...change });
    const response = await send('authentication', { cookies: jar, origin: ORIGIN, json: { response: assertion } });
    jar.apply(response);
    return { response, jar, assertion };
  }

  return { send, registrationOptions, addPasskey, authenticationOptions, signInWithPasskey };
}

export type PasskeyRoutes = Awaited<ReturnType<typeof loadPasskeyRoutes>>;
