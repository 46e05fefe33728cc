/**
 * The end-to-end suite's OpenID Provider: oidc-provider (tests/support/oidc-issuer.ts) on a fixed
 * loopback port, started by Playwright as a web server of its own (playwright.config.ts) before
 * the app, which has it configured as the provider `sso` ("Company SSO").
 *
 *   node --import tsx tests/e2e/oidc-issuer-server.ts <port> <app origin> <client secret>
 *
 * Any username signs in: `<name>` is the person `<name>@sso.example.test`, whose email the
 * provider says is verified unless the name starts with `unverified`.
 */
import { startTestIssuer } from '../support/oidc-issuer';

const [portText, appOrigin, secret] = process.argv.slice(2);
const port = Number(portText);
if (!port || !appOrigin || !secret) {
  process.stderr.write('usage: oidc-issuer-server.ts <port> <app origin> <client secret>\n');
  process.exit(2);
}

void startTestIssuer({
  port,
  clients: [{ client_id: 'e2e-app', client_secret: secret, redirect_uris: [`${appOrigin}/api/auth/oauth/sso/callback`] }],
  accounts: [],
  accountFor: (login) => (/^[a-z0-9-]{1,64}$/.test(login) ? { sub: login, email: `${login}@sso.example.test`, email_verified: !login.startsWith('unverified'), name: login } : undefined),
}).then(async (issuer) => {
  const stop = () => void issuer.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`test issuer at ${issuer.issuer}\n`);
});
