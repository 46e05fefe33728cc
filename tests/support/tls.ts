/**
 * A real TLS chain made at test time with the openssl CLI (nothing checked in, nothing reused
 * between runs): a CA, a second CA, a server certificate for 127.0.0.1, and client certificates.
 * EC P-256 keys, valid from now for two days.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Pem {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface ClientPem extends Pem {
  /** RFC 8705 `x5t#S256`: base64url SHA-256 of the DER. */
  thumbprint: string;
  /** The same hash in hex (MTLS_CLIENTS `sha256`). */
  sha256: string;
}

export interface TlsMaterial {
  dir: string;
  ca: Pem;
  otherCa: Pem;
  server: Pem;
  /** Signed by `ca`, subject `O=Example, CN=billing-service`. */
  billing: ClientPem;
  /** Signed by `ca`, subject `O=Example, CN=reports-service` (configured by fingerprint). */
  reports: ClientPem;
  /** Signed by `otherCa`, with billing's very subject: only the proxy's CA check tells them apart. */
  impostor: ClientPem;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function read(dir: string, name: string): Pem {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

function withFingerprints(pem: Pem): ClientPem {
  const digest = createHash('sha256').update(new X509Certificate(pem.cert).raw).digest();
  return { ...pem, thumbprint: digest.toString('base64url'), sha256: digest.toString('hex') };
}

function makeCa(dir: string, name: string, commonName: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${commonName}`, '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}

function makeLeaf(dir: string, name: string, ca: string, subject: string, extensions: string): void {
  openssl(dir, 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
}

/** Makes the whole chain in a new temporary directory. */
export function makeTlsMaterial(): TlsMaterial {
  const dir = mkdtempSync(path.join(tmpdir(), 'mtls-'));
  makeCa(dir, 'ca', 'Test Client CA');
  makeCa(dir, 'other-ca', 'Another CA');
  const client = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';
  makeLeaf(dir, 'server', 'ca', '/CN=127.0.0.1', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  makeLeaf(dir, 'billing', 'ca', '/O=Example/CN=billing-service', client);
  makeLeaf(dir, 'reports', 'ca', '/O=Example/CN=reports-service', client);
  makeLeaf(dir, 'impostor', 'other-ca', '/O=Example/CN=billing-service', client);
  return {
    dir,
    ca: read(dir, 'ca'),
    otherCa: read(dir, 'other-ca'),
    server: read(dir, 'server'),
    billing: withFingerprints(read(dir, 'billing')),
    reports: withFingerprints(read(dir, 'reports')),
    impostor: withFingerprints(read(dir, 'impostor')),
  };
}
