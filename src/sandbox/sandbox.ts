// createSandbox: wires the in-memory Dokploy together and routes a request to
// the control surface, a deployed stack (by Host header, as Traefik would),
// or the Dokploy API.
import { handleApi, type ApiStats } from "./api.ts";
import { Builder } from "./builder.ts";
import { DEFAULT_SETTINGS, TimerSet, type LogFn, type SandboxContext, type SandboxSettings } from "./context.ts";
import { handleControl } from "./control.ts";
import { Db } from "./db.ts";
import { textResponse } from "./errors.ts";
import { FaultRegistry, type Fault, type FaultInput } from "./faults.ts";
import { nanoid } from "./ids.ts";
import { DeploymentLogs } from "./logs.ts";
import { BuildQueue } from "./queue.ts";
import { type OpenCodeActivity, Stacks } from "./stacks.ts";
import { Cluster, type NodeInput } from "./cluster.ts";
import type { EngineRuntime } from "./engine/runtime.ts";
import { ServerCapacity } from "./capacity.ts";
import { VolumeBackupStore } from "./backups.ts";
import type { ClusterControl } from "./control.ts";
import type { RealOpenCodeOptions } from "./opencode-process.ts";
import { snapshotState, type SandboxState } from "./state.ts";
import { HangRegistry, type ServerLike } from "./transport.ts";
import { UPGRADED, type Upgrader, isUpgrade } from "./websocket-proxy.ts";
import { TRPC_WS_PATH, type TrpcSocket } from "./trpc-ws.ts";
import { S3Backups } from "./engine/s3-backups.ts";

export interface SandboxOptions {
  /** The only key the outer auth check accepts (header x-api-key). */
  apiKey: string;
  deployDurationMs?: number;
  buildConcurrency?: number;
  latencyMs?: number;
  stackStartMs?: number;
  stackStopMs?: number;
  scaleSettleMs?: number;
  imageHealthCheckMs?: number;
  dokployWorkers?: number;
  dokployCallMs?: number;
  nodeDownAfterMs?: number;
  /** The real engine the applications run on (startSandbox's `runtime: "docker"`); null: in memory. */
  engine?: EngineRuntime | null;
  /**
   * With the engine: the image Dokploy's backup and restore commands run tar in (Dokploy's
   * `ubuntu`: bash, tar, root), and where tars wait. Destinations added with an S3 server then
   * back up, list and restore for real.
   */
  s3Backups?: { tarImage: string; workDir: string };
  /** The node Dokploy runs on; with the engine, the real one. */
  manager?: NodeInput;
  /** Stacks whose appName matches run a real `opencode serve` instead of the emulated answer. */
  openCode?: RealOpenCodeOptions;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface Sandbox extends ClusterControl {
  /** Handles /api/*, /__sandbox/* and requests for deployed stacks (by Host header). */
  fetch(req: Request, server?: ServerLike): Promise<Response>;
  /** Live settings; assigning a field takes effect immediately. */
  readonly settings: SandboxSettings;
  updateSettings(patch: Partial<SandboxSettings>): SandboxSettings;
  addFault(input: FaultInput): Fault;
  clearFaults(): void;
  listFaults(): Fault[];
  /** What the emulated OpenCode of an appName answers on /session and /session/status. */
  setOpenCodeActivity(appName: string, activity: OpenCodeActivity): void;
  /** Empties everything; settings go back to the values given at creation, faults are cleared. */
  reset(): void;
  /** A Dokploy restart: waiting jobs are lost, running deployments become cancelled, apps idle. */
  restart(): void;
  /** Zeroes `calls` and `maxInFlight`. */
  resetStats(): void;
  state(): SandboxState;
  /** Clears timers and releases hanging requests; resolves once the real OpenCode processes (if any) are gone. */
  stop(): Promise<void>;
}

const SETTING_KEYS = [
  "latencyMs",
  "deployDurationMs",
  "buildConcurrency",
  "stackStartMs",
  "stackStopMs",
  "scaleSettleMs",
  "imageHealthCheckMs",
  "dokployWorkers",
  "dokployCallMs",
  "nodeDownAfterMs",
] as const;

export function createSandbox(opts: SandboxOptions): Sandbox {
  const initial: SandboxSettings = {
    latencyMs: opts.latencyMs ?? DEFAULT_SETTINGS.latencyMs,
    deployDurationMs: opts.deployDurationMs ?? DEFAULT_SETTINGS.deployDurationMs,
    buildConcurrency: opts.buildConcurrency ?? DEFAULT_SETTINGS.buildConcurrency,
    stackStartMs: opts.stackStartMs ?? DEFAULT_SETTINGS.stackStartMs,
    stackStopMs: opts.stackStopMs ?? DEFAULT_SETTINGS.stackStopMs,
    scaleSettleMs: opts.scaleSettleMs ?? DEFAULT_SETTINGS.scaleSettleMs,
    imageHealthCheckMs: opts.imageHealthCheckMs ?? DEFAULT_SETTINGS.imageHealthCheckMs,
    dokployWorkers: opts.dokployWorkers ?? DEFAULT_SETTINGS.dokployWorkers,
    dokployCallMs: opts.dokployCallMs ?? DEFAULT_SETTINGS.dokployCallMs,
    nodeDownAfterMs: opts.nodeDownAfterMs ?? DEFAULT_SETTINGS.nodeDownAfterMs,
  };
  const log: LogFn = opts.log ?? (() => {});
  const timers = new TimerSet();
  const values: SandboxSettings = { ...initial };
  // Accessors so that `sandbox.settings.buildConcurrency = 3` wakes the queue at once.
  const settings = {} as SandboxSettings;
  for (const key of SETTING_KEYS) {
    Object.defineProperty(settings, key, {
      enumerable: true,
      get: () => values[key],
      set: (v: number) => {
        values[key] = v;
        if (key === "buildConcurrency") queue.kick();
      },
    });
  }

  const cluster = new Cluster(opts.manager);
  const engine = opts.engine ?? null;
  const ctx: SandboxContext = {
    db: new Db(),
    stacks: new Stacks({ openCode: opts.openCode, timers, cluster, engine }),
    cluster,
    backups: new VolumeBackupStore(),
    logs: new DeploymentLogs(),
    faults: new FaultRegistry(),
    queue: undefined as unknown as BuildQueue,
    settings,
    timers,
    organizationId: nanoid(),
    log,
    engine,
    s3Backups: engine && opts.s3Backups ? new S3Backups(opts.s3Backups.workDir, opts.s3Backups.tarImage) : null,
    capacity: new ServerCapacity(settings),
  };
  const builder = new Builder(ctx, (jobId) => queue.finish(jobId));
  const queue = new BuildQueue(
    () => settings.buildConcurrency,
    (job) => builder.start(job),
    (fn) => void timers.after(0, fn),
  );
  ctx.queue = queue;

  const hangs = new HangRegistry();
  const stats: ApiStats = { calls: {}, inFlight: 0, maxInFlight: 0 };
  const apiDeps = { ctx, apiKey: opts.apiKey, stats, hangs };

  const resetStats = () => {
    stats.calls = {};
    stats.maxInFlight = stats.inFlight;
    ctx.capacity.resetStats();
  };

  const sandbox: Sandbox = {
    settings,
    async fetch(req, server) {
      const url = new URL(req.url);
      if (url.pathname === "/__sandbox" || url.pathname.startsWith("/__sandbox/")) return handleControl(sandbox, req, url);
      const host = hostOf(req, url);
      const target = ctx.stacks.route(host, url.pathname, (name) => [...ctx.db.applications.values()].some((a) => a.appName === name));
      if (target) return ctx.stacks.handle(req, target, server as Partial<Upgrader> | undefined);
      if (url.pathname === "/api" || url.pathname.startsWith("/api/")) return handleApi(apiDeps, req, url, server);
      if (url.pathname === TRPC_WS_PATH && isUpgrade(req)) {
        const data: TrpcSocket = { kind: "trpc", authorised: req.headers.get("x-api-key") === opts.apiKey, ctx };
        const upgrader = server as { upgrade?: (req: Request, o: { data: TrpcSocket }) => boolean } | undefined;
        if (upgrader?.upgrade?.(req, { data })) return UPGRADED;
      }
      // Traefik's answer when no router matches.
      return textResponse(404, "404 page not found\n");
    },
    updateSettings(patch) {
      for (const key of SETTING_KEYS) {
        const v = patch[key];
        if (v !== undefined) settings[key] = v;
      }
      return { ...settings };
    },
    addFault(input) {
      const fault = ctx.faults.add(input);
      log("sandbox fault added", { id: fault.id, kind: fault.kind, procedure: fault.procedure });
      return fault;
    },
    clearFaults() {
      ctx.faults.clear();
    },
    listFaults() {
      return ctx.faults.list();
    },
    setOpenCodeActivity(appName, activity) {
      ctx.stacks.activity.set(appName, activity);
    },
    addNode(input) {
      const node = ctx.cluster.add(input);
      ctx.stacks.reschedule(settings.stackStartMs);
      return node;
    },
    updateNode(id, { power, ...patch }) {
      const node = ctx.cluster.update(id, { ...patch, ...(power ? { powered: power === "on" } : {}) });
      // Power lost: the tasks there answer nothing at once; Swarm sees the node Down only when
      // its heartbeats have been missed, and then places their replacements.
      if (node && power === "off")
        timers.after(settings.nodeDownAfterMs, () => {
          if (!node.powered) ctx.cluster.update(id, { state: "down" });
          ctx.stacks.reschedule(settings.stackStartMs);
        });
      // Power back: the node rejoins as it starts (the real one took 3 s).
      if (node && power === "on") ctx.cluster.update(id, { state: "ready" });
      ctx.stacks.reschedule(settings.stackStartMs);
      return node;
    },
    writeVolume(nodeId, volumeName, files) {
      if (!ctx.cluster.nodes.has(nodeId)) return false;
      Object.assign(ctx.cluster.ensureVolume(nodeId, volumeName), files);
      return true;
    },
    addDestination(name, destinationId, s3) {
      return ctx.backups.addDestination(name, destinationId, s3);
    },
    removeBackupFile(destinationId, key) {
      const before = ctx.backups.files.length;
      ctx.backups.files = ctx.backups.files.filter((f) => !(f.destinationId === destinationId && f.key === key));
      return ctx.backups.files.length < before;
    },
    runScheduledBackups() {
      let ran = 0;
      for (const vb of [...ctx.db.volumeBackups.values()]) {
        if (!vb.enabled) continue;
        const fail = ctx.faults.takeDeployFault("backup_error", { name: vb.name, appName: vb.volumeName }) !== null;
        ctx.backups.run(ctx.db, ctx.cluster, vb, fail);
        ran += 1;
      }
      return ran;
    },
    reset() {
      timers.clearAll();
      hangs.releaseAll();
      builder.clear();
      queue.clear();
      ctx.db.clear();
      // Real processes are stopped; they go a moment later.
      void ctx.stacks.clear();
      ctx.cluster.clear();
      ctx.backups.clear();
      ctx.logs.clear();
      ctx.faults.clear();
      for (const key of SETTING_KEYS) values[key] = initial[key];
      resetStats();
    },
    restart() {
      builder.cancelAllRunning();
      queue.clear();
    },
    resetStats,
    state() {
      return snapshotState(ctx, ctx.faults.list(), stats, hangs.size);
    },
    stop() {
      timers.clearAll();
      hangs.releaseAll();
      // Real OpenCode processes must not outlive the sandbox.
      return ctx.stacks.clear();
    },
  };
  return sandbox;
}

/** The Host header without its port (IPv6 brackets removed), lowercased. */
function hostOf(req: Request, url: URL): string {
  const raw = (req.headers.get("host") ?? url.host).trim().toLowerCase();
  if (raw.startsWith("[")) return raw.slice(1, raw.indexOf("]") > 0 ? raw.indexOf("]") : undefined);
  const colon = raw.lastIndexOf(":");
  return colon >= 0 ? raw.slice(0, colon) : raw;
}
