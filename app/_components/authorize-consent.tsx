'use client';
import { useState } from 'react';
import * as z from 'zod/mini';
import { loginPath } from '@/lib/auth/redirects';
import type { Problem } from '@/lib/client/api';
import { sendJson } from '@/lib/client/send-json';
import { FormAlert } from './form-alert';
import { useHydrated } from './use-hydrated';

const answerSchema = z.object({ redirectTo: z.string() });

/**
 * `Allow` / `Cancel` for a native app's sign-in request. The answer comes back as the address to
 * go to (the app's redirect URI with a code, or with `access_denied`), followed by a navigation:
 * a form posting to us and redirecting to the app would be blocked by `form-action 'self'`.
 */
export function AuthorizeConsent({ query, clientId }: { query: string; clientId: string }) {
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function answer(decision: 'allow' | 'cancel'): Promise<void> {
    setPending(true);
    setProblem(null);
    // Through authFetch: a page left open past the access token's lifetime refreshes once and
    // goes on; only a session that is really over sends the user to sign in (and back here).
    const outcome = await sendJson('POST', '/api/auth/authorize', { query, decision }, (body) => {
      const parsed = answerSchema.safeParse(body);
      return parsed.success ? parsed.data : null;
    });
    if (outcome.kind === 'ok') {
      // The page is being replaced by the app's redirect: stay pending.
      window.location.assign(outcome.body.redirectTo);
      return;
    }
    if (outcome.kind === 'signed-out') {
      window.location.assign(loginPath(`/authorize?${query}`));
      return;
    }
    setProblem(outcome.problem);
    setPending(false);
  }

  return (
    <div className="stack">
      <FormAlert problem={problem} shownFields={[]} />
      <div className="button-row">
        <button type="button" className="button button-primary" onClick={() => void answer('allow')} disabled={pending || !hydrated} aria-describedby="authorize-explanation">
          Allow
        </button>
        <button type="button" className="button" onClick={() => void answer('cancel')} disabled={pending || !hydrated}>
          Cancel
        </button>
      </div>
      <p className="muted">Only allow this if you just started signing in to {clientId} yourself.</p>
    </div>
  );
}
