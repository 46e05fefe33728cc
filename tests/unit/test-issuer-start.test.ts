/**
 * The end-to-end suite's OpenID Provider answers the first request that reaches it, however early.
 *
 * It listens before its provider exists (the issuer URL needs the port). It used to drop a request
 * that arrived in between: Playwright's readiness poll then waited forever and CI timed out after
 * 120 s. This starts the real server script and asks from the moment the port accepts connections,
 * as Playwright does.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, expect, test } from 'vitest';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

test('the first request after the port opens is answered (no dropped readiness poll)', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/e2e/oidc-issuer-server.ts', String(port), 'http://localhost:3100', 'secret'], { stdio: 'ignore' });
  children.push(child);
  const url = `http://127.0.0.1:${port}/.well-known/openid-configuration`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error('the server never opened its port');
    let response: Response;
    try {
      // Generous: the provider's key generation and set-up take a second or two on a busy machine.
      response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      // Not listening yet: try again at once, as a readiness poll does.
      if (code === 'ECONNREFUSED') {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      throw new Error(`the first request the server accepted was not answered: ${String(error)}`);
    }
    expect(response.status).toBe(200);
    expect(((await response.json()) as { issuer: string }).issuer).toBe(`http://127.0.0.1:${port}`);
    return;
  }
}, 60_000);
