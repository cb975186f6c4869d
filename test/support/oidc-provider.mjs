// A real OpenID Connect provider for the tests: panva's oidc-provider (OpenID certified), run
// as its own Node.js process on loopback, with its own sign-in pages (devInteractions: any
// password is accepted for a known login). Configured by a JSON file named on the command line:
//   { port, issuer, keys: [private JWKs], clients: [...], accounts: { login: claims } }
// It prints `{"listening": "<url>"}` once ready. One test control, POST /__test/swap-id-token
// {"idToken"}, makes the next token response carry that (real, provider-signed) ID token
// instead of its own: how the tests put an ID token of another issuer or audience in front of
// the portal without changing any of the portal's code.
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const accounts = config.accounts;

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: { keys: config.keys },
  findAccount: (_ctx, id) => (accounts[id] ? { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) } : undefined),
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "preferred_username"],
    groups: ["groups"],
  },
  scopes: ["openid", "profile", "email", "groups"],
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ["test-provider-cookie-key-0123456789"] },
  // First-party clients of the organisation: no consent page (as with Keycloak's "consent off").
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid profile email groups");
    await grant.save();
    return grant;
  },
});
provider.on("server_error", (_ctx, err) => console.error(JSON.stringify({ server_error: String(err) })));
// What the provider refused at its token endpoint, and why (tests read this).
provider.on("grant.error", (_ctx, err) => console.error(JSON.stringify({ grant_error: err.error_detail ?? err.message })));

let swap = null;
provider.use(async (ctx, next) => {
  if (ctx.path === "/__test/swap-id-token" && ctx.method === "POST") {
    let body = "";
    for await (const chunk of ctx.req) body += chunk;
    swap = JSON.parse(body).idToken;
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === "/token" && swap && ctx.body && typeof ctx.body === "object" && "id_token" in ctx.body) {
    ctx.body = { ...ctx.body, id_token: swap };
    swap = null;
  }
});

const server = provider.listen(config.port, "127.0.0.1", () => {
  console.log(JSON.stringify({ listening: `http://127.0.0.1:${server.address().port}` }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
