/**
 * `npm run soak -- --seconds N --seed S [--clients C] [--kill-every SECONDS] [--fault-every MS]`
 *
 * Several clients deploy and delete random stacks against a portal process and the standalone
 * sandbox Dokploy (both on loopback), while one-shot Dokploy faults (500, 400, dropped
 * connection, hang) hit random procedures and the portal is SIGKILLed and started again on the
 * same data directory about every 25 s. Then it waits for every deployment to end and prints
 * what happened and what was left wrong: orphan projects, lost stacks, orphaned services and
 * unexpected 5xx answers. Exit code 1 when any of those four is not zero.
 *
 * The clients' choices, the faults and the kill times come from the seed; the interleaving
 * with the machine's timing does not.
 */
import { parseArgs } from "node:util";
import { freePort, portalEnv, startSandboxProcess, stopAll, tempDir } from "./lib/proc.ts";
import { Rng } from "./lib/rng.ts";
import { audit, waitForBuilds, waitForDeployments } from "./soak/audit.ts";
import { FaultInjector, PortalRunner } from "./soak/chaos.ts";
import { SoakClient, newTally } from "./soak/clients.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "600" },
    seed: { type: "string", default: "1" },
    clients: { type: "string", default: "6" },
    "kill-every": { type: "string", default: "25" },
    "fault-every": { type: "string", default: "1000" },
  },
  strict: true,
});
const int = (name: string, v: string | undefined, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer >= ${min}\n`);
    process.exit(2);
  }
  return n;
};
const seconds = int("seconds", values.seconds, 1);
const seed = int("seed", values.seed, 0);
const clientCount = int("clients", values.clients, 1);
const killEveryMs = int("kill-every", values["kill-every"], 6) * 1000;
const faultEveryMs = int("fault-every", values["fault-every"], 10);

const ADMIN_TOKEN = "soak-admin-token-0123456789abcdef";
const PREFIX = "ai-stack-";
const log = (msg: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const rng = new Rng(seed);
// Valid names shared by all clients (so they collide), and a few the portal must refuse.
const names = [...Array.from({ length: clientCount * 6 }, (_, i) => `soak${i}`), "x", "admin", "Bad_Name", "-nope", "\u212Aelvin"];

let exitCode = 1;
try {
  const sandbox = await startSandboxProcess({ deployMs: 1_500, buildConcurrency: 4, stackStartMs: 300 });
  const data = tempDir("portal-soak-");
  const portal = new PortalRunner(
    freePort(),
    portalEnv(sandbox.url, data.path, {
      ADMIN_TOKEN,
      NAME_QUARANTINE_DAYS: "0",
      // Every client is 127.0.0.1: a few stale management tokens must not lock the others out.
      RATE_LIMIT_AUTH: "off",
      DOKPLOY_TIMEOUT: "3s",
      DOKPLOY_CIRCUIT_COOLDOWN: "2s",
      DEPLOY_TIMEOUT: "60s",
      HEALTH_TIMEOUT: "30s",
      POLL_INTERVAL: "250ms",
      PROBE_INTERVAL: "250ms",
      PROBE_ATTEMPT_TIMEOUT: "2s",
    }),
  );
  await portal.start();
  log(`portal ${portal.url}, sandbox ${sandbox.url}, ${seconds} s, seed ${seed}, ${clientCount} clients`);

  const tally = newTally();
  const endAt = Date.now() + seconds * 1000;
  const stopping = () => Date.now() >= endAt;
  const clients = Array.from({ length: clientCount }, () => new SoakClient(rng.fork(), () => portal.url, names, tally, stopping));
  const faults = new FaultInjector(sandbox.url, rng.fork());
  const progress = setInterval(() => {
    const ops = Object.values(tally.ops).reduce((a, b) => a + b, 0);
    log(
      `${Math.round((endAt - Date.now()) / 1000)} s left: ${ops} requests, ${faults.total} faults, ${portal.kills} kills, ${tally.unexpected5xx.length} unexpected 5xx`,
    );
  }, 30_000);
  await Promise.all([...clients.map((c) => c.run()), faults.run(stopping, faultEveryMs), portal.run(stopping, rng.fork(), killEveryMs)]);
  clearInterval(progress);

  const fired = await faults.clear();
  log(`load over; waiting for ${tally.deployments.size} deployments to end`);
  const unfinished = await waitForDeployments(portal.url, tally.deployments, 300_000);
  await waitForBuilds(sandbox.url, 120_000);
  // Let a service created by the last build show up, and a container start.
  await Bun.sleep(1_000);
  const findings = await audit(portal.url, sandbox.url, ADMIN_TOKEN, PREFIX);
  findings.unfinished = unfinished;
  await portal.stop();

  const ops = Object.values(tally.ops).reduce((a, b) => a + b, 0);
  const summary = {
    bench: "soak",
    summary: true,
    seconds,
    seed,
    clients: clientCount,
    operations: ops,
    operationsByOutcome: Object.fromEntries(Object.entries(tally.ops).sort()),
    deploymentsAccepted: tally.deployments.size,
    faults: { injected: faults.total, fired: fired.fired, unfired: fired.unfired, byKind: faults.injected },
    kills: portal.kills,
    orphanProjects: findings.orphanProjects,
    lostStacks: findings.lostStacks,
    orphanedServices: findings.orphanedServices,
    unexpected5xx: tally.unexpected5xx,
    unfinishedDeployments: findings.unfinished,
    stacksByStatus: findings.stacksByStatus,
    portalReconcile: findings.reconcile,
    portalErrorLogLines: portal.errorLines.length,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  const line = (k: string, v: unknown) => process.stdout.write(`# ${k.padEnd(20)} ${v}\n`);
  line("duration", `${seconds} s, seed ${seed}, ${clientCount} clients`);
  line("operations", `${ops} requests, ${tally.deployments.size} deployments accepted`);
  line("faults", `${faults.total} injected, ${fired.fired} fired`);
  line("kills", portal.kills);
  line("stacks at the end", JSON.stringify(findings.stacksByStatus));
  line("unfinished", findings.unfinished.length);
  line("orphan projects", findings.orphanProjects.length);
  line("lost stacks", findings.lostStacks.length);
  line("orphaned services", findings.orphanedServices.length);
  line("unexpected 5xx", tally.unexpected5xx.length);
  const bad = findings.orphanProjects.length + findings.lostStacks.length + findings.orphanedServices.length + tally.unexpected5xx.length;
  exitCode = bad === 0 && findings.unfinished.length === 0 ? 0 : 1;
  if (portal.errorLines.length) log(`portal error lines (last 5):\n${portal.errorLines.slice(-5).join("\n")}`);
} catch (err) {
  log(`soak could not run: ${err instanceof Error ? err.stack : String(err)}`);
  exitCode = 2;
} finally {
  await stopAll();
}
process.exit(exitCode);
