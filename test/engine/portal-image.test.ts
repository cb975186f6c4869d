import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startSandbox } from "../../src/sandbox/index.ts";
import { SANDBOX_KEY, portalEnv, readEvents } from "../support/harness.ts";
import { freePort } from "../support/ports.ts";
import { ENGINE_PORTAL_IMAGE, dockerCli, engineSkipReason } from "./engine.ts";

/**
 * The portal's image as operators run it: the container built from the Dockerfile, in
 * production mode, on the host's network so that it reaches a sandbox Dokploy on loopback.
 */

const skip = await engineSkipReason([ENGINE_PORTAL_IMAGE]);
const T = 60_000;

describe.skipIf(skip !== null)("the portal image", () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let container = "";
  let url = "";
  beforeAll(async () => {
    sandbox = await startSandbox({ apiKey: SANDBOX_KEY, deployDurationMs: 50 });
    const port = freePort();
    url = `http://127.0.0.1:${port}`;
    const env = portalEnv(sandbox.url, "/data", { NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1" });
    container = dockerCli(
      "run",
      "-d",
      "--rm",
      "--network",
      "host",
      ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
      ENGINE_PORTAL_IMAGE,
    );
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${url}/health`).catch(() => null))?.ok) return;
      await Bun.sleep(200);
    }
    throw new Error(`the portal container did not answer /health:\n${dockerCli("logs", container)}`);
  }, T);
  afterAll(async () => {
    if (container) dockerCli("rm", "-f", container);
    await sandbox?.stop();
  });

  test("runs unprivileged, answers /health and serves the page", async () => {
    expect(dockerCli("exec", container, "id", "-u")).toBe("1000");
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: "healthy", mode: "dokploy" });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
  });

  test(
    "deploys a stack through Dokploy until it answers",
    async () => {
      const res = await fetch(`${url}/api/deploy`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "from-image" }),
      });
      expect(res.status).toBe(202);
      const { eventsUrl } = (await res.json()) as { eventsUrl: string };
      expect((await readEvents(`${url}${eventsUrl}`, { timeoutMs: T })).at(-1)!.data).toMatchObject({ status: "ready" });
      // The database is on the container's /data, as the Dockerfile's volume says.
      expect(dockerCli("exec", container, "ls", "/data")).toContain(".sqlite");
    },
    T,
  );
});
