// Temporary stand-in until the PostgreSQL test server lands (branch h/pginfra).
export async function createTestDatabase(): Promise<string> {
  throw new Error('TEST_DATABASE=postgres needs tests/support/postgres.ts from h/pginfra');
}
