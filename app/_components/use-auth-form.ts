'use client';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { postJson, type Problem } from '@/lib/client/api';

/**
 * Submitting a sign-in or register form to the JSON API: pending state, the problem to show,
 * focus on the first invalid field, and a full navigation to `redirectTo` on success.
 *
 * A full navigation (not a client-side push) so that every server component, and the router's
 * cache, start over with the new identity. `redirectTo` was checked with safeNextPath on the server.
 */
export function useAuthForm(
  endpoint: string,
  bodyOf: (data: FormData) => Record<string, string | undefined>,
  redirectTo: string,
  /** Reads a successful answer first; `stay` keeps the page (e.g. a second sign-in step follows). */
  afterSuccess?: (response: Response) => Promise<'stay' | 'go'>,
) {
  const formRef = useRef<HTMLFormElement>(null);
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    if (!problem) return;
    formRef.current?.querySelector<HTMLInputElement>('input[aria-invalid="true"]')?.focus();
  }, [problem]);

  async function onSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (pending) return;
    const body = bodyOf(new FormData(event.currentTarget));
    setPending(true);
    setProblem(null);
    const outcome = await postJson(endpoint, body);
    if (outcome.ok && afterSuccess && (await afterSuccess(outcome.response)) === 'stay') {
      setPending(false);
      return;
    }
    if (outcome.ok) {
      // Stay pending: the page is about to be replaced.
      window.location.replace(redirectTo);
      return;
    }
    setProblem(outcome.problem);
    setPending(false);
  }

  return { formRef, pending, problem, onSubmit };
}

/** A form field's value as a string ('' when absent or a file). */
export function text(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
}
