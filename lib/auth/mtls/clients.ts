/**
 * Which configured machine client (MTLS_CLIENTS) a forwarded certificate belongs to: by SHA-256
 * fingerprint (one certificate exactly), or by subject (any certificate the proxy's CA issued with
 * that subject, so a renewed certificate keeps working). A subject is written `CN=billing,O=Example`:
 * its attributes in any order, each compared exactly; a value containing a comma cannot be written
 * that way, so such a client is named by fingerprint.
 */
import 'server-only';
import type { MtlsClient } from '@/lib/config';
import type { ClientCertificate } from './client-certificate';

/** `KEY=value` pairs, keys upper-cased, sorted: one form for both the config's and the certificate's subject. */
function normaliseSubject(parts: string[]): string {
  return parts
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq <= 0 ? part : `${part.slice(0, eq).trim().toUpperCase()}=${part.slice(eq + 1).trim()}`;
    })
    .sort()
    .join('\n');
}

/** The client the certificate identifies, or null when MTLS_CLIENTS names none. */
export function clientForCertificate(certificate: ClientCertificate, clients: readonly MtlsClient[]): MtlsClient | null {
  const subject = normaliseSubject(certificate.subject.split('\n'));
  return clients.find((client) => ('sha256' in client ? client.sha256 === certificate.sha256 : normaliseSubject(client.subject.split(',')) === subject)) ?? null;
}
