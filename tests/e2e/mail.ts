/** Reading the mails the app sent, from the suite's mail sink (tests/e2e/mail-sink.ts). */
import { expect, type APIRequestContext } from '@playwright/test';
import { MAIL_SINK_HTTP } from './ports';

export interface SentMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
}

/** The mails to an address so far, oldest first. */
export async function mailsTo(request: APIRequestContext, address: string): Promise<SentMail[]> {
  const response = await request.get(`${MAIL_SINK_HTTP}/mails?to=${encodeURIComponent(address)}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as SentMail[];
}

/** Waits for the `n`-th (0-based) mail to `address` whose subject contains `subject`. */
export async function waitForMail(request: APIRequestContext, address: string, subject: string, n = 0): Promise<SentMail> {
  let found: SentMail | undefined;
  await expect
    .poll(
      async () => {
        found = (await mailsTo(request, address)).filter((mail) => mail.subject.includes(subject))[n];
        return found !== undefined;
      },
      { message: `mail "${subject}" #${n + 1} to ${address}`, timeout: 15_000 },
    )
    .toBe(true);
  if (!found) throw new Error('unreachable');
  return found;
}

/** The absolute link to `pathname` in a mail's plain-text part. */
export function linkIn(mail: SentMail, pathname: string): string {
  const match = new RegExp(`https?://[^\\s/]+${pathname.replace(/[/]/g, '\\/')}\\?token=[A-Za-z0-9_-]+`).exec(mail.text);
  if (!match) throw new Error(`no ${pathname} link in "${mail.subject}"`);
  return match[0];
}
