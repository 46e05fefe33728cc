#!/usr/bin/env node
/**
 * Generates an access-token signing key (README "Access-token signing keys").
 *
 *   node scripts/generate-signing-key.mjs [EdDSA|ES256] [--kid <kid>] [--append|--prepend '<current ACCESS_TOKEN_PRIVATE_KEYS>'|-]
 *
 * Prints one line: a JSON array ready for ACCESS_TOKEN_PRIVATE_KEYS. For key rotation, --append
 * puts the new key after the existing ones (it only verifies: publish it first), --prepend before
 * them (it signs from then on; the others still verify); the existing list is read from the
 * argument or, given as -, from stdin. The key
 * is made by jose (generateKeyPair + exportJWK): a private JWK with kid, alg and use. Nothing is
 * written anywhere else; treat the output as a secret.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';

const USAGE = "usage: node scripts/generate-signing-key.mjs [EdDSA|ES256] [--kid <kid>] [--append|--prepend '<JSON array>'|-]";

function fail(message) {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const args = process.argv.slice(2);
let alg;
let kid = `${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
let existing = [];
let place = 'first';
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === 'EdDSA' || arg === 'ES256') alg = arg;
  else if (arg === '--kid') {
    kid = args[++i] ?? fail('--kid needs a value');
    if (!/^[A-Za-z0-9._:-]{1,64}$/.test(kid)) fail('a kid is 1 to 64 letters, digits or . _ : -');
  } else if (arg === '--prepend' || arg === '--append') {
    place = arg === '--append' ? 'last' : 'first';
    const text = args[++i] ?? fail(`${arg} needs the current list`);
    try {
      existing = JSON.parse(text === '-' ? readFileSync(0, 'utf8') : text);
    } catch {
      fail(`${arg}: the current list is not JSON`);
    }
    if (!Array.isArray(existing)) fail(`${arg}: the current list must be a JSON array`);
  } else if (arg === '--help' || arg === '-h') {
    console.log(USAGE);
    process.exit(0);
  } else fail(`unknown argument: ${arg}`);
}
if (existing.some((key) => key?.kid === kid)) fail(`the kid ${kid} is already in the list`);
// One algorithm per list (ACCESS_TOKEN_SIGNING names it): a rotation keeps the current one.
const listed = existing.find((key) => key?.alg === 'EdDSA' || key?.alg === 'ES256')?.alg ?? (existing[0]?.kty === 'EC' ? 'ES256' : existing[0]?.kty === 'OKP' ? 'EdDSA' : undefined);
if (alg !== undefined && listed !== undefined && alg !== listed) fail(`the current list holds ${listed} keys; every key must match ACCESS_TOKEN_SIGNING`);
alg ??= listed ?? 'EdDSA';

// Ed25519 for EdDSA (RFC 8037), P-256 for ES256.
const { privateKey } = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : 'ES256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
console.log(JSON.stringify(place === 'first' ? [jwk, ...existing] : [...existing, jwk]));
