/**
 * The post-deployment verification as one command (docs/deployment.md):
 *
 *   npm run smoke -- <baseUrl> [--full] [--token <admin token>] [--timeout <duration>]
 *
 * Checks /health, the name check, the page and, with --full, a whole deploy of a throwaway
 * stack `smoke-<random>` followed to `ready` over SSE and deleted again with its management
 * token. Prints each check as PASS/FAIL with its time; exits 1 if any check failed, 2 for
 * wrong arguments. The stack's password and tokens are never printed.
 */
import { parseArgs } from "node:util";
import { FailedError, Scrubber, UsageError, describeFetchError, formatMs, parseDuration, randomSuffix, sleep } from "./lib.ts";

const USAGE = `Usage: npm run smoke -- <baseUrl> [--full] [--token <admin token>] [--timeout <duration>]

  <baseUrl>             the portal, e.g. https://deploy.ai.flexinit.nl
  --full                also deploy a throwaway stack smoke-<random>, wait until it is
                        ready, then delete it (creates real resources in Dokploy)
  --token <token>       the portal's ADMIN_TOKEN (default: $ADMIN_TOKEN): with --full, also
                        checks the admin stack list, and deletes the stack with it if its
                        management token is refused
  --timeout <duration>  how long the deploy and the delete may take each (default 5m)
  -h, --help            this text

Exit codes: 0 every check passed, 1 a check failed, 2 wrong arguments.`;

const REQUEST_TIMEOUT_MS = 15_000;

interface Options {
  baseUrl: string;
  full: boolean;
  token: string | undefined;
  timeoutMs: number;
}

export function parseOptions(argv: string[], env: Record<string, string | undefined>): Options | "help" {
  const parsed = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: {
          full: { type: "boolean", default: false },
          token: { type: "string" },
          timeout: { type: "string", default: "5m" },
          help: { type: "boolean", short: "h", default: false },
        },
      });
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
  })();
  if (parsed.values.help) return "help";
  if (parsed.positionals.length !== 1) throw new UsageError("give exactly one base URL, e.g. https://deploy.ai.flexinit.nl");
  const [raw = ""] = parsed.positionals;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`not a URL: "${raw}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`expected an http(s) URL, got "${raw}"`);
  return {
    baseUrl: raw.replace(/\/+$/, ""),
    full: parsed.values.full as boolean,
    token: parsed.values.token ?? (env.ADMIN_TOKEN?.trim() || undefined),
    timeoutMs: parseDuration(parsed.values.timeout as string, "--timeout"),
  };
}

interface SseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

class Smoke {
  private readonly scrubber = new Scrubber();
  passed = 0;
  failed = 0;

  constructor(readonly opts: Options) {
    this.scrubber.add(opts.token);
  }

  say(line: string): void {
    process.stdout.write(`${this.scrubber.scrub(line)}\n`);
  }

  /** Runs one check: PASS with its detail, or FAIL with the reason. */
  async check(name: string, fn: () => Promise<string>): Promise<boolean> {
    const started = performance.now();
    let ok = true;
    let detail: string;
    try {
      detail = await fn();
    } catch (err) {
      ok = false;
      detail = err instanceof FailedError ? err.message : describeFetchError(err);
    }
    const ms = formatMs(performance.now() - started);
    this.say(`${ok ? "PASS" : "FAIL"}  ${name.padEnd(11)} ${ms.padStart(8)}  ${detail}`);
    if (ok) this.passed++;
    else this.failed++;
    return ok;
  }

  skip(name: string, why: string): void {
    this.say(`SKIP  ${name.padEnd(11)} ${"".padStart(8)}  ${why}`);
  }

  url(path: string): string {
    return `${this.opts.baseUrl}${path}`;
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(this.url(path), { ...init, redirect: "follow", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  }

  // biome-ignore lint/suspicious/noExplicitAny: the portal's answers are read loosely; each check names the fields it expects.
  async json(res: Response): Promise<any> {
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new FailedError(`HTTP ${res.status}, not JSON: ${text.slice(0, 120).replace(/\s+/g, " ")}`);
    }
  }

  /** `{"error": {"code", "message"}}` as one line. */
  problem(res: Response, body: { error?: { code?: string; message?: string } } | null): string {
    const err = body?.error;
    return err?.code ? `HTTP ${res.status} ${err.code}: ${err.message ?? ""}` : `HTTP ${res.status}`;
  }

  async health(): Promise<string> {
    const res = await this.request("/health");
    const body = await this.json(res);
    const status = body?.status;
    const extra = `version ${body?.version ?? "?"}, mode ${body?.mode ?? "?"}`;
    if (res.status === 200 && status === "healthy") return `healthy (${extra})`;
    if (res.status === 200 && status === "degraded") {
      const dokploy = body?.checks?.dokploy;
      return `degraded: the portal works but Dokploy is ${dokploy?.status ?? "not ok"}${dokploy?.message ? ` (${dokploy.message})` : ""} (${extra})`;
    }
    throw new FailedError(`HTTP ${res.status}, status "${status ?? "?"}"${body?.checks ? ` checks ${JSON.stringify(body.checks)}` : ""}`);
  }

  async nameCheck(): Promise<string> {
    const name = `smoke-${randomSuffix(8)}`;
    const res = await this.request(`/api/check/${name}`);
    const body = await this.json(res);
    if (res.status !== 200) throw new FailedError(this.problem(res, body));
    if (body?.valid !== true) throw new FailedError(`${name} judged invalid: ${body?.reason ?? "no reason"}`);
    return `${name} is valid${body.available === true ? " and available" : `, not available (${body.reason})`}`;
  }

  async page(): Promise<string> {
    const res = await this.request("/");
    const html = await res.text();
    if (res.status !== 200) throw new FailedError(`HTTP ${res.status}`);
    const title = /<title>\s*([^<]*?)\s*<\/title>/i.exec(html)?.[1];
    if (title !== "AI Stack Deployer")
      throw new FailedError(`title is ${title === undefined ? "missing" : `"${title}"`}, expected "AI Stack Deployer"`);
    return `title "${title}" (${html.length} bytes)`;
  }

  /** Follows a deployment's SSE stream until its `done` event; reconnects with Last-Event-ID. */
  async follow(eventsUrl: string): Promise<SseEvent> {
    const deadline = Date.now() + this.opts.timeoutMs;
    let lastId: string | undefined;
    let lastProblem = "";
    while (Date.now() < deadline) {
      try {
        const res = await fetch(this.url(eventsUrl), {
          headers: { accept: "text/event-stream", ...(lastId ? { "last-event-id": lastId } : {}) },
          signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
        });
        if (!res.ok || !res.body) throw new FailedError(`event stream: HTTP ${res.status}`);
        const decoder = new TextDecoder();
        let buffer = "";
        for await (const chunk of res.body) {
          buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
          for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = parseEvent(block);
            if (!event) continue;
            if (event.id) lastId = event.id;
            this.progress(event);
            if (event.event === "done") return event;
          }
        }
        lastProblem = "the event stream ended before the final event";
      } catch (err) {
        lastProblem = err instanceof FailedError ? err.message : describeFetchError(err);
      }
      if (Date.now() < deadline) await sleep(1000);
    }
    throw new FailedError(`no final event within ${formatMs(this.opts.timeoutMs)} (--timeout)${lastProblem ? `; last: ${lastProblem}` : ""}`);
  }

  private progress(event: SseEvent): void {
    const d = event.data;
    if (event.event === "step") {
      if (d.state === "started") return;
      const error = d.error as { code?: string } | undefined;
      this.say(`        - ${d.step} ${d.state}${error?.code ? ` (${error.code})` : ""}`);
    } else if (event.event === "status") this.say(`        - ${d.status}${typeof d.position === "number" ? ` (position ${d.position})` : ""}`);
  }

  async full(): Promise<void> {
    const name = `smoke-${randomSuffix(8)}`;
    // Set inside the check's callback (a box, so the compiler does not narrow them to null).
    const state: { accepted: { eventsUrl: string; managementToken: string } | null; outcome: "ready" | "failed" | "unknown" } = {
      accepted: null,
      outcome: "unknown",
    };
    await this.check("deploy", async () => {
      const res = await this.request("/api/deploy", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      const body = await this.json(res);
      if (res.status !== 202) throw new FailedError(`${name}: ${this.problem(res, body)}`);
      this.scrubber.add(body.managementToken);
      this.scrubber.add(body.credentials?.password);
      state.accepted = { eventsUrl: body.eventsUrl, managementToken: body.managementToken };
      this.say(`        ${name}: deployment ${body.deploymentId}`);
      const done = await this.follow(body.eventsUrl);
      const status = done.data.status;
      if (status === "ready") {
        state.outcome = "ready";
        return `${name} ready at ${done.data.url ?? body.url}`;
      }
      state.outcome = status === "failed" ? "failed" : "unknown";
      const error = done.data.error as { code?: string; message?: string } | undefined;
      throw new FailedError(`${name} ${String(status)}${error ? `: ${error.code} ${error.message ?? ""}` : ""}`);
    });
    const stack = state.accepted;
    if (!stack) return this.skip("delete", "nothing was deployed");
    if (this.opts.token) {
      await this.check("admin list", async () => {
        const res = await this.request("/api/stacks", { headers: { authorization: `Bearer ${this.opts.token}` } });
        const body = await this.json(res);
        if (res.status !== 200) throw new FailedError(this.problem(res, body));
        const listed = (body?.stacks ?? []).find((s: { name?: string }) => s.name === name);
        if (!listed) throw new FailedError(`${name} is not in the admin list`);
        return `${name} listed (${listed.status})`;
      });
    }
    if (state.outcome === "failed") return this.skip("delete", `${name} failed; the portal rolled it back`);
    await this.check("delete", async () => {
      let via = "management token";
      let res = await this.remove(name, stack.managementToken);
      if ((res.status === 401 || res.status === 403) && this.opts.token) {
        via = "admin token";
        res = await this.remove(name, this.opts.token);
      }
      const body = await this.json(res);
      if (res.status !== 202) throw new FailedError(`${name}: ${this.problem(res, body)}`);
      const done = await this.follow(body.eventsUrl);
      if (done.data.status !== "deleted") {
        const error = done.data.error as { code?: string; message?: string } | undefined;
        throw new FailedError(`${name} ${String(done.data.status)}${error ? `: ${error.code} ${error.message ?? ""}` : ""}`);
      }
      return `${name} deleted (with its ${via})`;
    });
  }

  private remove(name: string, token: string): Promise<Response> {
    return this.request(`/api/stack/${name}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
  }
}

function parseEvent(block: string): SseEvent | null {
  let event = "message";
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0) return null;
  try {
    return { event, id, data: JSON.parse(data.join("\n")) };
  } catch {
    return null;
  }
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let opts: Options | "help";
  try {
    opts = parseOptions(argv, env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`smoke: ${err.message}\n(run with --help for the options)\n`);
      return 2;
    }
    throw err;
  }
  if (opts === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const smoke = new Smoke(opts);
  smoke.say(`Smoke test of ${opts.baseUrl}${opts.full ? " (full: deploys and deletes a throwaway stack)" : ""}`);
  const started = performance.now();
  await smoke.check("health", () => smoke.health());
  await smoke.check("name check", () => smoke.nameCheck());
  await smoke.check("page", () => smoke.page());
  if (opts.full) await smoke.full();
  smoke.say(`${smoke.passed} passed, ${smoke.failed} failed in ${formatMs(performance.now() - started)}`);
  return smoke.failed === 0 ? 0 : 1;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2), process.env));
