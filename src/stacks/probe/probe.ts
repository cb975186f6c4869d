/**
 * Stack readiness probe. Dokploy's "done" only means Docker accepted the service spec, so
 * readiness is proven here: the stack counts as up once one of its endpoints really answers.
 *
 * Pure domain code: no HTTP-layer imports and no module state; every call gets its own
 * signals and timers, so concurrent deploys cannot interfere.
 */

import { isIP } from "node:net";
import type { ProbeTarget } from "./targets.ts";

export { expandProbeTargets } from "./targets.ts";
export type { ProbeTarget, ProbeTargetVars } from "./targets.ts";

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

export interface WaitOptions {
  targets: ProbeTarget[];
  attemptTimeoutMs: number;
  intervalMs: number;
  maxIntervalMs: number;
  /**
   * The first pause, doubling up to intervalMs and then on to maxIntervalMs (default
   * intervalMs). A stack usually answers soon after it starts, so the first rounds are quick.
   */
  firstIntervalMs?: number;
  /**
   * For this long from the start the pause stays at firstIntervalMs before it starts doubling
   * (default 0). A doubling schedule sees a stack that comes up between two rounds up to a
   * whole pause late; probes go to the stack, not to Dokploy, so a short steady window is cheap.
   */
  fastWindowMs?: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Passed to every probe; see ProbeOptions.ca. */
  ca?: string | string[];
  /** Called for each settled probe (attempt = round number, from 1). Exceptions are ignored. */
  onAttempt?: (target: ProbeTarget, outcome: ProbeOutcome, attempt: number) => void;
}

export type WaitResult =
  | { up: true; target: ProbeTarget; status: number; trusted?: boolean; attempts: number; elapsedMs: number }
  | {
      up: false;
      /** Rounds started (each round probes every target). */
      attempts: number;
      elapsedMs: number;
      /** Last real outcome per target, index-aligned with WaitOptions.targets. */
      last: ProbeOutcome[];
      aborted: boolean;
    };

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

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function requireNumber(name: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) throw new RangeError(`waitUntilUp: ${name} must be a number >= ${min}, got ${value}`);
}

/**
 * Probe every target each round (in parallel) until one is up, backing off exponentially
 * between rounds from firstIntervalMs to maxIntervalMs, never past timeoutMs overall. An
 * attempt waits for its answer as long as the pause (1 s at least), attemptTimeoutMs at most.
 * The first target to answer as up wins; the round's other probes are cancelled.
 * Resolves, never rejects, except for invalid options.
 */
export async function waitUntilUp(opts: WaitOptions): Promise<WaitResult> {
  const { targets, signal } = opts;
  if (targets.length === 0) throw new Error("waitUntilUp: no probe targets");
  requireNumber("attemptTimeoutMs", opts.attemptTimeoutMs, 1);
  // >= 1: doubling a zero pause would never back off.
  requireNumber("intervalMs", opts.intervalMs, 1);
  requireNumber("maxIntervalMs", opts.maxIntervalMs, opts.intervalMs);
  if (opts.firstIntervalMs !== undefined) requireNumber("firstIntervalMs", opts.firstIntervalMs, 1);
  if (opts.fastWindowMs !== undefined) requireNumber("fastWindowMs", opts.fastWindowMs, 0);
  requireNumber("timeoutMs", opts.timeoutMs, 0);

  const start = performance.now();
  const deadline = start + opts.timeoutMs;
  const elapsedMs = () => Math.round(performance.now() - start);
  const last: DownOutcome[] = targets.map(() => ({ up: false, reason: "not_attempted" }));
  let attempts = 0;
  let pause = Math.min(opts.firstIntervalMs ?? opts.intervalMs, opts.intervalMs);

  const notUp = (aborted: boolean): WaitResult => ({ up: false, attempts, elapsedMs: elapsedMs(), last: [...last], aborted });

  for (;;) {
    if (signal?.aborted) return notUp(true);
    const remaining = deadline - performance.now();
    if (remaining <= 0) return notUp(false);

    attempts++;
    // An answer is not waited for longer than the next round's pause (1 s at least): a server
    // that takes a request as it starts and never answers it (OpenCode does, for the moment
    // between binding its port and serving) must not hold the wait for a whole attempt timeout.
    const attemptTimeoutMs = Math.min(opts.attemptTimeoutMs, remaining, Math.max(MIN_ATTEMPT_MS, pause));
    const cutByDeadline = attemptTimeoutMs === remaining && remaining < opts.attemptTimeoutMs;
    const winner = await runRound(opts, attempts, attemptTimeoutMs, (index, outcome) => {
      // A timeout caused only by the overall deadline says nothing about the target, so it
      // must not hide what the target said before (e.g. status_502).
      const prev = last[index];
      if (cutByDeadline && outcome.reason === "timeout" && prev?.reason !== "not_attempted") return;
      last[index] = { ...outcome, at: new Date().toISOString() };
    });

    if (signal?.aborted) return notUp(true);
    if (winner) {
      const { target, outcome } = winner;
      const result: WaitResult = { up: true, target, status: outcome.status, attempts, elapsedMs: elapsedMs() };
      if (outcome.trusted !== undefined) result.trusted = outcome.trusted;
      return result;
    }

    const untilDeadline = deadline - performance.now();
    if (untilDeadline <= 0) return notUp(false);
    await sleep(Math.min(pause, untilDeadline), signal);
    if (performance.now() - start >= (opts.fastWindowMs ?? 0)) pause = Math.min(pause * 2, opts.maxIntervalMs);
  }
}

/** An attempt waits for its answer as long as the pause before the next round, at least this, at most attemptTimeoutMs. */
const MIN_ATTEMPT_MS = 1_000;

type UpOutcome = Extract<ProbeOutcome, { up: true }>;
type DownOutcome = Extract<ProbeOutcome, { up: false }>;

/** One round: resolves with the first up target, or null once all failed or the caller aborted. */
function runRound(
  opts: WaitOptions,
  attempt: number,
  attemptTimeoutMs: number,
  record: (index: number, outcome: DownOutcome) => void,
): Promise<{ target: ProbeTarget; outcome: UpOutcome } | null> {
  const { targets, signal } = opts;
  const round = new AbortController();
  const roundSignal = signal ? AbortSignal.any([signal, round.signal]) : round.signal;

  return new Promise((resolve) => {
    let pending = targets.length;
    let settled = false;
    const finish = (value: { target: ProbeTarget; outcome: UpOutcome } | null) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      round.abort(); // cancel the losers' in-flight requests
      resolve(value);
    };
    // Stop at once on abort rather than waiting for every fetch to notice it.
    const onAbort = () => finish(null);
    signal?.addEventListener("abort", onAbort, { once: true });

    targets.forEach((target, index) => {
      void probeOnce(target, { timeoutMs: attemptTimeoutMs, signal: roundSignal, ca: opts.ca }).then((outcome) => {
        // After the round is decided, late outcomes are cancellations, not observations.
        if (settled || signal?.aborted) return;
        if (!outcome.up) record(index, outcome);
        try {
          opts.onAttempt?.(target, outcome, attempt);
        } catch {
          // An observer (logging, progress events) must not be able to break readiness.
        }
        if (outcome.up) finish({ target, outcome });
        else if (--pending === 0) finish(null);
      });
    });
  });
}
