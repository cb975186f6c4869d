/**
 * The real thing: a deploy through the portal onto a real Docker Swarm (the sandbox Dokploy
 * on its real-engine runtime, the stack image from the local registry), from the click to
 * ready, split into its steps, against the same image's own start (`docker run` until OpenCode
 * answers), alternated, N of each. Target (issue 22): the portal's median within 1.5x of the
 * image's own. Needs the engine (scripts/engine/up.sh); without one it says so and skips.
 */
import { runBench } from "./lib/bench.ts";
import { portalEnv, startPortalProcess, startSandboxProcess, tempDir } from "./lib/proc.ts";
import { figure, progress, type TargetResult, verdict } from "./lib/report.ts";
import { median, r } from "./lib/stats.ts";
import { DockerApi } from "../src/sandbox/engine/docker-api.ts";

const BENCH = "engine-deploy";
const N = Number(process.env.BENCH_ENGINE_N ?? 5);
const IMAGE = process.env.ENGINE_STACK_IMAGE ?? "127.0.0.1:5000/oh-my-opencode-free:engine-test";
const docker = (...args: string[]) => {
  const run = Bun.spawnSync(["/usr/bin/docker", ...args], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`docker ${args.join(" ")}: ${run.stderr.toString().trim()}`);
  return run.stdout.toString().trim();
};

/** Polls until OpenCode at `ip` answers (401: it asks for the password); ms since `since`. */
async function answered(ip: string, since: number): Promise<number> {
  for (;;) {
    const status = await fetch(`http://${ip}:8080/global/health`, { signal: AbortSignal.timeout(1000) }).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 401 || status === 200) return performance.now() - since;
    if (performance.now() - since > 120_000) throw new Error("OpenCode did not answer in 120 s");
    await Bun.sleep(25);
  }
}

/**
 * The same image as a bare Swarm service (no portal, no Dokploy): created through the engine's
 * API, on dokploy-network, its health check off, until OpenCode answers at the task's address.
 * What Swarm itself adds to `docker run`.
 */
async function bareService(api: DockerApi, i: number): Promise<number> {
  const name = `bench-engine-svc-${i}`;
  const since = performance.now();
  await api.createService({
    Name: name,
    TaskTemplate: {
      ContainerSpec: { Image: IMAGE, Env: ["OPENCODE_SERVER_PASSWORD=bench-password"], HealthCheck: { Test: ["NONE"] } },
      Networks: [{ Target: "dokploy-network" }],
    },
    Mode: { Replicated: { Replicas: 1 } },
  });
  try {
    for (;;) {
      const container = (await api.tasks(name)).find((t) => t.Status.State === "running")?.Status.ContainerStatus?.ContainerID;
      const ip = container ? await api.gatewayAddress(container) : null;
      if (ip) return await answered(ip, since);
      if (performance.now() - since > 120_000) throw new Error("the bare service's task did not run in 120 s");
      await Bun.sleep(25);
    }
  } finally {
    await api.removeService(name);
  }
}

/** `docker run` of the stack image until OpenCode answers (401: it asks for the password). */
async function dockerRun(i: number): Promise<number> {
  const since = performance.now();
  const id = docker("run", "-d", "--name", `bench-engine-run-${i}`, "-e", "OPENCODE_SERVER_PASSWORD=bench-password", IMAGE);
  try {
    return await answered(docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", id), since);
  } finally {
    docker("rm", "-f", id);
  }
}

export function run() {
  return runBench(BENCH, async ({ defer }) => {
    const api = new DockerApi();
    if (!(await api.swarmActive())) {
      return {
        targets: [{ target: "real-engine deploy ÷ docker run", value: "skipped", verdict: "n/a" }],
        figures: {},
        notes: ["no Docker Engine in a Swarm on /var/run/docker.sock: scripts/engine/up.sh brings one up"],
      };
    }
    const sandbox = await startSandboxProcess({ runtime: "docker", deployMs: 0 });
    const data = tempDir("bench-engine-");
    defer(data.remove);
    const portal = await startPortalProcess(portalEnv(sandbox.url, data.path, { STACK_IMAGE: IMAGE, STACK_MEMORY_RESERVATION: "128m" }));

    const deploy = async (i: number) => {
      const since = performance.now();
      const res = await fetch(`${portal.url}/api/deploy`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: `bench-engine-${i}` }),
      });
      const accepted = (await res.json()) as { deploymentId: string; managementToken: string };
      for (;;) {
        const snap = (await (await fetch(`${portal.url}/api/deployments/${accepted.deploymentId}`)).json()) as {
          status: string;
          steps: { step: string; startedAt: string | null; finishedAt: string | null }[];
        };
        if (snap.status !== "running") {
          const ms = performance.now() - since;
          if (snap.status !== "succeeded") throw new Error(`deploy ${i}: ${snap.status}`);
          const span = (step: string) => {
            const s = snap.steps.find((x) => x.step === step);
            return s?.startedAt && s.finishedAt ? Date.parse(s.finishedAt) - Date.parse(s.startedAt) : 0;
          };
          const split = {
            dokployCalls: span("create_project") + span("create_application") + span("configure") + span("deploy"),
            pullAndService: span("wait_running"),
            taskAndProbe: span("wait_healthy"),
          };
          await fetch(`${portal.url}/api/stacks/bench-engine-${i}`, {
            method: "DELETE",
            headers: { authorization: `Bearer ${accepted.managementToken}` },
          });
          return { ms, split };
        }
        await Bun.sleep(50);
      }
    };

    // One unmeasured round of each: the image is pulled and cached on the node by both.
    await dockerRun(0);
    await bareService(api, 0);
    await deploy(0);
    const times = { portal: [] as number[], docker: [] as number[], swarm: [] as number[] };
    const splits: Record<string, number[]> = { dokployCalls: [], pullAndService: [], taskAndProbe: [] };
    for (let i = 1; i <= N; i++) {
      for (const which of i % 2 ? (["portal", "swarm", "docker"] as const) : (["docker", "swarm", "portal"] as const)) {
        if (which === "swarm") {
          const ms = await bareService(api, i);
          times.swarm.push(ms);
          figure(BENCH, { figure: "bare-service", run: i, ms: r(ms, 0) });
        } else if (which === "docker") {
          const ms = await dockerRun(i);
          times.docker.push(ms);
          figure(BENCH, { figure: "docker-run", run: i, ms: r(ms, 0) });
        } else {
          const { ms, split } = await deploy(i);
          times.portal.push(ms);
          for (const [k, v] of Object.entries(split)) splits[k]?.push(v);
          figure(BENCH, { figure: "portal-deploy", run: i, ms: r(ms, 0), ...split });
        }
        progress(BENCH, `${which} run ${i} done`);
      }
    }
    await portal.child.stop();
    await sandbox.child.stop(30_000);
    const ratio = r(median(times.portal) / median(times.docker), 2);
    const targets: TargetResult[] = [
      { target: "median click to ready, portal on the real engine", value: `${r(median(times.portal), 0)} ms`, verdict: "n/a" },
      { target: "median bare Swarm service until OpenCode answers", value: `${r(median(times.swarm), 0)} ms`, verdict: "n/a" },
      { target: "median docker run until OpenCode answers", value: `${r(median(times.docker), 0)} ms`, verdict: "n/a" },
      { target: "real-engine deploy ÷ docker run ≤ 1.5", value: ratio, verdict: verdict(ratio <= 1.5) },
      { target: "bare Swarm service ÷ docker run (Swarm's own share)", value: r(median(times.swarm) / median(times.docker), 2), verdict: "n/a" },
      {
        target: "real-engine deploy ÷ bare Swarm service (the portal's and Dokploy's share)",
        value: r(median(times.portal) / median(times.swarm), 2),
        verdict: "n/a",
      },
    ];
    return {
      targets,
      figures: {
        portalMs: times.portal.map((v) => r(v, 0)),
        dockerMs: times.docker.map((v) => r(v, 0)),
        medianSplitMs: Object.fromEntries(Object.entries(splits).map(([k, v]) => [k, r(median(v), 0)])),
      },
      notes: [`${N} of each, alternated, after one unmeasured round; the split is the deploy's own steps`],
    };
  });
}

if (import.meta.main) {
  const { summary } = await import("./lib/report.ts");
  summary(await run());
}
