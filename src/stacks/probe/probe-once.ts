/**
 * One probe of one stack endpoint: does it answer as OpenCode does, and was its certificate
 * trusted? Dokploy's "done" only means Docker accepted the service spec, so readiness is
 * proven by the stack itself (wait-until-up.ts repeats this until one endpoint answers).
 *
 * No module state: every call gets its own signals and timers, so concurrent deploys cannot
 * interfere.
 */

import { isIP } from "node:net";
import type { ProbeTarget } from "./targets.ts";

export type ProbeOutcome =
  | { up: true; status: number; trusted?: boolean }
  | {
      up: false;
      status?: number;
      /**
       * "status_<n>", "refused", "reset", "timeout", "tls", "dns", "unreachable", "aborted",
       * "error" (anything else), and in WaitResult.last "not_attempted".
       */
      reason: string;
      /** Underlying error code and message, for logs only; not stable enough to branch on. */
      detail?: string;
      /** In WaitResult.last: when this was seen (ISO time). */
      at?: string;
    };

export interface ProbeOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * PEM CA certificate(s) to trust for https targets. As in node:tls this replaces the
   * default roots, so it is for private CAs and tests, not for adding to the public set.
   */
  ca?: string | string[];
}

/**
 * OpenCode is up once it answers with 2xx, 3xx (redirects are not followed: any redirect
 * proves the server is there) or 401 (OPENCODE_SERVER_PASSWORD basic auth is on).
 * 404/502/503/504 are what Traefik says while the route or the container is not ready yet.
 */
function isUpStatus(status: number): boolean {
  return (status >= 200 && status < 400) || status === 401;
}

// Verification failures Bun reports in err.code (Node/BoringSSL names). Observed with Bun
// 1.4.5: DEPTH_ZERO_SELF_SIGNED_CERT (Traefik's default cert), SELF_SIGNED_CERT_IN_CHAIN,
// UNABLE_TO_VERIFY_LEAF_SIGNATURE (unknown CA), CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID.
const CERT_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);
// Catch-all for verification codes not listed above, so a rarer one still gets the retry.
const CERT_CODE_PATTERN = /CERT|SELF_SIGNED|ISSUER|LEAF_SIGNATURE|ALTNAME/;

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function isCertError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && (CERT_CODES.has(code) || CERT_CODE_PATTERN.test(code));
}

function describe(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return (code && !message.startsWith(code) ? `${code}: ${message}` : message).slice(0, 200);
}

function classify(err: unknown): string {
  const code = errorCode(err);
  switch (code) {
    case "ECONNREFUSED":
      return "refused";
    case "ECONNRESET":
    case "EPIPE":
    case "ECONNABORTED":
      return "reset";
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
    case "EAI_FAIL":
      return "dns";
    case "ETIMEDOUT":
      return "timeout";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ENETDOWN":
      return "unreachable";
    case "EPROTO": // Bun: "The TLS handshake failed", e.g. https to a plain-HTTP port
      return "tls";
  }
  if (isCertError(err) || code?.startsWith("ERR_SSL")) return "tls";
  return "error";
}

/** SNI must be a DNS name: strip the port and skip IP literals. */
function sniName(hostHeader: string): string | undefined {
  const name = hostHeader.startsWith("[") ? hostHeader.slice(1, hostHeader.indexOf("]")) : hostHeader.replace(/:\d+$/, "");
  return name === "" || isIP(name) !== 0 ? undefined : name;
}

async function fetchStatus(url: URL, target: ProbeTarget, signal: AbortSignal, tls: BunFetchRequestInitTLS | undefined): Promise<number> {
  const headers: Record<string, string> = { "user-agent": "ai-stack-deployer-probe" };
  if (target.hostHeader !== undefined) headers.host = target.hostHeader;
  const res = await fetch(url, { method: "GET", redirect: "manual", signal, headers, tls });
  // Only the status matters; cancelling releases the socket instead of buffering the body.
  res.body?.cancel().catch(() => {});
  // STACK_SSO's gate sends a browser without a pass to the portal whether the stack runs or
  // not: that says nothing about the stack (the next target, straight to the service, does).
  if (res.status >= 300 && res.status < 400 && /\/auth\/stack\/start\?/.test(res.headers.get("location") ?? "")) return 511;
  return res.status;
}

function judge(status: number, trusted: boolean | undefined): ProbeOutcome {
  if (!isUpStatus(status)) return { up: false, status, reason: `status_${status}` };
  return trusted === undefined ? { up: true, status } : { up: true, status, trusted };
}

/**
 * One request to one target. Never throws: network failures, timeouts and aborts come back
 * as `{ up: false, reason }`.
 *
 * https: the request is verified first; only on a certificate error is it repeated without
 * verification, so `trusted` says whether the certificate would have been accepted. (With
 * rejectUnauthorized:false Bun gives no sign of whether the chain verified, and it never
 * reuses an unverified connection for a verified request, so the two requests are independent.)
 */
export async function probeOnce(target: ProbeTarget, opts: ProbeOptions): Promise<ProbeOutcome> {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch (err) {
    return { up: false, reason: "error", detail: describe(err) };
  }
  if (opts.signal?.aborted) return { up: false, reason: "aborted" };

  // One timeout for the whole attempt, including a possible unverified retry.
  const timeout = AbortSignal.timeout(Math.max(0, opts.timeoutMs));
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const failed = (err: unknown): ProbeOutcome => {
    // Ask the signals, not the error: Bun's abort/timeout errors vary in name and code.
    if (opts.signal?.aborted) return { up: false, reason: "aborted" };
    if (timeout.aborted) return { up: false, reason: "timeout" };
    return { up: false, reason: classify(err), detail: describe(err) };
  };

  if (url.protocol !== "https:") {
    try {
      return judge(await fetchStatus(url, target, signal, undefined), undefined);
    } catch (err) {
      return failed(err);
    }
  }

  // With a Host header, SNI and verification must use that name: Traefik picks the router
  // certificate by SNI, and the URL host may be a bare IP.
  const serverName = target.hostHeader !== undefined ? sniName(target.hostHeader) : undefined;
  const base: BunFetchRequestInitTLS = {};
  if (serverName !== undefined) base.serverName = serverName;
  if (opts.ca !== undefined) base.ca = opts.ca;

  try {
    return judge(await fetchStatus(url, target, signal, base), true);
  } catch (err) {
    if (!isCertError(err) || signal.aborted) return failed(err);
  }
  try {
    return judge(await fetchStatus(url, target, signal, { ...base, rejectUnauthorized: false }), false);
  } catch (err) {
    return failed(err);
  }
}
