import { z } from "zod";
import { envValues } from "../keys/stack-env.ts";
import type { Stack } from "../model/vocabulary.ts";
import { planStack } from "../model/resource-plan.ts";
import { expandProbeTargets } from "./targets.ts";
import type { Ports } from "../runs/ports.ts";

/** Dokploy (the stack's password in its environment) and where the stack answers. */
export type OpenCodePorts = Pick<Ports, "client" | "config">;

/**
 * The stack's own OpenCode API, read with the stack's credentials: which sessions exist and
 * when they changed, and which are busy now. The password is read from Dokploy's
 * environment of the application when needed, not kept by the portal: Dokploy holds it
 * anyway (encrypted), a second copy would be one more place to leak it, and it could not go
 * stale when the owner asks for a new password.
 */

export async function stackCredentials(
  deps: OpenCodePorts,
  applicationId: string,
  signal?: AbortSignal,
): Promise<{ username: string; password: string } | null> {
  return credentialsIn(await deps.client.applicationEnvironment(applicationId, signal));
}

/** The OpenCode credentials in an application's dotenv text; null without a password. */
export function credentialsIn(env: string): { username: string; password: string } | null {
  const values = envValues(env);
  const password = values.get("OPENCODE_SERVER_PASSWORD");
  if (!password) return null;
  return { username: values.get("OPENCODE_SERVER_USERNAME") || "opencode", password };
}

const sessions = z.array(
  z
    .object({ id: z.string(), time: z.object({ created: z.number().optional(), updated: z.number().optional() }).passthrough().optional() })
    .passthrough(),
);
/** sessionID -> {type: "idle" | "busy" | "retry"}; idle sessions may be left out. */
const statuses = z.record(z.string(), z.object({ type: z.string() }).passthrough());

export interface Activity {
  /** A session is working right now (a prompt or a command runs). */
  busy: boolean;
  /** Epoch ms of the newest change of a session that has had something in it; null without one. */
  lastUpdated: number | null;
}

/**
 * Every session the stack's OpenCode lists in its own directory, newest first, or null when it
 * cannot be read. OpenCode 1.18 lists the newest 100 unless asked for more (1.1 lists them
 * all), hence the limit, which both take.
 */
export async function readSessionIds(deps: OpenCodePorts, stack: Stack, timeoutMs: number): Promise<string[] | null> {
  return await fromStack(deps, stack, timeoutMs, undefined, async (get) => (await get("session?limit=1000000", sessions))?.map((s) => s.id) ?? null);
}

/**
 * The stack's activity, or null when its OpenCode cannot be read (then nobody decides on it).
 * `env`: its environment, when the caller has read it already (else it is read from Dokploy).
 */
export async function readActivity(deps: OpenCodePorts, stack: Stack, timeoutMs: number, env?: string): Promise<Activity | null> {
  const known = env === undefined ? undefined : credentialsIn(env);
  return await fromStack(deps, stack, timeoutMs, known, async (get) => {
    const list = await get("session", sessions);
    if (!list) return null;
    const status = await get("session/status", statuses);
    if (!status) return null;
    // A session opened and left empty was not used: only one changed after it was made counts.
    const updated = list.flatMap((s) => {
      const { created, updated } = s.time ?? {};
      return typeof updated === "number" && (typeof created !== "number" || updated > created) ? [updated] : [];
    });
    return {
      busy: Object.values(status).some((s) => s.type !== "idle"),
      lastUpdated: updated.length ? Math.max(...updated) : null,
    };
  });
}

/** A model the stack's OpenCode offers: `<provider>/<model>` and the names to show. Nothing else of a provider (never its key). */
export const offeredModel = z.object({ id: z.string(), name: z.string(), provider: z.string() });
export type OfferedModel = z.infer<typeof offeredModel>;

const providers = z.object({
  providers: z.array(
    z
      .object({
        id: z.string(),
        name: z.string(),
        models: z.record(z.string(), z.object({ id: z.string(), name: z.string().optional() }).passthrough()),
      })
      .passthrough(),
  ),
});

/** The models the stack's OpenCode offers (GET /config/providers: the providers it can use now), or null when it cannot be read. */
export async function readModels(deps: OpenCodePorts, stack: Stack, timeoutMs: number): Promise<OfferedModel[] | null> {
  return await fromStack(deps, stack, timeoutMs, undefined, async (get) => {
    const answer = await get("config/providers", providers);
    if (!answer) return null;
    return answer.providers.flatMap((p) => Object.values(p.models).map((m) => ({ id: `${p.id}/${m.id}`, name: m.name ?? m.id, provider: p.name })));
  });
}

type Get = <T>(path: string, schema: z.ZodType<T>) => Promise<T | null>;

/**
 * `read` with GETs to the stack's OpenCode (the stack's credentials, JSON of `schema` or null),
 * through each of the probe's targets until one gives an answer; null when none does.
 */
async function fromStack<T>(
  deps: OpenCodePorts,
  stack: Stack,
  timeoutMs: number,
  known: { username: string; password: string } | null | undefined,
  read: (get: Get) => Promise<T | null>,
): Promise<T | null> {
  if (!stack.applicationId || !stack.appName) return null;
  const signal = AbortSignal.timeout(timeoutMs);
  const credentials = known !== undefined ? known : await stackCredentials(deps, stack.applicationId, signal).catch(() => null);
  if (!credentials) return null;
  const plan = planStack(stack, deps.config);
  const targets = expandProbeTargets(deps.config.STACK_PROBE_URLS, { host: plan.host, appName: stack.appName, port: plan.port });
  const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
  for (const target of targets) {
    const get: Get = async (path, schema) => {
      const url = new URL(path, target.url.endsWith("/") ? target.url : `${target.url}/`);
      const headers: Record<string, string> = { authorization, accept: "application/json" };
      if (target.hostHeader) headers.host = target.hostHeader;
      const tls = url.protocol === "https:" && target.hostHeader ? { serverName: target.hostHeader.replace(/:\d+$/, "") } : undefined;
      const res = await fetch(url, { headers, redirect: "manual", signal, ...(tls ? { tls } : {}) });
      if (res.status !== 200) return null;
      const parsed = schema.safeParse(await res.json().catch(() => undefined));
      return parsed.success ? parsed.data : null;
    };
    try {
      const answer = await read(get);
      if (answer !== null) return answer;
    } catch {
      // Unreachable through this target: try the next.
    }
  }
  return null;
}
