/**
 * A client that disconnects mid-body (Node's IncomingMessage fails the body stream with
 * "aborted") is no server fault: the route answers an ordinary 400 `bad_request` that nobody
 * reads, and logs nothing (issue 9: aborted requests printed a log line each).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { ORIGIN, expectError } from '../support/http';

let app: TestApp;

beforeAll(async () => {
  app = await startApp();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A POST whose body delivers a few bytes and then fails as an aborted Node request does. */
function abortedRequest(pathname: string): Request {
  const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(new TextEncoder().encode('{"email":"half@'));
      } else {
        controller.error(aborted);
      }
    },
  });
  return new Request(new URL(pathname, ORIGIN), { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100' }, body, duplex: 'half' } as RequestInit);
}

describe('a body the client abandons', () => {
  it.each([
    ['login', '/api/auth/login'],
    ['register', '/api/auth/register'],
    ['refresh', '/api/auth/refresh'],
  ] as const)('%s answers 400 bad_request and logs nothing', async (name, pathname) => {
    const errors = vi.spyOn(console, 'error');
    const handler = app.routes[name].POST;
    expect(handler).toBeDefined();
    const response = await handler!(abortedRequest(pathname), { params: Promise.resolve({}) });
    await expectError(response, 400, 'bad_request');
    expect(errors).not.toHaveBeenCalled();
  });
});
