/**
 * The end-to-end suite's mail server: a real SMTP server (smtp-server, mails parsed with
 * mailparser) that the app under test sends to, and a small HTTP API on which the specs read what
 * arrived. Playwright starts it as a web server of its own (playwright.config.ts), before the app.
 *
 *   node --import tsx tests/e2e/mail-sink.ts <smtp port> <http port>
 *   GET /            200 (readiness)
 *   GET /mails?to=x  the mails to x so far, oldest first: [{ from, to, subject, text, html }]
 */
import { createServer } from 'node:http';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

interface Mail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
}

const [smtpPort, httpPort] = process.argv.slice(2).map(Number);
if (!smtpPort || !httpPort) {
  process.stderr.write('usage: mail-sink.ts <smtp port> <http port>\n');
  process.exit(2);
}

const mails: Mail[] = [];

const smtp = new SMTPServer({
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream).then(
      (parsed) => {
        mails.push({
          from: parsed.from?.text ?? '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : null,
        });
        callback();
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error('unparsable mail')),
    );
  },
});
smtp.on('error', (error) => process.stderr.write(`mail sink: ${error.message}\n`));
smtp.listen(smtpPort, '127.0.0.1');

const http = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/mails') {
    const to = url.searchParams.get('to')?.toLowerCase();
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(to ? mails.filter((mail) => mail.to.includes(to)) : mails));
    return;
  }
  response.writeHead(url.pathname === '/' ? 200 : 404, { 'content-type': 'text/plain' });
  response.end(url.pathname === '/' ? 'mail sink' : 'not found');
});
http.listen(httpPort, '127.0.0.1');

const stop = () => {
  http.close();
  smtp.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
