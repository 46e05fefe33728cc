/**
 * A software WebAuthn authenticator for the integration tests, on node:crypto: it makes ES256
 * (P-256) discoverable credentials and answers `navigator.credentials.create()` / `.get()` as a
 * browser would, as the JSON that @simplewebauthn/browser posts (RegistrationResponseJSON,
 * AuthenticationResponseJSON), with "none" attestation.
 *
 * Why software and not only recorded browser output: the tests need responses the browser would
 * never make (another origin, another RP id, no user verification, a counter that goes back, a
 * credential signed by the wrong key), each validly signed, so that the server's check, not a
 * broken signature, is what refuses them. The encoding follows WebAuthn L3 §6.1 (authenticator
 * data) and §6.5.4 ("none" attestation); the CBOR encoder is the library's own (isoCBOR).
 * Playwright's Chromium virtual authenticator covers the real browser (tests/e2e/passkeys.spec.ts).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64url = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');

/** What a ceremony's options told the browser, and where the browser says it is. */
export interface Ceremony {
  challenge: string;
  /** The page's origin as the browser reports it in clientDataJSON. */
  origin: string;
  /** The RP id the authenticator scopes the credential to (its hash goes into authenticator data). */
  rpId: string;
}

export interface AssertionOptions extends Ceremony {
  /** User verified (PIN, biometrics); default true. */
  userVerified?: boolean;
  /** Override the signature counter the authenticator reports (default: its own, incremented). */
  counter?: number;
  /** Sign with this key instead of the credential's own (a forged assertion). */
  signWith?: KeyObject;
  /** The user handle to report; default the one stored at creation; null to omit it. */
  userHandle?: string | null;
}

/** One discoverable credential held by the software authenticator. */
export class SoftwareCredential {
  readonly id: string;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  /** The signature counter; 0 means "keeps no counter" (then it stays 0). */
  counter: number;
  userHandle: string | null = null;

  constructor(options: { counter?: number } = {}) {
    this.id = randomBytes(32).toString('base64url');
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.counter = options.counter ?? 1;
  }

  /** The COSE_Key (RFC 9053) of the public key: EC2, ES256, P-256. */
  private coseKey(): Uint8Array {
    const jwk = this.publicKey.export({ format: 'jwk' });
    const x = Buffer.from(jwk.x ?? '', 'base64url');
    const y = Buffer.from(jwk.y ?? '', 'base64url');
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(x)],
        [-3, new Uint8Array(y)],
      ]),
    );
  }

  private authenticatorData(rpId: string, flags: number, counter: number, attested: boolean): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const parts = [sha256(rpId), Buffer.from([flags | (attested ? FLAG_AT : 0)]), count];
    if (attested) {
      const id = Buffer.from(this.id, 'base64url');
      const length = Buffer.alloc(2);
      length.writeUInt16BE(id.length);
      // AAGUID all zeros: "none" attestation says nothing about the model.
      parts.push(Buffer.alloc(16), length, id, Buffer.from(this.coseKey()));
    }
    return Buffer.concat(parts);
  }

  /** The RegistrationResponseJSON for creation options with this challenge, as seen from `origin`. */
  register(ceremony: Ceremony & { userHandle: string; userVerified?: boolean }) {
    this.userHandle = ceremony.userHandle;
    const clientDataJSON = JSON.stringify({ type: 'webauthn.create', challenge: ceremony.challenge, origin: ceremony.origin, crossOrigin: false });
    const flags = FLAG_UP | (ceremony.userVerified === false ? 0 : FLAG_UV) | FLAG_BE | FLAG_BS;
    const authData = this.authenticatorData(ceremony.rpId, flags, this.counter, true);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: { credProps: { rk: true } },
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal', 'hybrid'],
      },
    };
  }

  /** The AuthenticationResponseJSON for request options with this challenge; bumps the counter. */
  assert(options: AssertionOptions) {
    if (options.counter === undefined && this.counter > 0) this.counter += 1;
    const counter = options.counter ?? this.counter;
    const clientDataJSON = JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: options.origin, crossOrigin: false });
    const flags = FLAG_UP | (options.userVerified === false ? 0 : FLAG_UV) | FLAG_BE | FLAG_BS;
    const authData = this.authenticatorData(options.rpId, flags, counter, false);
    // ES256: ECDSA over authenticatorData ‖ SHA-256(clientDataJSON), DER-encoded (node's default).
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), options.signWith ?? this.privateKey);
    const userHandle = options.userHandle === undefined ? this.userHandle : options.userHandle;
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
    };
  }
}

/** A fresh P-256 private key (to sign a forged assertion with). */
export function strangerKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}
