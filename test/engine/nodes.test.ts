import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type DeployResult, type Harness, deploy, deployAndWait, readEvents, waitFor } from "../support/harness.ts";
import { ENGINE_IMAGE, appNameOf, docker, enginePortalEnv, engineSkipReason, startEngineHarness } from "./engine.ts";
import {
  execInTask,
  joinWorkers,
  killWorker,
  leaveWorkers,
  nodeState,
  runningTask,
  setAvailability,
  startWorker,
  workersSkipReason,
} from "./nodes.ts";

/**
 * Every placement promise on a real Swarm of three nodes: the host's dockerd (the manager) and
 * two Docker-in-Docker workers (scripts/engine/nodes.sh), through the portal and the sandbox's
 * Dokploy API on its real-engine runtime. Each node reports the host's memory (about 23 GiB
 * here), so a 12 GiB reservation leaves room for exactly one stack per node.
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
  const answers = async (name: string) => {
    const res = await fetch(`${h.sandboxUrl}/global/health`, { headers: { host: `${name}.stacks.test` }, signal: AbortSignal.timeout(5_000) }).catch(
      () => null,
    );
    // OpenCode itself asks for the stack's password: it answers.
    return res?.status === 401;
  };
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
    "a worker killed: once Swarm says Down its stack is unavailable (node_down) everywhere, never running, a start is refused, and it comes back by itself",
    async () => {
      const name = nameOn("worker-1");
      const app = apps.get(name)!;
      killWorker("worker-1");
      const killedAt = performance.now();
      let downAt: number | null = null;
      let saidAt: number | null = null;
      // Read Swarm and the owner's page side by side until both say so.
      while (saidAt === null || downAt === null) {
        expect(performance.now() - killedAt).toBeLessThan(60_000);
        const [node, seen] = await Promise.all([nodeState("worker-1"), details(name)]);
        if (node.state === "down") downAt ??= performance.now();
        if (seen.status === "unavailable") saidAt ??= performance.now();
        // Once Swarm has said Down, the portal never says the stack runs (Swarm's own task list still does).
        if (downAt !== null && performance.now() - downAt > 3_000) expect(seen.status).toBe("unavailable");
        await Bun.sleep(250);
      }
      const said = await details(name);
      expect(said).toMatchObject({ status: "unavailable", unavailableReason: "node_down", node: { hostname: "worker-1", health: "down" } });
      // What the portal did not trust: Swarm still lists the Down node's task as running.
      const worker = (await nodeState("worker-1")).id;
      expect((await docker.tasks(app)).some((t) => t.NodeID === worker && t.Status.State === "running")).toBe(true);

      const overview = (await (await fetch(`${h.url}/api/admin/nodes`, { headers: admin })).json()) as any;
      expect(overview.affected.map((s: any) => [s.name, s.unavailableReason])).toEqual([[name, "node_down"]]);
      const listed = (await (await fetch(`${h.url}/api/admin/stacks`, { headers: admin })).json()) as any;
      expect(listed.stacks.find((s: any) => s.name === name).node).toEqual({ hostname: "worker-1", unavailableReason: "node_down" });

      const start = await fetch(`${h.url}/api/stacks/${name}/start`, { method: "POST", headers: bearer(name) });
      expect(start.status).toBe(409);
      expect(((await start.json()) as any).error.code).toBe("node_down");

      console.log(
        `worker-1 killed: Swarm said Down after ${((downAt - killedAt) / 1000).toFixed(1)} s, the portal after ${((saidAt - killedAt) / 1000).toFixed(1)} s`,
      );
      startWorker("worker-1");
      const back = performance.now();
      await waitFor(
        () => details(name),
        (d) => d.status === "ready",
        `${name} ready again`,
        60_000,
      );
      await waitFor(() => answers(name), Boolean, `${name} answering again`, 90_000);
      console.log(`worker-1 started again: ${name} answers after ${((performance.now() - back) / 1000).toFixed(1)} s`);
      expect((await runningTask(app))?.hostname).toBe("worker-1");
      expect(await execInTask(app, "cat", "/workspace/keep.txt")).toBe("kept-on-worker-1");
    },
    4 * T,
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
