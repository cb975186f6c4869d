import type * as Jose from "jose";
import type * as OpenIdClient from "openid-client";
import { isLoopbackHost } from "./config.ts";
import type { Claims } from "./access.ts";

/**
 * The OpenID Connect relying party, on openid-client (OpenID certified): discovery from the
 * issuer, authorization code flow with PKCE (S256), `state` and `nonce`, and the ID token's
 * claims checked (issuer, audience, expiry, nonce, azp).
 *
 * The ID token's signature is checked here with jose's remote key set (the same author's
 * library under openid-client). openid-client's own check re-reads the provider's JWKS on an
 * unknown key id only once the cached set is a minute old, so every sign-in in the first
 * minute after a provider's key rotation would fail; jose re-reads it at once (at most once
 * a second). ID tokens come straight from the token endpoint, so nobody else can make us
 * fetch keys.
 */

export interface OidcOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** PUBLIC_URL: the redirect URI is `<publicUrl>/auth/callback`. */
  publicUrl: string;
  scopes: string;
  timeoutSeconds?: number;
}

export interface LoginStart {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface LoginChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface SignedIn {
  issuer: string;
  claims: Claims;
  idToken: string;
}

/**
 * openid-client and jose, imported at the first sign-in rather than at start (cold start: ~25 ms,
 * and nothing needs them in AUTH_MODE=open). Kept once loaded.
 */
let libraries: Promise<{ client: typeof OpenIdClient; jose: typeof Jose }> | null = null;
function oidcLibraries(): Promise<{ client: typeof OpenIdClient; jose: typeof Jose }> {
  libraries ??= Promise.all([import("openid-client"), import("jose")]).then(([client, jose]) => ({ client, jose }));
  return libraries;
}

/** Asymmetric JWS algorithms only: a JWKS has no shared secrets. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

export class OidcClient {
  private configuration: Promise<OpenIdClient.Configuration> | null = null;
  private keys: ReturnType<typeof Jose.createRemoteJWKSet> | null = null;

  constructor(private readonly opts: OidcOptions) {}

  get redirectUri(): string {
    return `${this.opts.publicUrl}/auth/callback`;
  }

  /** Discovery on first use, kept; a failure is retried on the next sign-in. */
  private config(): Promise<OpenIdClient.Configuration> {
    this.configuration ??= oidcLibraries()
      .then(({ client }) =>
        client.discovery(new URL(this.opts.issuer), this.opts.clientId, undefined, client.ClientSecretBasic(this.opts.clientSecret), {
          // Plain http is accepted by the configuration only for loopback issuers (development and tests).
          execute: isLoopbackHost(new URL(this.opts.issuer).hostname) ? [client.allowInsecureRequests] : [],
          timeout: this.opts.timeoutSeconds ?? 10,
        }),
      )
      .catch((err) => {
        this.configuration = null;
        throw err;
      });
    return this.configuration;
  }

  async start(): Promise<LoginStart> {
    const config = await this.config();
    const { client } = await oidcLibraries();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: scopesFor(this.opts.scopes, config.serverMetadata().scopes_supported),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    return { url: url.href, state, nonce, codeVerifier };
  }

  /** Exchanges the code from the callback URL; throws when any check fails. */
  async finish(callbackQuery: string, checks: LoginChecks): Promise<SignedIn> {
    const config = await this.config();
    const { client, jose } = await oidcLibraries();
    const current = new URL(`${this.redirectUri}${callbackQuery}`);
    const tokens = await client.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const idToken = tokens.id_token;
    const idClaims = tokens.claims();
    if (!idToken || !idClaims) throw new Error("the provider sent no ID token");
    const metadata = config.serverMetadata();
    await jose.jwtVerify(idToken, this.keySet(jose, metadata.jwks_uri), {
      issuer: metadata.issuer,
      audience: this.opts.clientId,
      algorithms: ALGORITHMS,
    });
    // Providers put profile, e-mail and groups in the ID token or only in userinfo; take both.
    let info: Claims = {};
    if (metadata.userinfo_endpoint && tokens.access_token) info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
    return { issuer: metadata.issuer, claims: { ...info, ...stripUndefined(idClaims) }, idToken };
  }

  /** The provider's end-session URL for a signed-in person, if it has one. */
  async endSessionUrl(idToken: string | null): Promise<string | null> {
    const config = await this.config().catch(() => null);
    if (!config?.serverMetadata().end_session_endpoint) return null;
    const { client } = await oidcLibraries();
    const params: Record<string, string> = { post_logout_redirect_uri: `${this.opts.publicUrl}/`, client_id: this.opts.clientId };
    if (idToken) params.id_token_hint = idToken;
    return client.buildEndSessionUrl(config, params).href;
  }

  private keySet(jose: typeof Jose, jwksUri: string | undefined): ReturnType<typeof Jose.createRemoteJWKSet> {
    if (!jwksUri) throw new Error("the provider publishes no jwks_uri");
    this.keys ??= jose.createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: 1_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });
    return this.keys;
  }
}

/** The configured scopes, plus `groups` where the provider offers it (Gitea): the access rules need it. */
export function scopesFor(configured: string, supported: readonly string[] | undefined): string {
  const scopes = configured.split(/\s+/).filter(Boolean);
  if (supported?.includes("groups") && !scopes.includes("groups")) scopes.push("groups");
  return scopes.join(" ");
}

function stripUndefined(claims: Claims): Claims {
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}
