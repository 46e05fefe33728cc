'use client';
import { useRouter } from 'next/navigation';
import { useRef, useState, useTransition, type FormEvent } from 'react';
import * as z from 'zod/mini';
import { Field } from '@/app/_components/field';
import { FormAlert } from '@/app/_components/form-alert';
import { Time } from '@/app/_components/time';
import { text } from '@/app/_components/use-auth-form';
import type { ApiKeyView } from '@/lib/auth/api-key-view';
import type { Problem } from '@/lib/client/api';
import { sendJson } from '@/lib/client/send-json';
import { goToSignIn } from './account-api';
import { DeleteRowButton } from './delete-row-button';
import accountStyles from '../account.module.css';
import styles from './api-keys.module.css';

const FIELDS = ['name'] as const;
const createdSchema = z.object({ key: z.string(), apiKey: z.object({ id: z.string(), name: z.string() }) });

type Created = z.infer<typeof createdSchema>;

const readCreated = (json: unknown): Created | null => createdSchema.safeParse(json).data ?? null;

/** The create form, the key shown once after creating it, and the list with `Revoke` on each row. */
export function ApiKeysManager({ keys, expiryDays, nameMax, maxKeys }: { keys: ApiKeyView[]; expiryDays: number[]; nameMax: number; maxKeys: number }) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const [pending, startTransition] = useTransition();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const [copied, setCopied] = useState(false);

  function onSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (pending) return;
    const form = event.currentTarget;
    const data = new FormData(form);
    const expiry = text(data, 'expiresInDays');
    const body = { name: text(data, 'name'), expiresInDays: expiry === '' ? null : Number(expiry) };
    setProblem(null);
    setCreated(null);
    setCopied(false);
    startTransition(async () => {
      const outcome = await sendJson('POST', '/api/auth/api-keys', body, readCreated);
      if (outcome.kind === 'signed-out') return goToSignIn();
      if (outcome.kind === 'problem') {
        setProblem(outcome.problem);
        formRef.current?.querySelector<HTMLInputElement>('input[name="name"]')?.focus();
        return;
      }
      form.reset();
      setCreated(outcome.body);
      router.refresh();
    });
  }

  async function copy(key: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(key);
      setCopied(true);
    } catch {
      // No clipboard permission: the key is selectable text; the hint already says to copy it.
      setCopied(false);
    }
  }

  return (
    <div>
      <form ref={formRef} method="post" noValidate onSubmit={onSubmit} aria-busy={pending} aria-label="Create an API key" className={styles.form}>
        <Field label="Name" name="name" maxLength={nameMax} required autoComplete="off" hint="What the key is for, e.g. “CI deploy”." errors={problem?.fields.name} />
        <div className={styles.select}>
          <label htmlFor="api-key-expiry">Expires</label>
          <select id="api-key-expiry" name="expiresInDays" defaultValue={String(expiryDays[1] ?? '')}>
            {expiryDays.map((days) => (
              <option key={days} value={String(days)}>
                In {days} days
              </option>
            ))}
            <option value="">Never</option>
          </select>
        </div>
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Creating API key…' : 'Create API key'}
        </button>
      </form>
      <FormAlert problem={problem} shownFields={FIELDS} />

      {created ? (
        <div className={styles.created} role="region" aria-label="New API key">
          <p role="status">
            <strong>API key “{created.apiKey.name}” created.</strong> Copy it now: it will not be shown again.
          </p>
          <div className={styles.secret}>
            <code aria-label="API key">{created.key}</code>
            <button type="button" className="button button-small" onClick={() => void copy(created.key)}>
              {copied ? 'Copied' : 'Copy key'}
            </button>
          </div>
        </div>
      ) : null}

      {keys.length === 0 ? (
        <p className={styles.empty}>No API keys yet</p>
      ) : (
        <ul className={styles.keys} aria-label="API keys">
          {keys.map((key) => (
            <li key={key.id} className={styles.key} data-api-key-id={key.id}>
              <div>
                <p className={styles.name}>{key.name}</p>
                <dl className={accountStyles.meta}>
                  <div>
                    <dt>Created</dt>
                    <dd>
                      <Time at={key.createdAt} />
                    </dd>
                  </div>
                  <div>
                    <dt>Last used</dt>
                    <dd>{key.lastUsedAt === null ? 'Never' : <Time at={key.lastUsedAt} />}</dd>
                  </div>
                  <div>
                    <dt>{key.expired ? 'Expired' : 'Expires'}</dt>
                    <dd>{key.expiresAt === null ? 'Never' : <Time at={key.expiresAt} />}</dd>
                  </div>
                </dl>
              </div>
              <DeleteRowButton path={`/api/auth/api-keys/${encodeURIComponent(key.id)}`} id={key.id} label="Revoke" pendingLabel="Revoking…" status={`Revoking the API key ${key.name}…`} />
            </li>
          ))}
        </ul>
      )}
      {keys.length >= maxKeys ? <p className={styles.empty}>You have {maxKeys} keys, the most one account may hold. Revoke one to create another.</p> : null}
    </div>
  );
}
