'use client';
import { useState } from 'react';
import { postJson, type Problem } from '@/lib/client/api';
import { FormAlert } from './form-alert';
import { useHydrated } from './use-hydrated';

export interface ProviderButton {
  id: string;
  name: string;
}

/**
 * One `Sign in with <Name>` button per configured OpenID Connect provider. Pressing one asks the
 * server to start the flow (it sets the flow cookie) and then goes to the provider's page.
 * `error` is the sentence for a callback that came back refused (`?oauth_error=`).
 */
export function ProviderSignIn({ providers, next, error }: { providers: ProviderButton[]; next: string; error: string | null }) {
  const hydrated = useHydrated();
  const [pending, setPending] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(error ? { code: 'oauth_error', message: error, fields: {} } : null);

  async function start(id: string): Promise<void> {
    if (pending) return;
    setPending(id);
    setProblem(null);
    const outcome = await postJson(`/api/auth/oauth/${encodeURIComponent(id)}`, { next });
    if (outcome.ok) {
      const body: unknown = await outcome.response.json().catch(() => null);
      const url = typeof body === 'object' && body !== null && 'url' in body && typeof body.url === 'string' ? body.url : null;
      // Stay pending: the page is about to be replaced by the provider's.
      if (url) {
        window.location.assign(url);
        return;
      }
    }
    setProblem(outcome.ok ? { code: 'internal_error', message: 'Something went wrong on our side. Please try again.', fields: {} } : outcome.problem);
    setPending(null);
  }

  if (providers.length === 0) return problem ? <FormAlert problem={problem} shownFields={[]} /> : null;
  return (
    <div className="stack other-sign-in" aria-label="Other ways to sign in" role="group">
      <FormAlert problem={problem} shownFields={[]} />
      {providers.map((provider) => (
        <button key={provider.id} type="button" className="button" onClick={() => void start(provider.id)} disabled={pending !== null || !hydrated} aria-busy={pending === provider.id}>
          {pending === provider.id ? `Going to ${provider.name}…` : `Sign in with ${provider.name}`}
        </button>
      ))}
    </div>
  );
}
