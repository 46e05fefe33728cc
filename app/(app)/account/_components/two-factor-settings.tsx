'use client';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Field } from '@/app/_components/field';
import { FormAlert } from '@/app/_components/form-alert';
import { text } from '@/app/_components/use-auth-form';
import type { Problem } from '@/lib/client/api';
import { sendJson } from '@/lib/client/send-json';
import { goToSignIn } from './account-api';
import styles from './two-factor.module.css';

interface Setup {
  setupKey: string;
  qrSvg: string;
}

type Stage = { kind: 'idle' } | { kind: 'setup'; setup: Setup } | { kind: 'codes'; codes: string[] } | { kind: 'turning-off'; proof: 'password' | 'code' };

function readSetup(json: unknown): Setup | null {
  if (typeof json !== 'object' || json === null) return null;
  const { setupKey, qrSvg } = json as Record<string, unknown>;
  return typeof setupKey === 'string' && typeof qrSvg === 'string' ? { setupKey, qrSvg } : null;
}

function readCodes(json: unknown): string[] | null {
  if (typeof json !== 'object' || json === null) return null;
  const { recoveryCodes } = json as Record<string, unknown>;
  return Array.isArray(recoveryCodes) && recoveryCodes.every((code) => typeof code === 'string') ? (recoveryCodes as string[]) : null;
}

/** The SVG the server rendered, as an image (no markup of it enters this page's DOM). */
function qrSource(svg: string): string {
  return `data:image/svg+xml;base64,${btoa(svg)}`;
}

const WRONG_CODE: Problem = { code: 'invalid_code', message: 'Two-factor authentication was not turned on.', fields: { code: ['The code is incorrect. Enter the code your app shows now.'] } };

/**
 * Set up (QR code, `Setup key`, `Code`, `Turn on two-factor authentication`), the recovery codes
 * once, and `Turn off two-factor authentication` with the password or a code. Focus follows each
 * step: the code field, then the recovery codes, then the button that comes back.
 */
export function TwoFactorSettings({ email, enabled, recoveryCodesLeft }: { email: string; enabled: boolean; recoveryCodesLeft: number }) {
  const router = useRouter();
  const rootRef = useRef<HTMLDivElement>(null);
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  // What this page did last (turned on or off), until the server's answer catches up.
  const [changedTo, setChangedTo] = useState<boolean | null>(null);
  // What gets focus after the stage changes; a fresh object per request.
  const [focusRequest, setFocusRequest] = useState<{ selector: string } | null>(null);

  useEffect(() => {
    if (!focusRequest) return;
    rootRef.current?.querySelector<HTMLElement>(focusRequest.selector)?.focus();
  }, [focusRequest]);

  /** Moves to another stage with no problem shown, focusing `selector` there. */
  function show(next: Stage, selector: string): void {
    setStage(next);
    setProblem(null);
    setFocusRequest({ selector });
  }

  function fail(next: Problem, selector: string): void {
    setProblem(next);
    setFocusRequest({ selector });
  }

  async function startSetup(): Promise<void> {
    if (pending) return;
    setPending(true);
    setProblem(null);
    setStatus(null);
    const answer = await sendJson('POST', '/api/auth/two-factor/setup', {}, readSetup);
    setPending(false);
    if (answer.kind === 'signed-out') return goToSignIn();
    if (answer.kind === 'problem') return fail(answer.problem, '[data-focus="start"]');
    setStage({ kind: 'setup', setup: answer.body });
    setFocusRequest({ selector: 'input[name="code"]' });
  }

  async function turnOn(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (pending) return;
    const code = text(new FormData(event.currentTarget), 'code');
    setPending(true);
    setProblem(null);
    const answer = await sendJson('POST', '/api/auth/two-factor/enable', { code }, readCodes);
    setPending(false);
    if (answer.kind === 'signed-out') return goToSignIn();
    if (answer.kind === 'problem') return fail(answer.problem.code === 'invalid_code' ? WRONG_CODE : answer.problem, 'input[name="code"]');
    setStage({ kind: 'codes', codes: answer.body });
    setChangedTo(true);
    setStatus('Two-factor authentication is on.');
    setFocusRequest({ selector: '#recovery-codes-title' });
  }

  async function turnOff(event: FormEvent<HTMLFormElement>, proof: 'password' | 'code'): Promise<void> {
    event.preventDefault();
    if (pending) return;
    const data = new FormData(event.currentTarget);
    const typed = text(data, proof === 'password' ? 'password' : 'code');
    // A 6-digit value is a code from the app; anything else typed as a code is a recovery code.
    const body = proof === 'password' ? { password: typed } : /^\d{6}$/.test(typed.replace(/\s/g, '')) ? { code: typed } : { recoveryCode: typed };
    const field = proof === 'password' ? 'password' : 'code';
    setPending(true);
    setProblem(null);
    const answer = await sendJson('POST', '/api/auth/two-factor/disable', body);
    setPending(false);
    if (answer.kind === 'signed-out') return goToSignIn();
    if (answer.kind === 'problem') {
      const wrong = answer.problem.code === 'invalid_credentials' || answer.problem.code === 'invalid_code';
      const shown: Problem = wrong
        ? { ...answer.problem, message: 'Two-factor authentication is still on.', fields: { [field]: [proof === 'password' ? 'The password is incorrect.' : 'The code is incorrect or was already used.'] } }
        : { ...answer.problem, fields: Object.fromEntries(Object.entries(answer.problem.fields).map(([, messages]) => [field, messages])) };
      return fail(shown, `input[name="${field}"]`);
    }
    setStage({ kind: 'idle' });
    setChangedTo(false);
    setStatus('Two-factor authentication is off.');
    setFocusRequest({ selector: '[data-focus="start"]' });
    router.refresh();
  }

  function done(): void {
    setStage({ kind: 'idle' });
    setFocusRequest({ selector: '[data-focus="turn-off"]' });
    router.refresh();
  }

  const on = changedTo ?? enabled;

  return (
    <div ref={rootRef} className="stack">
      <p className="muted">
        With two-factor authentication on, signing in needs a code from an authenticator app on your phone after your password, so a stolen password alone is not enough.
      </p>
      <p role="status" className={styles.state}>
        {status ?? (on ? `Two-factor authentication is on.${stage.kind === 'codes' ? '' : ` ${recoveryCodesLeft === 1 ? '1 recovery code' : `${recoveryCodesLeft} recovery codes`} left.`}` : 'Two-factor authentication is off.')}
      </p>
      <FormAlert problem={problem} shownFields={['code', 'password']} />

      {stage.kind === 'codes' ? (
        <div className="stack">
          <h3 id="recovery-codes-title" tabIndex={-1}>
            Save your recovery codes
          </h3>
          <p>
            If you lose your phone, each of these codes signs you in once instead of a code from the app. They are shown only now: store them somewhere safe, like a
            password manager.
          </p>
          <ul className={styles.codes} aria-label="Recovery codes">
            {stage.codes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ul>
          <div className={styles.actions}>
            <button type="button" className="button button-primary" onClick={done}>
              I have saved my recovery codes
            </button>
          </div>
        </div>
      ) : null}

      {stage.kind === 'setup' ? (
        <form method="post" noValidate onSubmit={turnOn} aria-busy={pending} className={styles.setup} aria-label="Set up two-factor authentication">
          <p>Scan the QR code with an authenticator app (such as 1Password, Google Authenticator or Aegis), or type the setup key into it. Then enter the code it shows.</p>
          {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL rendered on the server; nothing for next/image to optimise */}
          <img className={styles.qr} src={qrSource(stage.setup.qrSvg)} alt={`QR code to add ${email} to an authenticator app`} width={192} height={192} />
          <dl className={styles.key}>
            <dt id="setup-key-label">Setup key</dt>
            <dd aria-labelledby="setup-key-label">{stage.setup.setupKey}</dd>
          </dl>
          <Field
            label="Code"
            name="code"
            type="text"
            inputMode="numeric"
            pattern="[0-9 ]*"
            autoComplete="one-time-code"
            maxLength={7}
            required
            hint="The 6-digit code your app shows for this account."
            errors={problem?.fields.code}
          />
          <div className={styles.actions}>
            <button type="submit" className="button button-primary" disabled={pending}>
              {pending ? 'Turning on…' : 'Turn on two-factor authentication'}
            </button>
            <button
              type="button"
              className="button"
              disabled={pending}
              onClick={() => show({ kind: 'idle' }, '[data-focus="start"]')}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : null}

      {stage.kind === 'turning-off' ? (
        <form method="post" noValidate onSubmit={(event) => turnOff(event, stage.proof)} aria-busy={pending} className={`stack ${styles.setup}`} aria-label="Turn off two-factor authentication">
          <input type="text" name="username" autoComplete="username" value={email} readOnly hidden />
          {stage.proof === 'password' ? (
            <Field key="password" label="Your password" name="password" type="password" autoComplete="current-password" required hint="To confirm it is you." errors={problem?.fields.password} />
          ) : (
            <Field
              key="code"
              label="Code"
              name="code"
              type="text"
              autoComplete="one-time-code"
              autoCapitalize="none"
              spellCheck={false}
              maxLength={64}
              required
              hint="A code from your authenticator app, or one of your recovery codes."
              errors={problem?.fields.code}
            />
          )}
          <div className={styles.actions}>
            <button type="submit" className="button button-primary" disabled={pending}>
              {pending ? 'Turning off…' : 'Turn off two-factor authentication'}
            </button>
            <button
              type="button"
              className="button"
              disabled={pending}
              onClick={() => {
                const proof = stage.proof === 'password' ? 'code' : 'password';
                show({ kind: 'turning-off', proof }, `input[name="${proof}"]`);
              }}
            >
              {stage.proof === 'password' ? 'Use a code instead' : 'Use your password instead'}
            </button>
            <button
              type="button"
              className="button"
              disabled={pending}
              onClick={() => show({ kind: 'idle' }, '[data-focus="turn-off"]')}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : null}

      {stage.kind === 'idle' && !on ? (
        <div className={styles.actions}>
          <button type="button" className="button button-primary" data-focus="start" onClick={startSetup} disabled={pending}>
            {pending ? 'Starting…' : 'Set up two-factor authentication'}
          </button>
        </div>
      ) : null}
      {stage.kind === 'idle' && on ? (
        <div className={styles.actions}>
          <button
            type="button"
            className="button"
            data-focus="turn-off"
            onClick={() => {
              setStatus(null);
              show({ kind: 'turning-off', proof: 'password' }, 'input[name="password"]');
            }}
          >
            Turn off two-factor authentication
          </button>
        </div>
      ) : null}
    </div>
  );
}
