import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type DeployResult, type Harness, deployAndWait } from "../support/harness.ts";
import { openCode } from "../support/opencode.ts";
import {
  ENGINE_IMAGE,
  ENGINE_PREVIOUS_IMAGE,
  appNameOf,
  dockerCli,
  enginePortalEnv,
  engineSkipReason,
  runningContainer,
  startEngineHarness,
} from "./engine.ts";

/**
 * The move from OpenCode 1.1 to the image's release on a real Docker Swarm: a stack deployed
 * from the previous stack image (built by scripts/engine/up.sh from the repository's history)
 * keeps a session, and an image rollout moves it to the current image, whose entrypoint carries
 * the session over before OpenCode 1.18 starts on the same data volume.
 */

const skip = await engineSkipReason([ENGINE_IMAGE, ENGINE_PREVIOUS_IMAGE]);
const T = 180_000;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe.skipIf(skip !== null)("a rollout from the previous stack image on the real engine", () => {
  let h: Harness;
  let stack: DeployResult;
  let appName: string;
  beforeAll(async () => {
    h = await startEngineHarness(enginePortalEnv(ENGINE_PREVIOUS_IMAGE, "90s"));
    stack = await deployAndWait(h, "engine-upg", { timeoutMs: T });
    appName = await appNameOf(h, "engine-upg");
  }, T);
  afterAll(() => h?.stop(), T);

  const oc = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${h.sandboxUrl}${path}`, {
      method,
      headers: {
        host: "engine-upg.stacks.test",
        authorization: `Basic ${Buffer.from(`opencode:${stack.credentials.password}`).toString("base64")}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    return (await res.json()) as any;
  };

  test(
    "the stack's session survives the rollout: OpenCode 1.18 lists it, with its message, on the same data volume",
    async () => {
      expect(stack.done.data).toMatchObject({ status: "ready" });
      expect((await oc("GET", "/global/health")).version).toBe(openCode("previous").version);
      const session = await oc("POST", "/session", { title: "from the old image" });
      await oc("POST", `/session/${session.id}/message`, {
        noReply: true,
        model: { providerID: "opencode", modelID: "big-pickle" },
        parts: [{ type: "text", text: "written on OpenCode 1.1" }],
      });

      const started = await fetch(`${h.url}/api/admin/rollouts`, {
        method: "POST",
        headers: { ...admin, "content-type": "application/json" },
        body: JSON.stringify({ image: ENGINE_IMAGE }),
      });
      expect(started.status).toBe(202);
      const id = ((await started.json()) as any).rollout.id;
      let view: any;
      for (let i = 0; i < 1500; i++) {
        view = await (await fetch(`${h.url}/api/admin/rollouts/${id}`, { headers: admin })).json();
        if (view.rollout.status !== "running") break;
        await Bun.sleep(100);
      }
      expect({ status: view.rollout.status, stacks: view.stacks.map((s: any) => [s.name, s.state, s.error]) }).toEqual({
        status: "finished",
        stacks: [["engine-upg", "done", null]],
      });

      expect((await oc("GET", "/global/health")).version).toBe(openCode("current").version);
      const listed = (await oc("GET", "/session?limit=1000")) as any[];
      expect(listed.map((s) => s.id)).toEqual([session.id]);
      expect(JSON.stringify(await oc("GET", `/session/${session.id}/message`))).toContain("written on OpenCode 1.1");
      // The new container ran the image's import before its OpenCode started.
      const container = (await runningContainer(appName))!;
      // The entrypoint writes to stderr.
      const logs = Bun.spawnSync(["/usr/bin/docker", "logs", container], { stdout: "pipe", stderr: "pipe" }).stderr.toString();
      expect(logs).toContain("[stack-image] imported 1 session(s)");
      expect(dockerCli("exec", container, "sh", "-c", "ls ~/.local/share/opencode")).toContain("opencode.db");
    },
    T,
  );
});
