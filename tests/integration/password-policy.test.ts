/**
 * Password rules at registration (checklist I38–I40): common passwords (in any case) and the
 * email or its local part are refused with 400 `validation_error` on `fields.password`; long and
 * multi-byte passwords work in full, never truncated to bcrypt's 72 bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { T0 } from '../support/env';
import { expectError } from '../support/http';
import { expectNoCookies } from '../support/security';

let app: TestApp;
let counter = 0;

/** A fresh email for every registration, so nothing but the password decides the outcome. */
const freshEmail = () => `person-${(counter += 1)}@example.com`;
const register = (email: string, password: string) => app.send('register', 'POST', { json: { email, password } });
const login = (email: string, password: string) => app.send('login', 'POST', { json: { email, password } });
const userCount = async (email: string) => (await app.query('SELECT id FROM users WHERE email = ?', email.trim().toLowerCase())).length;

/** Registration refused because of the password: 400, `fields.password` only, no account, no cookies. */
async function expectPasswordRefused(email: string, password: string): Promise<void> {
  const response = await register(email, password);
  const body = await expectError(response, 400, 'validation_error');
  expect(Object.keys(body.error.fields ?? {}), password).toEqual(['password']);
  expect(body.error.fields?.password?.length).toBeGreaterThan(0);
  expectNoCookies(response);
  expect(await userCount(email)).toBe(0);
}

/** 64 different-looking emoji: 64 characters, 256 UTF-8 bytes. */
const EMOJI = ['🦊', '🐙', '🌵', '🍋', '🚲', '🎻', '🧭', '🪁'];
const emojiPassword = (count: number, offset = 0) => Array.from({ length: count }, (_, i) => EMOJI[(i * 3 + offset + Math.floor(i / 8)) % EMOJI.length]).join('');

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
});

afterAll(() => {
  restoreClock();
});

describe('common passwords (I39)', () => {
  it('refuses passwords from the shipped list, in any case', async () => {
    for (const password of ['password123', 'PASSWORD123', 'Password123', 'pAsSwOrD123', 'iloveyou1', 'ILoveYou1', 'qwerty123', 'QWERTY123']) {
      await expectPasswordRefused(freshEmail(), password);
    }
  });

  it('accepts a password that only contains a common one', async () => {
    const email = freshEmail();
    expect((await register(email, 'password123 on a purple giraffe')).status).toBe(201);
  });
});

describe('password equal to the email (I39)', () => {
  it('refuses the email address itself and its local part, in any case', async () => {
    for (const password of ['carol.smith@example.com', 'Carol.Smith@Example.COM', 'carol.smith', 'CAROL.SMITH']) {
      await expectPasswordRefused('Carol.Smith@example.com', password);
    }
  });

  it('accepts the same text as the password of someone else', async () => {
    expect((await register('dave.jones@example.com', 'carol.smith')).status).toBe(201);
    expect((await register('erin.brown@example.com', 'carol.smith@example.com')).status).toBe(201);
  });
});

describe('long and multi-byte passwords (I38, I40)', () => {
  it('registers and signs in with 64 emoji (256 bytes), and a change in the last one fails', async () => {
    const email = freshEmail();
    const password = emojiPassword(64);
    expect(new TextEncoder().encode(password).length).toBe(256);
    expect((await register(email, password)).status).toBe(201);
    expect((await login(email, password)).status).toBe(200);
    // Same first 72 bytes (18 emoji), different afterwards: bcrypt alone would accept it.
    const changedLast = [...password].slice(0, 63).join('') + ([...password][63] === '🦊' ? '🐙' : '🦊');
    await expectError(await login(email, changedLast), 401, 'invalid_credentials');
    await expectError(await login(email, [...password].slice(0, 18).join('')), 401, 'invalid_credentials');
  });

  it('registers and signs in with 128 characters, refuses 129, and every character counts', async () => {
    const email = freshEmail();
    const password = 'long-passphrase!'.repeat(8);
    expect(password).toHaveLength(128);
    expect((await register(email, password)).status).toBe(201);
    expect((await login(email, password)).status).toBe(200);
    await expectError(await login(email, `${password.slice(0, 127)}?`), 401, 'invalid_credentials');
    await expectError(await login(email, password.slice(0, 72)), 401, 'invalid_credentials');
    await expectPasswordRefused(freshEmail(), `${password}x`);
  });

  it('counts characters, not bytes: 128 emoji register, 129 do not', async () => {
    const email = freshEmail();
    const password = emojiPassword(128, 1);
    expect((await register(email, password)).status).toBe(201);
    expect((await login(email, password)).status).toBe(200);
    await expectPasswordRefused(freshEmail(), emojiPassword(129, 1));
  });
});
