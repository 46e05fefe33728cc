'use client';
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { Problem } from '@/lib/client/api';
import { cancelPasskeyRequest, passkeyAutofillSupported, passkeysSupported, signInWithPasskey, type PasskeyOutcome } from '@/lib/client/passkeys';

const subscribe = () => () => undefined;

/**
 * `Sign in with a passkey` on /login: no email typed; the browser offers the passkeys it holds for
 * this site. Where the browser supports it, the same passkeys are also offered in the Email field's
 * autofill list (conditional UI, `autocomplete="username webauthn"`), while the password form
 * works as before. Hidden in a browser without WebAuthn. Goes to `redirectTo` when signed in.
 */
export function PasskeySignIn({ redirectTo }: { redirectTo: string }) {
  // null on the server and before hydration; then whether this browser has WebAuthn.
  const supported = useSyncExternalStore(subscribe, passkeysSupported, () => null);
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  function finish(outcome: PasskeyOutcome): void {
    if (outcome.kind === 'ok') {
      // Stay pending: the page is about to be replaced (a full navigation, as after a password).
      window.location.replace(redirectTo);
      return;
    }
    setPending(false);
    if (outcome.kind === 'problem') setProblem(outcome.problem);
  }

  // Conditional UI: a pending request that the Email field's autofill list completes.
  useEffect(() => {
    if (!supported) return;
    let active = true;
    void (async () => {
      if (!(await passkeyAutofillSupported()) || !active) return;
      if (!document.querySelector('input[autocomplete$="webauthn"]')) return;
      const outcome = await signInWithPasskey(true);
      // A click on the button cancels this request (one WebAuthn request at a time): nothing to show.
      if (active && outcome.kind !== 'cancelled') {
        setPending(true);
        finish(outcome);
      }
    })();
    return () => {
      active = false;
      cancelPasskeyRequest();
    };
    // finish only reads redirectTo, which never changes on this page.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [supported]);

  async function onClick(): Promise<void> {
    if (pending) return;
    setPending(true);
    setProblem(null);
    finish(await signInWithPasskey(false));
  }

  if (supported === false) return null;
  return (
    <div className="stack other-sign-in">
      {problem ? (
        <div role="alert" className="form-alert">
          <p>{problem.message}</p>
        </div>
      ) : null}
      <button type="button" className="button" onClick={() => void onClick()} disabled={pending || supported === null} aria-busy={pending}>
        {pending ? 'Waiting for your passkey…' : 'Sign in with a passkey'}
      </button>
    </div>
  );
}
