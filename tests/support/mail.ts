/**
 * A real SMTP server for tests (smtp-server), whose received mails are parsed with mailparser, so
 * the flows are tested through nodemailer, SMTP and MIME as they run in production: no mocked
 * transport. `refuse` makes it reject every recipient (a server that is up but refuses the mail);
 * a server that is down is simply a port nobody listens on (`unusedSmtpUrl`).
 */
import { createServer } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  /** The whole message as it came over the wire. */
  raw: string;
}

export interface MailSink {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  url: string;
  /** Every mail received so far, oldest first. */
  readonly received: ReceivedMail[];
  /** The mails to an address so far. */
  to(address: string): ReceivedMail[];
  /** Waits (up to `timeoutMs`) for a mail to `address` whose subject contains `subject`, beyond the first `after` such mails. */
  waitFor(address: string, subject: string, options?: { after?: number; timeoutMs?: number }): Promise<ReceivedMail>;
  /** When true, every recipient is refused with 550. */
  refuse: boolean;
  close(): Promise<void>;
}

/** Starts an SMTP sink on a free port of 127.0.0.1 (no TLS, no auth required). */
export async function startMailSink(): Promise<MailSink> {
  const received: ReceivedMail[] = [];
  const state = { refuse: false };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (state.refuse) {
        const error = Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 });
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (parsed) => {
            received.push({
              from: parsed.from?.text ?? '',
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : null,
              raw,
            });
            callback();
          },
          (error: unknown) => callback(error instanceof Error ? error : new Error('unparsable mail')),
        );
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('SMTP sink has no port');

  const to = (addr: string) => received.filter((mail) => mail.to.includes(addr.toLowerCase()));
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    received,
    to,
    async waitFor(addr, subject, { after = 0, timeoutMs = 10_000 } = {}) {
      // Counted in polls, not by Date: tests freeze Date.
      for (let polls = 0; ; polls += 1) {
        const found = to(addr).filter((mail) => mail.subject.includes(subject))[after];
        if (found) return found;
        if (polls * 20 > timeoutMs) throw new Error(`no mail to ${addr} with "${subject}" (have: ${JSON.stringify(to(addr).map((m) => m.subject))})`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    get refuse() {
      return state.refuse;
    },
    set refuse(value: boolean) {
      state.refuse = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An smtp:// URL on a port nobody listens on: a mail server that is down. */
export async function unusedSmtpUrl(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
  return `smtp://127.0.0.1:${port}`;
}

/** The link to `pathname` on `origin` in a mail's plain-text part, and its token. */
export function linkIn(mail: ReceivedMail, origin: string, pathname: string): { url: string; token: string } {
  const escaped = `${origin}${pathname}`.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`${escaped}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text);
  if (!match) throw new Error(`no ${pathname} link in the mail "${mail.subject}"`);
  return { url: match[0], token: match[1] as string };
}
