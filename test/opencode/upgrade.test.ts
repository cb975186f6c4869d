import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_TOKEN, type Harness, deployAndWait, startHarness } from "../support/harness.ts";
import { openCode } from "../support/opencode.ts";

/**
 * Moving the fleet from OpenCode 1.1 to the image's release with an image rollout, on real
 * OpenCode processes of both releases. Three images, as the sandbox plays them: the old one
 * (OpenCode's `previous` release), the new one (`current`, whose entrypoint imports the old release's
 * sessions before the server starts, stack-image/import-sessions.ts), and a new one without
 * that import, whose OpenCode starts and answers but cannot read an old stack's sessions. The
 * rollout must put a stack back rather than leave it on an image that lost its sessions.
 */

const previous = openCode("previous");
const current = openCode("current");
const OLD = "registry.test/oh-my-opencode-free:opencode-1.1";
const NEW = "registry.test/oh-my-opencode-free:opencode-1.18";
const BROKEN = "registry.test/oh-my-opencode-free:opencode-1.18-without-import";
const NAMES = ["upg-one", "upg-two", "upg-three"];
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

const root = mkdtempSync(join(tmpdir(), "sandbox-opencode-upgrade-"));
let h: Harness;
const stacks = new Map<string, { password: string; sessions: string[] }>();

beforeAll(async () => {
  h = await startHarness({
    env: { STACK_IMAGE: OLD, HEALTH_TIMEOUT: "60s", PROBE_ATTEMPT_TIMEOUT: "2s" },
    sandbox: {
      stackStopMs: 200,
      openCode: {
        command: previous.command,
        match: ["ai-stack-upg-"],
        root,
        choose: ({ image }) =>
          image === NEW ? { command: current.command, importSessions: true } : image === BROKEN ? { command: current.command } : undefined,
      },
    },
  });
  // One after the other: the rollout's order follows the stacks' ids.
  for (const name of NAMES) {
    const deployed = await deployAndWait(h, name, { timeoutMs: 40_000 });
    expect(deployed.done.data.status).toBe("ready");
    const password = deployed.credentials.password;
    const sessions: string[] = [];
    for (const title of ["planning", "the fix"]) {
      const session = await call(name, password, "POST", "/session", { title: `${name}: ${title}` });
      await call(name, password, "POST", `/session/${session.id}/message`, {
        noReply: true,
        model: { providerID: "opencode", modelID: "big-pickle" },
        parts: [{ type: "text", text: `${name} remembers ${title}` }],
      });
      sessions.push(session.id);
    }
    stacks.set(name, { password, sessions });
  }
}, 180_000);
afterAll(async () => {
  await h.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The stack's own OpenCode through the sandbox's Traefik, with its password. */
async function call(name: string, password: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${h.sandboxUrl}${path}`, {
    method,
    headers: {
      host: `${name}.stacks.test`,
      authorization: `Basic ${Buffer.from(`opencode:${password}`).toString("base64")}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect({ name, path, status: res.status }).toEqual({ name, path, status: 200 });
  return await res.json();
}

/** Which OpenCode a stack runs, and the ids of the sessions it lists. */
async function looksAt(name: string) {
  const { password } = stacks.get(name)!;
  const health = await call(name, password, "GET", "/global/health");
  const listed = (await call(name, password, "GET", "/session?limit=1000")) as { id: string }[];
  return { version: health.version as string, sessions: listed.map((s) => s.id).sort() };
}

async function rollout(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${h.url}/api/admin/rollouts`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as any).rollout.id;
}

/** The rollout once it stops moving (finished, paused or cancelled). */
async function settled(id: string): Promise<any> {
  for (let i = 0; i < 1200; i++) {
    const view = (await (await fetch(`${h.url}/api/admin/rollouts/${id}`, { headers: admin })).json()) as any;
    if (view.rollout.status !== "running") return view;
    await Bun.sleep(100);
  }
  throw new Error(`rollout ${id} still running`);
}

describe(`a rollout from OpenCode ${previous.version} to ${current.version}`, () => {
  test("an image whose OpenCode does not carry the sessions over: the canary is put back on its old image, with them, and the rollout pauses saying why", async () => {
    const view = await settled(await rollout({ image: BROKEN, batchSize: 1, maxFailures: 1 }));
    expect(view.rollout.status).toBe("paused");
    const canary = view.stacks.find((s: any) => s.name === "upg-one");
    expect(canary).toMatchObject({ state: "failed", previousImage: OLD });
    expect(canary.error).toContain(`OpenCode on ${BROKEN} does not list 2 of the 2 sessions the stack had`);
    expect(canary.error).toContain(stacks.get("upg-one")!.sessions[0]!.slice(0, 10));
    expect(view.rollout.reason).toContain("upg-one");
    // Back on the old release, which still reads every session, its messages too.
    expect(await looksAt("upg-one")).toEqual({ version: previous.version, sessions: [...stacks.get("upg-one")!.sessions].sort() });
    const messages = await call("upg-one", stacks.get("upg-one")!.password, "GET", `/session/${stacks.get("upg-one")!.sessions[0]}/message`);
    expect(JSON.stringify(messages)).toContain("upg-one remembers planning");
    // The others were not touched.
    expect(view.stacks.filter((s: any) => s.name !== "upg-one").map((s: any) => s.state)).toEqual(["pending", "pending"]);
    const cancel = await fetch(`${h.url}/api/admin/rollouts/${view.rollout.id}/cancel`, { method: "POST", headers: admin });
    expect(cancel.status).toBe(200);
  }, 180_000);

  test("the image with the import: canary first, then the rest, every stack on the new release with all its sessions and messages", async () => {
    const view = await settled(await rollout({ image: NEW, batchSize: 2, maxFailures: 1 }));
    expect({ status: view.rollout.status, reason: view.rollout.reason }).toEqual({ status: "finished", reason: null });
    expect(view.stacks.map((s: any) => [s.name, s.state, s.batch])).toEqual([
      ["upg-one", "done", 0],
      ["upg-two", "done", 1],
      ["upg-three", "done", 1],
    ]);
    for (const name of NAMES) {
      const { password, sessions } = stacks.get(name)!;
      expect({ name, ...(await looksAt(name)) }).toEqual({ name, version: current.version, sessions: [...sessions].sort() });
      const messages = await call(name, password, "GET", `/session/${sessions[1]}/message`);
      expect(JSON.stringify(messages)).toContain(`${name} remembers the fix`);
    }
    // Dokploy holds the new image, so a restart or a redeploy keeps it.
    const details = (await (await fetch(`${h.url}/api/stacks/upg-two/details`, { headers: admin })).json()) as any;
    expect(details).toMatchObject({ state: "running", dokploy: { image: NEW } });
  }, 300_000);
});
