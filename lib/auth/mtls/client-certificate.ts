/**
 * The client certificate a TLS-terminating proxy forwards (checklist 71, RFC 8705).
 *
 * The proxy (nginx with `ssl_verify_client on`, see the README's "Machine clients") checks the
 * certificate against the CA and forwards it in MTLS_CLIENT_CERT_HEADER. That header is read only
 * when TRUST_PROXY is on too (`config.mtlsClientCertHeader` is null otherwise): without a proxy
 * that overwrites it, anyone could send one. Accepted forms: nginx's `$ssl_client_escaped_cert`
 * (URL-encoded PEM), plain PEM, or base64 DER. node:crypto's X509Certificate parses it; nothing
 * here parses ASN.1 by hand. The validity period is checked again here: a proxy's CA check is the
 * first line, this the second.
 *
 * With MTLS_PROXY_SECRET set, the header also needs the proxy's X-Mtls-Proxy-Secret: a request that
 * reaches the app's port without passing the proxy (a misconfigured firewall) cannot carry a
 * certificate the app believes.
 */
import 'server-only';
import { createHash, createHmac, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { Config } from '@/lib/config';

/** Where the proxy proves it is the proxy, when MTLS_PROXY_SECRET is set. */
export const MTLS_PROXY_SECRET_HEADER = 'x-mtls-proxy-secret';

/** A PEM certificate is ~1.5 KB, URL-encoded ~2 KB; anything much larger is not one. */
const MAX_HEADER_LENGTH = 16 * 1024;
const PEM = /^-----BEGIN CERTIFICATE-----\s[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\s*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface ClientCertificate {
  /** RFC 8705 `x5t#S256`: base64url SHA-256 of the DER. */
  thumbprint: string;
  /** The same hash as lower-case hex, for MTLS_CLIENTS `sha256` entries. */
  sha256: string;
  /** As node:crypto prints it: one `KEY=value` per line. */
  subject: string;
}

/** Whether the request carries the proxy's secret (compared in constant time, through HMACs of equal length). */
function fromProxy(presented: string | null, secret: string): boolean {
  if (presented === null) return false;
  const digest = (value: string) => createHmac('sha256', 'mtls-proxy-secret').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(secret));
}

function parse(value: string): X509Certificate | null {
  let text = value.trim();
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return null;
    }
  }
  try {
    if (PEM.test(text)) return new X509Certificate(text);
    if (BASE64.test(text)) return new X509Certificate(Buffer.from(text, 'base64'));
  } catch {
    return null;
  }
  return null;
}

/**
 * The certificate the trusted proxy forwarded with this request, valid at `now`; null when the
 * header is not configured (or TRUST_PROXY is off), absent, malformed, or the certificate is not
 * valid at `now`.
 */
export function forwardedClientCertificate(headers: Headers, config: Pick<Config, 'mtlsClientCertHeader' | 'mtlsProxySecret'>, now: number): ClientCertificate | null {
  if (config.mtlsClientCertHeader === null) return null;
  if (config.mtlsProxySecret !== null && !fromProxy(headers.get(MTLS_PROXY_SECRET_HEADER), config.mtlsProxySecret)) return null;
  const value = headers.get(config.mtlsClientCertHeader);
  if (value === null || value.length === 0 || value.length > MAX_HEADER_LENGTH) return null;
  const certificate = parse(value);
  if (!certificate) return null;
  if (now < Date.parse(certificate.validFrom) || now > Date.parse(certificate.validTo)) return null;
  const digest = createHash('sha256').update(certificate.raw).digest();
  return { thumbprint: digest.toString('base64url'), sha256: digest.toString('hex'), subject: certificate.subject };
}
