/** ACCESS_TOKEN_SIGNING and ACCESS_TOKEN_PRIVATE_KEYS: what starts, and what stops the server with which line. */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkSigningKeys } from '@/lib/auth/signing-keys';
import { ConfigError, parseConfig } from '@/lib/config';
import { ACCESS_SECRET, REFRESH_SECRET } from '../support/env';
import { newSigningJwk } from '../support/signing-keys';

type Env = Record<string, string | undefined>;
const base: Env = { NODE_ENV: 'test', ACCESS_TOKEN_SECRET: ACCESS_SECRET, REFRESH_TOKEN_SECRET: REFRESH_SECRET };

let ed1: Record<string, string>;
let ed2: Record<string, string>;
let ec1: Record<string, string>;

beforeAll(async () => {
  [ed1, ed2, ec1] = await Promise.all([newSigningJwk('EdDSA', 'ed-1'), newSigningJwk('EdDSA', 'ed-2'), newSigningJwk('ES256', 'ec-1')]);
});

/** The one-line message for a refused environment; it must name the variable and hold no key material. */
function refusal(env: Env): string {
  let thrown: unknown;
  try {
    parseConfig(env);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  const message = (thrown as ConfigError).message;
  expect(message).not.toMatch(/[\r\n]/);
  for (const key of [ed1, ed2, ec1]) {
    expect(message).not.toContain(key.d);
    expect(message).not.toContain(key.x);
  }
  return message;
}

const keys = (...list: unknown[]) => JSON.stringify(list);

describe('ACCESS_TOKEN_SIGNING', () => {
  it('defaults to HS256 with the secret (dev and tests need nothing new)', () => {
    expect(parseConfig(base).accessTokenSigning).toEqual({ alg: 'HS256' });
    expect(parseConfig({ ...base, ACCESS_TOKEN_SIGNING: 'HS256' }).accessTokenSigning).toEqual({ alg: 'HS256' });
  });

  it('takes EdDSA and ES256 keys, the first one first, reduced to the members we use', () => {
    const eddsa = parseConfig({ ...base, ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys(ed2, ed1) }).accessTokenSigning;
    expect(eddsa).toEqual({
      alg: 'EdDSA',
      keys: [
        { kty: 'OKP', crv: 'Ed25519', x: ed2.x, d: ed2.d, kid: 'ed-2' },
        { kty: 'OKP', crv: 'Ed25519', x: ed1.x, d: ed1.d, kid: 'ed-1' },
      ],
    });
    const es = parseConfig({ ...base, ACCESS_TOKEN_SIGNING: 'ES256', ACCESS_TOKEN_PRIVATE_KEYS: keys(ec1) }).accessTokenSigning;
    expect(es).toEqual({ alg: 'ES256', keys: [{ kty: 'EC', crv: 'P-256', x: ec1.x, y: ec1.y, d: ec1.d, kid: 'ec-1' }] });
  });

  it('still requires ACCESS_TOKEN_SECRET in production with asymmetric keys (it also keys the forwarded-address MAC)', () => {
    const message = refusal({ NODE_ENV: 'production', REFRESH_TOKEN_SECRET: REFRESH_SECRET, ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys(ed1) });
    expect(message).toContain('ACCESS_TOKEN_SECRET');
  });

  it('refuses other algorithms by name', () => {
    for (const alg of ['RS256', 'none', 'HS512', 'eddsa', 'Ed25519']) expect(refusal({ ...base, ACCESS_TOKEN_SIGNING: alg })).toContain('ACCESS_TOKEN_SIGNING must be HS256, EdDSA or ES256');
  });
});

describe('ACCESS_TOKEN_PRIVATE_KEYS refusals (named, never echoed)', () => {
  const cases: [string, () => Env, string][] = [
    ['missing with EdDSA', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA' }), 'ACCESS_TOKEN_PRIVATE_KEYS is required when ACCESS_TOKEN_SIGNING is EdDSA'],
    ['set with HS256', () => ({ ACCESS_TOKEN_PRIVATE_KEYS: keys(ed1) }), 'ACCESS_TOKEN_PRIVATE_KEYS is set but ACCESS_TOKEN_SIGNING is HS256'],
    ['not JSON', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: `[${JSON.stringify(ed1)}` }), 'ACCESS_TOKEN_PRIVATE_KEYS must be a non-empty JSON array'],
    ['a bare JWK, not an array', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: JSON.stringify(ed1) }), 'ACCESS_TOKEN_PRIVATE_KEYS must be a non-empty JSON array'],
    ['an empty array', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: '[]' }), 'ACCESS_TOKEN_PRIVATE_KEYS must be a non-empty JSON array'],
    ['a P-256 key for EdDSA', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys(ed1, ec1) }), 'ACCESS_TOKEN_PRIVATE_KEYS[1] must be an Ed25519 key'],
    ['an Ed25519 key for ES256', () => ({ ACCESS_TOKEN_SIGNING: 'ES256', ACCESS_TOKEN_PRIVATE_KEYS: keys(ed1) }), 'ACCESS_TOKEN_PRIVATE_KEYS[0] must be a P-256 key'],
    ['an X25519 key', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys({ ...ed1, crv: 'X25519' }) }), 'ACCESS_TOKEN_PRIVATE_KEYS[0] must be an Ed25519 key'],
    ['a public key (no d)', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys({ ...ed1, d: undefined }) }), 'ACCESS_TOKEN_PRIVATE_KEYS[0] has no private member "d"'],
    ['a malformed d', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys({ ...ed1, d: `${ed1.d}AA` }) }), 'ACCESS_TOKEN_PRIVATE_KEYS[0] has an invalid private member "d"'],
    ['an EC key without y', () => ({ ACCESS_TOKEN_SIGNING: 'ES256', ACCESS_TOKEN_PRIVATE_KEYS: keys({ ...ec1, y: undefined }) }), 'ACCESS_TOKEN_PRIVATE_KEYS[0] has no valid public member "y"'],
    ['no kid', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys({ ...ed1, kid: undefined }) }), 'ACCESS_TOKEN_PRIVATE_KEYS[0] has no "kid"'],
    ['a kid with a slash', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys({ ...ed1, kid: '../etc' }) }), 'ACCESS_TOKEN_PRIVATE_KEYS[0] "kid" must be'],
    ['two keys with one kid', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys(ed1, { ...ed2, kid: 'ed-1' }) }), 'each ACCESS_TOKEN_PRIVATE_KEYS kid must be unique'],
    ['one key twice under two kids', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys(ed1, { ...ed1, kid: 'again' }) }), 'ACCESS_TOKEN_PRIVATE_KEYS lists the same key twice'],
    ['an alg member for another algorithm', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys({ ...ed1, alg: 'ES256' }) }), 'ACCESS_TOKEN_PRIVATE_KEYS[0] has an "alg" other than EdDSA'],
    ['use enc', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys({ ...ed1, use: 'enc' }) }), 'ACCESS_TOKEN_PRIVATE_KEYS[0] has a "use" other than "sig"'],
    ['unknown members (an RSA prime)', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys({ ...ed1, p: 'AAAA' }) }), 'ACCESS_TOKEN_PRIVATE_KEYS[0] has members other than'],
    ['a string entry', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys('key') }), 'ACCESS_TOKEN_PRIVATE_KEYS[0] must be a JWK'],
    ['more than 20 keys', () => ({ ACCESS_TOKEN_SIGNING: 'EdDSA', ACCESS_TOKEN_PRIVATE_KEYS: keys(...Array.from({ length: 21 }, (_, i) => ({ ...ed1, kid: `k${i}` }))) }), 'at most 20 keys'],
  ];

  it.each(cases)('%s', (_name, env, expected) => {
    expect(refusal({ ...base, ...env() })).toContain(expected);
  });
});

describe('scripts/generate-signing-key.mjs', () => {
  const run = (...args: string[]) => execFileSync(process.execPath, ['scripts/generate-signing-key.mjs', ...args], { encoding: 'utf8' }).trim();

  it.each(['EdDSA', 'ES256'] as const)('prints a %s list the server starts with, and rotates it', (alg) => {
    const first = run(alg, '--kid', 'one');
    const config = parseConfig({ ...base, ACCESS_TOKEN_SIGNING: alg, ACCESS_TOKEN_PRIVATE_KEYS: first });
    expect(() => checkSigningKeys(config.accessTokenSigning)).not.toThrow();
    const appended = run('--kid', 'two', '--append', first);
    const prepended = run('--kid', 'three', '--prepend', appended);
    const rotated = parseConfig({ ...base, ACCESS_TOKEN_SIGNING: alg, ACCESS_TOKEN_PRIVATE_KEYS: prepended }).accessTokenSigning;
    expect(rotated.alg === 'HS256' ? [] : rotated.keys.map((key) => key.kid)).toEqual(['three', 'one', 'two']);
    expect(() => checkSigningKeys(rotated)).not.toThrow();
  });
});
