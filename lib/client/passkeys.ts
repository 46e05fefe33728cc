/**
 * The browser half of the passkey ceremonies: the options from our API, the WebAuthn call through
 * @simplewebauthn/browser (which turns the JSON options into what `navigator.credentials` takes, and
 * the credential back into JSON), and the response posted back. Client-safe.
 */
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
  WebAuthnError,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { networkProblem, problemOf, type Problem } from './api';
import { authFetch, isSessionExpired } from './fetch';

export type PasskeyOutcome = { kind: 'ok' } | { kind: 'cancelled' } | { kind: 'signed-out' } | { kind: 'problem'; problem: Problem };

const problem = (message: string, code = 'passkey_error'): PasskeyOutcome => ({ kind: 'problem', problem: { code, message, fields: {} } });

/** Whether this browser can use passkeys at all (false on the server and in old browsers). */
export function passkeysSupported(): boolean {
  return browserSupportsWebAuthn();
}

/** Whether this browser offers passkeys in a field's autofill list (conditional UI). */
export function passkeyAutofillSupported(): Promise<boolean> {
  return browserSupportsWebAuthnAutofill();
}

/** Ends a pending passkey request (the autofill one, when the page leaves or another starts). */
export function cancelPasskeyRequest(): void {
  WebAuthnAbortService.cancelCeremony();
}

/** What went wrong in the browser's WebAuthn call, in words; a cancel is not a problem. */
function browserOutcome(error: unknown, ceremony: 'add' | 'sign-in'): PasskeyOutcome {
  const name = error instanceof Error ? error.name : '';
  const code = error instanceof WebAuthnError ? error.code : '';
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return problem('This device already has a passkey for your account.');
  if (code === 'ERROR_CEREMONY_ABORTED' || name === 'AbortError') return { kind: 'cancelled' };
  // The user closed the dialog or it timed out: the browser does not say which.
  if (name === 'NotAllowedError') return problem(ceremony === 'add' ? 'No passkey was added. Try again when you are ready.' : 'No passkey was used. Try again, or sign in with your password.');
  return problem(ceremony === 'add' ? 'This browser or device could not create a passkey.' : 'This browser or device could not use a passkey.');
}

async function post(path: string, body: unknown, signedIn: boolean): Promise<Response | null> {
  const init: RequestInit = {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  };
  try {
    return signedIn ? await authFetch(path, init) : await fetch(path, init);
  } catch {
    return null;
  }
}

async function optionsFrom<T>(response: Response | null): Promise<{ options: T } | PasskeyOutcome> {
  if (response === null) return { kind: 'problem', problem: networkProblem };
  if (isSessionExpired(response)) return { kind: 'signed-out' };
  if (!response.ok) return { kind: 'problem', problem: await problemOf(response) };
  // Our own API's answer, handed as is to @simplewebauthn/browser, which checks what it uses.
  return (await response.json()) as { options: T };
}

/** Adds a passkey to the signed-in account: options, the browser's create(), the registration. */
export async function addPasskey(): Promise<PasskeyOutcome> {
  const started = await optionsFrom<PublicKeyCredentialCreationOptionsJSON>(await post('/api/auth/passkeys/registration/options', {}, true));
  if ('kind' in started) return started;
  let credential;
  try {
    credential = await startRegistration({ optionsJSON: started.options });
  } catch (error) {
    return browserOutcome(error, 'add');
  }
  const response = await post('/api/auth/passkeys/registration', { response: credential }, true);
  if (response === null) return { kind: 'problem', problem: networkProblem };
  if (isSessionExpired(response)) return { kind: 'signed-out' };
  return response.ok ? { kind: 'ok' } : { kind: 'problem', problem: await problemOf(response) };
}

/**
 * Signs in with a passkey: options, the browser's get() (with `autofill`, a pending request that
 * the Email field's autofill list completes), then the assertion. `ok` means both cookies are set.
 */
export async function signInWithPasskey(autofill = false): Promise<PasskeyOutcome> {
  const started = await optionsFrom<PublicKeyCredentialRequestOptionsJSON>(await post('/api/auth/passkeys/authentication/options', {}, false));
  if ('kind' in started) return started;
  let credential;
  try {
    credential = await startAuthentication({ optionsJSON: started.options, useBrowserAutofill: autofill });
  } catch (error) {
    return browserOutcome(error, 'sign-in');
  }
  const response = await post('/api/auth/passkeys/authentication', { response: credential }, false);
  if (response === null) return { kind: 'problem', problem: networkProblem };
  return response.ok ? { kind: 'ok' } : { kind: 'problem', problem: await problemOf(response) };
}
