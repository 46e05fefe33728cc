/**
 * A real OpenID Provider for the tests: oidc-provider (panva, OpenID Certified) on 127.0.0.1,
 * with test clients and accounts, and a tiny login page of our own for its interaction step
 * (`Username` + `Continue`; consent is skipped through loadExistingGrant). Integration tests drive
 * it over HTTP (`authorize` below), Playwright through its page (tests/e2e/oidc-issuer-server.ts).
 *
 * Nothing about the protocol is mocked. For the attack tests it can serve, at its JWKS URI, keys
 * that did not sign its tokens (`servedJwks`), and put into its token response an ID token it
 * issued earlier (`substituteIdToken`): a real token of this provider, for another flow or
 * another client, as a token-substitution attacker would.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type KoaContext } from 'oidc-provider';

export interface TestAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export interface TestIssuer {
  /** `http://127.0.0.1:<port>` */
  issuer: string;
  /** Accounts by `sub`; tests may add more at any time. */
  accounts: Map<string, TestAccount>;
  /** ID tokens this provider issued, newest last, per client id. */
  issuedIdTokens: Map<string, string[]>;
  /** When set, the JWKS URI serves this instead of the signing keys. */
  servedJwks: { keys: JWK[] } | null;
  /** When set, the next token response carries this ID token instead of its own (then it resets). */
  substituteIdToken: string | null;
  close(): Promise<void>;
}

/** A public JWKS of a fresh RS256 key with the same `kid` as the signing key: "signed by another key". */
export async function foreignJwks(kid = 'test-key-1'): Promise<{ keys: JWK[] }> {
  const { publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid: string, problem: string | null): string {
  return `<!doctype html><html><head><title>Test provider: sign in</title></head><body>
<h1>Test provider</h1>${problem ? `<p role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label>Username <input name="login" autocomplete="off"></label>
<button type="submit">Continue</button>
</form></body></html>`;
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Starts the provider on 127.0.0.1 (`port` 0: any free port). */
export async function startTestIssuer(options: {
  port?: number;
  clients: TestClient[];
  accounts: TestAccount[];
  /** Makes up an account for a username that is not in `accounts` (the end-to-end issuer: any name signs in). */
  accountFor?: (login: string) => TestAccount | undefined;
}): Promise<TestIssuer> {
  // The issuer URL needs the port, so the server listens before the provider exists. A request
  // that arrives in between (a readiness poll) waits for the handler instead of being dropped: an
  // `http.Server` with no 'request' listener never answers, and the poll would hang to its timeout.
  let ready: (handler: (req: IncomingMessage, res: ServerResponse) => void) => void = () => {};
  const handlerReady = new Promise<(req: IncomingMessage, res: ServerResponse) => void>((resolve) => (ready = resolve));
  const server: Server = createServer((req, res) => void handlerReady.then((handler) => handler(req, res)));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('issuer has no port');
  const issuer = `http://127.0.0.1:${address.port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const accounts = new Map(options.accounts.map((account) => [account.sub, account]));
  const lookUp = (sub: string): TestAccount | undefined => accounts.get(sub) ?? options.accountFor?.(sub);

  const provider = new Provider(issuer, {
    clients: options.clients.map((client) => ({ ...client, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' })),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx: unknown, sub: string) {
      const account = lookUp(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...account }) };
    },
    // Consent is not what these tests are about: every client gets the scopes it asks for.
    async loadExistingGrant(ctx: KoaContext) {
      const clientId = ctx.oidc.client?.clientId;
      const accountId = ctx.oidc.session?.accountId;
      if (!clientId || !accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    // Quiet: render errors as small pages without the default's console noise.
    renderError(ctx: KoaContext, out: Record<string, unknown>) {
      ctx.body = `<!doctype html><p>${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p>`;
    },
  });

  const state: Pick<TestIssuer, 'servedJwks' | 'substituteIdToken'> = { servedJwks: null, substituteIdToken: null };
  const issuedIdTokens = new Map<string, string[]>();

  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/jwks' && state.servedJwks) ctx.body = state.servedJwks;
    if (ctx.path === '/token' && ctx.status === 200 && typeof ctx.body === 'object' && ctx.body !== null) {
      const body = ctx.body as Record<string, unknown>;
      const clientId = ctx.oidc.client?.clientId ?? '';
      if (typeof body.id_token === 'string') issuedIdTokens.set(clientId, [...(issuedIdTokens.get(clientId) ?? []), body.id_token]);
      if (state.substituteIdToken) {
        ctx.body = { ...body, id_token: state.substituteIdToken };
        state.substituteIdToken = null;
      }
    }
  });

  const handle = provider.callback();
  ready((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer);
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(url.pathname);
    if (!match) {
      handle(req, res);
      return;
    }
    void (async () => {
      try {
        const interaction = await provider.interactionDetails(req, res);
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(loginPage(interaction.uid, null));
          return;
        }
        const login = (await formBody(req)).get('login') ?? '';
        if (!lookUp(login)) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(loginPage(interaction.uid, 'Unknown user'));
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      } catch {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('interaction failed');
      }
    })();
  });

  return {
    issuer,
    accounts,
    issuedIdTokens,
    get servedJwks() {
      return state.servedJwks;
    },
    set servedJwks(value) {
      state.servedJwks = value;
    },
    get substituteIdToken() {
      return state.substituteIdToken;
    },
    set substituteIdToken(value) {
      state.substituteIdToken = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A browser's cookies at the provider: name → value (paths ignored; the provider's names do not clash). */
export class ProviderCookies {
  private readonly values = new Map<string, string>();

  apply(response: Response): this {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.values.delete(name);
      else this.values.set(name, value);
    }
    return this;
  }

  header(): string {
    return [...this.values].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * Follows an authorization URL at the provider as a browser would, signing in as `login`: returns
 * the redirect back to the app (`…/callback?code=…&state=…&iss=…`), or the provider's answer
 * when it does not redirect there.
 */
export async function authorize(authorizationUrl: string, login: string, cookies = new ProviderCookies()): Promise<URL> {
  let url = new URL(authorizationUrl);
  const issuerOrigin = url.origin;
  for (let hops = 0; hops < 10; hops += 1) {
    if (url.origin !== issuerOrigin) return url;
    let response: Response;
    if (/^\/interaction\/[^/]+$/.test(url.pathname)) {
      response = await fetch(new URL(`${url.pathname}/login`, issuerOrigin), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookies.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login }).toString(),
      });
    } else {
      response = await fetch(url, { redirect: 'manual', headers: { cookie: cookies.header() } });
    }
    cookies.apply(response);
    const location = response.headers.get('location');
    if (!location) throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${(await response.text()).slice(0, 200)}`);
    url = new URL(location, url);
  }
  throw new Error('too many redirects at the provider');
}
