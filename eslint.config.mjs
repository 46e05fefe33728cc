import nextCoreWebVitals from 'eslint-config-next/core-web-vitals';
import nextTypescript from 'eslint-config-next/typescript';
import tseslint from 'typescript-eslint';

const config = [
  {
    ignores: ['.next/**', '.next-*/**', 'bench/.tmp/**', 'bench/peers/**', 'coverage/**', 'node_modules/**', 'data/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts', 'db/sqlite/migrations/**', 'db/postgres/migrations/**'],
  },
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': true, 'ts-expect-error': 'allow-with-description' }],
      'import/no-nodejs-modules': 'off',
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(fs|path|crypto|os|child_process|http|https|url|util|stream|worker_threads)$', message: 'Use the node: protocol.' }] }],
      'import/no-default-export': 'off',
    },
  },
  {
    // The edge middleware and everything it imports must stay free of Node and native modules.
    files: ['middleware.ts', 'lib/auth/refresh-format.ts', 'lib/auth/access-token.ts', 'lib/auth/cookies.ts', 'lib/auth/csp.ts', 'lib/auth/errors.ts', 'lib/auth/paths.ts', 'lib/config.ts', 'lib/duration.ts', 'lib/auth/validation.ts', 'lib/auth/redirects.ts', 'lib/http/forwarded-address.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(node:|better-sqlite3|bcryptjs|drizzle-orm|pg|server-only)$|^(node:|drizzle-orm/)', message: 'Edge-safe module: no Node, database or bcrypt imports.' }] }],
    },
  },
  {
    // The storage layer stands alone: the auth logic depends on it, never the other way round.
    files: ['db/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(@/lib|\\.\\./+lib|\\.\\./\\.\\./lib)(/|$)', message: 'db/ imports nothing from lib/.' }, { regex: '^(fs|path|crypto|os|child_process|http|https|url|util|stream|worker_threads|net)$', message: 'Use the node: protocol.' }] }],
    },
  },
  {
    // next.config.js is CommonJS (the package is not "type": "module").
    files: ['next.config.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];

export default config;
