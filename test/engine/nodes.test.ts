import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type DeployResult, type Harness, deploy, deployAndWait, readEvents, waitFor } from "../support/harness.ts";
import { ENGINE_IMAGE, appNameOf, enginePortalEnv, engineSkipReason, startEngineHarness } from "./engine.ts";
import { execInTask, joinWorkers, leaveWorkers, runningTask, setAvailability, workersSkipReason, stackAnswers } from "./nodes.ts";

/**
 * Every placement promise on a real Swarm of three nodes: the host's dockerd (the manager) and
 * two Docker-in-Docker workers (scripts/engine/nodes.sh), through the portal and the sandbox's
 * Dokploy API on its real-engine runtime. Each node reports the host's memory (about 23 GiB
 * here), so a 12 GiB reservation leaves room for exactly one stack per node. A node lost to a
 * power failure is swarm-agreement.test.ts's, against this Swarm and the sandbox's alike.
 */

const skip = (await engineSkipReason()) ?? workersSkipReason();
if (skip && process.env.ENGINE_REQUIRED) throw new Error(`engine tier required (ENGINE_REQUIRED) but ${skip}`);
if (skip) console.log(`several-node engine tests skipped: ${skip}`);
const T = 120_000;
const NAMES = ["nodes-a", "nodes-b", "nodes-c"];

describe.skipIf(skip !== null)("stacks on a real three-node Swarm", () => {
  let h: Harness;
  const stacks = new Map<string, DeployResult>();
  const apps = new Map<string, string>();
  /** Which stack runs on which node, by hostname, as the first deploys placed them. */
  const onNode = new Map<string, string>();

  beforeAll(async () => {
    joinWorkers(ENGINE_IMAGE);
    h = await startEngineHarness({ ...enginePortalEnv(ENGINE_IMAGE, "90s"), STACK_MEMORY_LIMIT: "12g", STACK_MEMORY_RESERVATION: "12g" });
  }, T);
  afterAll(async () => {
    await h?.stop();
    leaveWorkers();
  }, T);

  const bearer = (name: string) => ({ authorization: `Bearer ${stacks.get(name)!.managementToken}` });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const details = async (name: string) => (await (await fetch(`${h.url}/api/stacks/${name}/details`, { headers: bearer(name) })).json()) as any;
  const answers = (name: string) => stackAnswers(h.sandboxUrl, name);
  async function operate(name: string, op: string): Promise<any> {
    const res = await fetch(`${h.url}/api/stacks/${name}/${op}`, { method: "POST", headers: bearer(name) });
    expect({ op, status: res.status }).toEqual({ op, status: 202 });
    const events = await readEvents(`${h.url}${((await res.json()) as { eventsUrl: string }).eventsUrl}`, { timeoutMs: T });
    return events.at(-1)!.data;
  }
  const nameOn = (hostname: string) => onNode.get(hostname)!;

  test(
    "new stacks spread by free reservation, one per node, and a fourth is refused at once with no_capacity",
    async () => {
      const results = await Promise.all(NAMES.map((name) => deployAndWait(h, name, { timeoutMs: 2 * T })));
      for (const [i, name] of NAMES.entries()) {
        expect({ name, status: results[i]!.done.data.status }).toEqual({ name, status: "ready" });
        stacks.set(name, results[i]!);
        apps.set(name, await appNameOf(h, name));
        const task = await runningTask(apps.get(name)!);
        onNode.set(task!.hostname, name);
      }
      expect(onNode.size).toBe(3);
      expect([...onNode.keys()]).toEqual(expect.arrayContaining(["worker-1", "worker-2"]));
      // Each answers through Traefik, wherever it runs.
      for (const name of NAMES) expect({ name, answers: await answers(name) }).toEqual({ name, answers: true });

      const overview = (await (await fetch(`${h.url}/api/admin/nodes`, { headers: admin })).json()) as any;
      expect(overview.nodes.map((n: any) => ({ stacks: n.stacks, takesNewStacks: n.takesNewStacks }))).toEqual([
        { stacks: 1, takesNewStacks: false },
        { stacks: 1, takesNewStacks: false },
        { stacks: 1, takesNewStacks: false },
      ]);

      const started = performance.now();
      const refused = await deploy(h, "nodes-d");
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe("no_capacity");
      expect(performance.now() - started).toBeLessThan(5_000);
    },
    3 * T,
  );

  test(
    "a stack stays on its node across stop, start, redeploy and a new password, and its /workspace file with it",
    async () => {
      const name = nameOn("worker-1");
      const app = apps.get(name)!;
      await execInTask(app, "sh", "-c", "echo kept-on-worker-1 > /workspace/keep.txt");
      for (const op of ["stop", "start", "redeploy", "password"]) {
        const done = await operate(name, op);
        expect({ op, status: done.status }).toEqual({ op, status: op === "stop" ? "stopped" : "ready" });
        if (op === "stop") continue;
        expect({ op, node: (await runningTask(app))?.hostname }).toEqual({ op, node: "worker-1" });
        expect(await execInTask(app, "cat", "/workspace/keep.txt")).toBe("kept-on-worker-1");
      }
    },
    5 * T,
  );

  test(
    "a drained node: its stack says node_drained until the node is active again, then answers there",
    async () => {
      const name = nameOn("worker-2");
      setAvailability("worker-2", "drain");
      await waitFor(
        () => details(name),
        (d) => d.unavailableReason === "node_drained",
        `${name} node_drained`,
        15_000,
      );
      const overview = (await (await fetch(`${h.url}/api/admin/nodes`, { headers: admin })).json()) as any;
      expect(overview.affected.map((s: any) => [s.name, s.unavailableReason])).toEqual([[name, "node_drained"]]);
      setAvailability("worker-2", "active");
      await waitFor(
        () => details(name),
        (d) => d.status === "ready",
        `${name} ready again`,
        15_000,
      );
      // Swarm starts it again there (the task the drain stopped may still be on its way out).
      await waitFor(
        () => runningTask(apps.get(name)!),
        (t) => t?.hostname === "worker-2",
        `${name} running on worker-2 again`,
        30_000,
      );
      await waitFor(() => answers(name), Boolean, `${name} answering again`, 90_000);
    },
    3 * T,
  );

  test(
    "the admin's move: the stack runs on the other node with a fresh workspace, as the warning said",
    async () => {
      const leaving = nameOn("worker-1");
      const moving = nameOn("worker-2");
      const app = apps.get(moving)!;
      await execInTask(app, "sh", "-c", "echo left-on-worker-2 > /workspace/keep.txt");
      // Room on worker-1: its stack is deleted.
      const gone = await fetch(`${h.url}/api/stacks/${leaving}`, { method: "DELETE", headers: bearer(leaving) });
      expect(gone.status).toBe(202);
      await readEvents(`${h.url}${((await gone.json()) as { eventsUrl: string }).eventsUrl}`, { timeoutMs: T });

      const res = await fetch(`${h.url}/api/admin/stacks/${moving}/move`, {
        method: "POST",
        headers: { ...admin, "content-type": "application/json" },
        body: JSON.stringify({ node: "worker-1", acknowledgeDataLoss: true }),
      });
      expect(res.status).toBe(202);
      const moved = (await res.json()) as any;
      expect(moved).toMatchObject({ from: "worker-2", to: "worker-1" });
      expect(moved.warning).toContain("starts empty");
      const events = await readEvents(`${h.url}/api/deployments/${moved.deploymentId}/events`, { timeoutMs: T, headers: admin });
      expect(events.at(-1)!.data.status).toBe("ready");
      expect((await runningTask(app))?.hostname).toBe("worker-1");
      expect(await execInTask(app, "sh", "-c", "cat /workspace/keep.txt 2>/dev/null || echo absent")).toBe("absent");
      expect(await answers(moving)).toBe(true);
    },
    3 * T,
  );
});
