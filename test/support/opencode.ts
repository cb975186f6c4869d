// The real OpenCode releases the tests run (scripts/opencode.ts: pinned in package.json,
// installed once into a cache on first use), and a bare `opencode serve` on a data directory of a
// test's choosing.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type InstalledOpenCode, type OpenCodeRelease, ensureOpenCode } from "../../scripts/opencode.ts";

export { RELEASES } from "../../scripts/opencode.ts";

/** A pinned release, installed first if this machine lacks it (one line says so). */
export function openCode(release: OpenCodeRelease): InstalledOpenCode {
  return ensureOpenCode(release);
}

export interface Served {
  url: string;
  /** Basic-auth header of the server's password. */
  auth: Record<string, string>;
  get(path: string): Promise<any>;
  post(path: string, body: unknown): Promise<any>;
  stop(): Promise<void>;
}

/**
 * `opencode serve` on a free port with HOME under `home` and OpenCode's data in `dataHome`/opencode
 * (as the stack image's data volume), working in `cwd`; resolves once it listens.
 */
export async function serveOpenCode(command: string, dirs: { home: string; dataHome: string; cwd: string }): Promise<Served> {
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const password = "test-password";
  const proc = Bun.spawn([command, "serve", "--port", "0", "--hostname", "127.0.0.1"], {
    cwd: dirs.cwd,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dirs.home,
      XDG_DATA_HOME: dirs.dataHome,
      XDG_CONFIG_HOME: join(dirs.home, ".config"),
      XDG_CACHE_HOME: join(dirs.home, ".cache"),
      XDG_STATE_HOME: join(dirs.home, ".local/state"),
      OPENCODE_DISABLE_AUTOUPDATE: "true",
      OPENCODE_DISABLE_MODELS_FETCH: "true",
      OPENCODE_SERVER_PASSWORD: password,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  let url = "";
  let seen = "";
  const decoder = new TextDecoder();
  for await (const chunk of proc.stdout) {
    seen += decoder.decode(chunk, { stream: true });
    const found = /listening on (http:\/\/\S+)/.exec(seen)?.[1];
    if (found) {
      url = found.replace(/\/+$/, "");
      break;
    }
  }
  if (!url) throw new Error(`opencode serve did not start: ${seen}${await new Response(proc.stderr).text()}`);
  const auth = { authorization: `Basic ${Buffer.from(`opencode:${password}`).toString("base64")}` };
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${url}${path}`, { ...init, headers: { ...auth, "content-type": "application/json", ...init.headers } });
    if (res.status !== 200) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
    return await res.json();
  };
  return {
    url,
    auth,
    get: (path) => call(path),
    post: (path, body) => call(path, { method: "POST", body: JSON.stringify(body) }),
    async stop() {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}

/** A session with a user message in it (no model is asked: noReply). */
export async function sessionWithMessage(served: Served, title: string, text: string, directory?: string): Promise<{ id: string }> {
  const where = directory ? `?directory=${encodeURIComponent(directory)}` : "";
  const session = (await served.post(`/session${where}`, { title })) as { id: string };
  await served.post(`/session/${session.id}/message${where}`, {
    noReply: true,
    model: { providerID: "opencode", modelID: "big-pickle" },
    parts: [{ type: "text", text }],
  });
  return session;
}
