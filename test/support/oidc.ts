import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair } from "jose";
import { freePort } from "./ports.ts";

/**
 * The tests' identity provider (test/support/oidc-provider.mjs, a real oidc-provider in its own
 * Node.js process) and an HTTP "browser" that signs in through its pages.
 */

export const CLIENT_ID = "portal";
export const CLIENT_SECRET = "portal-client-secret-0123456789";
export const OTHER_CLIENT_ID = "other-app";
export const OTHER_CLIENT_SECRET = "other-app-secret-0123456789";

/** Test people: alice and bob are staff, carol is in ops (admins), mallory is neither. */
export const ACCOUNTS = {
  alice: { name: "Alice Example", preferred_username: "Alice.Example", email: "alice@example.org", email_verified: true, groups: ["staff"] },
  bob: { name: "Bob Builder", preferred_username: "bob", email: "bob@example.org", email_verified: true, groups: ["staff"] },
  carol: { name: "Carol Ops", preferred_username: "carol", email: "carol@example.org", email_verified: true, groups: ["ops"] },
  mallory: { name: "Mallory", preferred_username: "mallory", email: "mallory@elsewhere.test", email_verified: true, groups: ["guests"] },
  dave: { name: "Dave Contractor", preferred_username: "dave", email: "dave@partner.test", email_verified: true, groups: [] },
};
export type Login = keyof typeof ACCOUNTS;

export type PrivateJwk = Record<string, unknown>;

export async function newSigningKey(kid: string): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
}

// A free loopback port: the portal's redirect URI must be known before it starts.
export { freePort };

export interface ProviderOptions {
  port?: number;
  /** Defaults to http://127.0.0.1:<port>. */
  issuer?: string;
  keys: PrivateJwk[];
  /** The portal's base URL (redirect and post-logout URIs are registered for it). */
  portalUrl: string;
}

export interface TestProvider {
  url: string;
  issuer: string;
  port: number;
  output: () => string;
  /** The next token response carries this ID token instead of the provider's own. */
  swapIdToken(idToken: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startProvider(opts: ProviderOptions): Promise<TestProvider> {
  const port = opts.port ?? (await freePort());
  const issuer = opts.issuer ?? `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "oidc-provider-"));
  const file = join(dir, "config.json");
  const redirect = (base: string) => ({ redirect_uris: [`${base}/auth/callback`], post_logout_redirect_uris: [`${base}/`] });
  writeFileSync(
    file,
    JSON.stringify({
      port,
      issuer,
      keys: opts.keys,
      accounts: ACCOUNTS,
      clients: [
        { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...redirect(opts.portalUrl) },
        { client_id: OTHER_CLIENT_ID, client_secret: OTHER_CLIENT_SECRET, ...redirect(opts.portalUrl) },
      ],
    }),
  );
  const proc = Bun.spawn(["node", join(import.meta.dir, "oidc-provider.mjs"), file], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "test" },
  });
  let out = "";
  const decoder = new TextDecoder();
  let ready: (url: string) => void = () => {};
  const listening = new Promise<string>((r) => (ready = r));
  void (async () => {
    for await (const chunk of proc.stdout) {
      out += decoder.decode(chunk);
      const match = /"listening":"([^"]+)"/.exec(out);
      if (match) ready(match[1]!);
    }
  })();
  void (async () => {
    for await (const chunk of proc.stderr) out += decoder.decode(chunk);
  })();
  const url = await Promise.race([
    listening,
    proc.exited.then((code) => {
      throw new Error(`the test provider exited with ${code}:\n${out}`);
    }),
    Bun.sleep(15_000).then(() => {
      throw new Error(`the test provider did not start:\n${out}`);
    }),
  ]);
  return {
    url,
    issuer,
    port,
    output: () => out,
    async swapIdToken(idToken) {
      const res = await fetch(`${url}/__test/swap-id-token`, { method: "POST", body: JSON.stringify({ idToken }) });
      if (res.status !== 204) throw new Error(`swap-id-token: ${res.status}`);
    },
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Cookies by name, as a browser would keep them for one site (paths ignored: names are unique). */
export class Jar {
  readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0\b/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

const get = (url: string, jar: Jar, headers: Record<string, string> = {}) =>
  fetch(url, { redirect: "manual", headers: { cookie: jar.header(), ...headers } }).then((res) => {
    jar.take(res);
    return res;
  });

/** Step 1: "Sign in" on the portal. Returns where the portal sends the browser. */
export async function beginLogin(portalUrl: string, portalJar: Jar): Promise<string> {
  const res = await get(`${portalUrl}/auth/login`, portalJar);
  if (res.status !== 303) throw new Error(`/auth/login: ${res.status} ${await res.text()}`);
  return res.headers.get("location")!;
}

/**
 * Step 2: at the provider, through its own login page as `login`, until it redirects back to
 * the portal. Returns that callback URL (with code and state).
 */
export async function signInAtProvider(authorizationUrl: string, login: string, providerJar = new Jar()): Promise<string> {
  let url = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    const res = await get(url, providerJar);
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get("location")!, url).href;
      if (next.includes("/auth/callback")) return next;
      url = next;
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action || !html.includes('name="login"'))
      throw new Error(`unexpected provider page ${res.status}: ${html.slice(0, 300)}`);
    const posted = await fetch(new URL(action.replace(/&amp;/g, "&"), url), {
      method: "POST",
      redirect: "manual",
      headers: { cookie: providerJar.header(), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ prompt: "login", login, password: "any-password" }),
    });
    providerJar.take(posted);
    url = new URL(posted.headers.get("location")!, url).href;
  }
  throw new Error("too many redirects at the provider");
}

/** Step 3: back at the portal. Returns the portal's answer (a 303 to the page). */
export async function finishLogin(callbackUrl: string, portalJar: Jar): Promise<{ status: number; location: string }> {
  const res = await get(callbackUrl, portalJar);
  return { status: res.status, location: res.headers.get("location") ?? "" };
}

/** The whole sign-in as `login`; the jar then holds the session cookie. */
export async function signIn(portalUrl: string, login: Login, jar = new Jar()): Promise<{ jar: Jar; location: string }> {
  const authorizationUrl = await beginLogin(portalUrl, jar);
  const callback = await signInAtProvider(authorizationUrl, login);
  const done = await finishLogin(callback.replace(/^https?:\/\/[^/]+/, portalUrl), jar);
  return { jar, location: done.location };
}

/** The portal's environment for sign-in against `provider`. */
export function oidcEnv(provider: { issuer: string }, portalUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AUTH_MODE: "oidc",
    PORT: new URL(portalUrl).port,
    PUBLIC_URL: portalUrl,
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: CLIENT_ID,
    OIDC_CLIENT_SECRET: CLIENT_SECRET,
    // The default scopes: the portal adds `groups`, which the provider offers.
    OIDC_PROVIDER_NAME: "Gitea",
    OIDC_ALLOWED_GROUPS: "staff",
    OIDC_ALLOWED_EMAIL_DOMAINS: "partner.test",
    OIDC_ADMIN_GROUPS: "ops",
    ...extra,
  };
}

/**
 * STACK_SSO on, stacks at `<name>.stacks.localhost` on the sandbox's port (Chromium resolves
 * them to loopback), and the probe asking the service itself: through Traefik the gate would
 * answer first.
 */
function stackSsoEnv(portalUrl: string, sandboxPort: number): Record<string, string> {
  return {
    STACK_SSO: "on",
    STACK_SSO_ADDRESS: `${portalUrl}/auth/stack`,
    STACK_DOMAIN_SUFFIX: "stacks.localhost",
    STACK_PROBE_URLS: `http://127.0.0.1:${sandboxPort}/ {appName}`,
  };
}

/**
 * Where every STACK_SSO suite starts: the portal's address chosen first (the provider must know
 * where to send people back), the sandbox's port (the stacks' addresses name it), the provider,
 * and the portal's settings (sign-in and stackSsoEnv) with `extra` over them.
 */
export async function stackSsoSetup(extra: Record<string, string> = {}) {
  const portalUrl = `http://127.0.0.1:${await freePort()}`;
  const sandboxPort = await freePort();
  const provider = await startProvider({ keys: [await newSigningKey("key-1")], portalUrl });
  return { portalUrl, sandboxPort, provider, env: oidcEnv(provider, portalUrl, { ...stackSsoEnv(portalUrl, sandboxPort), ...extra }) };
}
