/**
 * Password rules beyond length (checklist I39): no password from the list of the 10,000 most
 * common ones (lib/auth/common-passwords.txt), and not the email address or its local part.
 * Case-insensitive: `Password1` is as guessable as `password1`.
 */
import 'server-only';
import { readFileSync } from 'node:fs';
import path from 'node:path';

let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(path.join(process.cwd(), 'lib', 'auth', 'common-passwords.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
  return common;
}

/** Messages for what is wrong with a new password, or an empty list. */
export function passwordProblems(password: string, email: string): string[] {
  const lowered = password.normalize('NFC').toLowerCase();
  const problems: string[] = [];
  if (commonPasswords().has(lowered)) problems.push('This password is too common. Choose one that is harder to guess.');
  const localPart = email.split('@')[0] ?? '';
  if (lowered === email || lowered === localPart) problems.push('Do not use your email address as your password.');
  return problems;
}
