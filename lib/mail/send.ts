/**
 * Delivering a mail: over SMTP to SMTP_URL (nodemailer; STARTTLS when the server offers it on
 * smtp://, TLS from the start on smtps://), from MAIL_FROM. Without SMTP_URL the mail is written
 * to the server log as one JSON line with its recipient, subject and links (contract
 * "Configuration"), so development needs no mail server; a production start without SMTP_URL
 * prints a warning saying so (lib/config.ts configWarnings). That line is the one place a link
 * token is ever logged.
 *
 * Callers never await delivery on a request's path: lib/mail/outbox.ts sends after the response.
 */
import 'server-only';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '@/lib/config';
import type { MailMessage } from './messages';

export type MailConfig = Pick<Config, 'smtpUrl' | 'mailFrom'>;

/** A dead or stalled mail server must not hold sockets (and background work) for minutes. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as const;

const transports = new Map<string, Transporter>();

function transportFor(url: string): Transporter {
  let transport = transports.get(url);
  if (!transport) {
    transport = nodemailer.createTransport({ url, ...TIMEOUTS });
    transports.set(url, transport);
  }
  return transport;
}

/** Sends one mail (or logs it without SMTP_URL); rejects when the SMTP server is down or refuses it. */
export async function deliverMail(config: MailConfig, message: MailMessage): Promise<void> {
  if (config.smtpUrl === null) {
    console.info(JSON.stringify({ level: 'info', event: 'mail', at: new Date().toISOString(), to: message.to, subject: message.subject, links: message.links }));
    return;
  }
  await transportFor(config.smtpUrl).sendMail({ from: config.mailFrom, to: message.to, subject: message.subject, text: message.text, html: message.html });
}

/** What may be logged of a delivery failure: codes only, never the message (it may quote the server's reply or the address). */
export function mailFailure(error: unknown): { code: string; responseCode: number | null } {
  const record = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const code = typeof record.code === 'string' && /^[A-Z_]{1,40}$/.test(record.code) ? record.code : error instanceof Error ? error.name : 'unknown';
  const responseCode = typeof record.responseCode === 'number' ? record.responseCode : null;
  return { code, responseCode };
}
