'use client';
import { useRouter } from 'next/navigation';
import { useState, useSyncExternalStore, useTransition } from 'react';
import { addPasskey, passkeysSupported } from '@/lib/client/passkeys';
import { goToSignIn } from './account-api';

const subscribe = () => () => undefined;

/**
 * `Add a passkey`: asks the browser to create a passkey for this account and stores it. Disabled
 * until hydrated; in a browser without WebAuthn it says so instead.
 */
export function AddPasskeyButton({ className }: { className?: string }) {
  const router = useRouter();
  // null on the server and before hydration; then whether this browser has WebAuthn.
  const supported = useSyncExternalStore(subscribe, passkeysSupported, () => null);
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<{ ok: true } | { ok: false; message: string } | null>(null);

  function add(): void {
    setResult(null);
    startTransition(async () => {
      const outcome = await addPasskey();
      if (outcome.kind === 'signed-out') return goToSignIn();
      if (outcome.kind === 'cancelled') return;
      if (outcome.kind === 'problem') {
        setResult({ ok: false, message: outcome.problem.message });
        return;
      }
      setResult({ ok: true });
      router.refresh();
    });
  }

  if (supported === false) {
    return <p className={className ? `muted ${className}` : 'muted'}>This browser cannot create passkeys. Try a current version of Chrome, Edge, Firefox or Safari.</p>;
  }
  return (
    <div className={className}>
      <button type="button" className="button" onClick={add} disabled={pending || supported === null}>
        {pending ? 'Adding a passkey…' : 'Add a passkey'}
      </button>
      {result?.ok ? (
        <p role="status" className="form-success">
          Passkey added. You can now sign in with it.
        </p>
      ) : null}
      {result && !result.ok ? (
        <p role="alert" className="form-alert">
          {result.message}
        </p>
      ) : null}
    </div>
  );
}
