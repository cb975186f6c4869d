// What sits behind Dokploy: the Docker Swarm services its deploys create, the
// Traefik dynamic config its domain calls write, and the named volumes. The
// sandbox's own HTTP port plays Traefik's entry point; a running service
// answers like an OpenCode server.
import type { TimerSet } from "./context.ts";
import { textResponse } from "./errors.ts";
import { nanoid, nowIso, swarmId } from "./ids.ts";
import { type OpenCodeProcess, type RealOpenCodeOptions, launchOpenCode, wantsRealOpenCode } from "./opencode-process.ts";
import type { Cluster } from "./cluster.ts";
import type { EngineRuntime } from "./engine/runtime.ts";
import { applyMiddlewares, DEFAULT_MIDDLEWARE_FILE } from "./traefik-middlewares.ts";
import { isUpgrade, UPGRADED, type Upgrader } from "./websocket-proxy.ts";

export interface SwarmService {
  /** Docker's 25-character service id; kept across updates of the same service. */
  id: string;
  appName: string;
  /** null once the application row is gone but the service lives on. */
  applicationId: string | null;
  image: string;
  /** The env resolved at deploy time: changes need a redeploy, as in Docker. */
  env: Record<string, string>;
  replicas: number;
  volumes: string[];
  /** Volume name and mount path, as the container sees them. */
  mounts: { volumeName: string; mountPath: string }[];
  /** Swarm's UpdateConfig as Dokploy builds it (its default is start-first). */
  updateConfig: SwarmUpdateConfig;
  /** Dokploy's calculateResources: bytes and nano-CPUs parsed from the application's strings. */
  resources: ServiceResources;
  /** Swarm placement constraints (the application's placementSwarm.Constraints). */
  constraints: string[];
  /** The application's healthCheckSwarm as Swarm got it; null: the image's own HEALTHCHECK. */
  healthCheck: { Test?: string[] } | null;
  /** How often the image's own health check runs for this service's tasks; 0: none runs. */
  healthIntervalMs: number;
  createdAt: string;
  updatedAt: string;
  /** Tasks (containers), oldest first; gone ones are pruned. */
  tasks: Task[];
  /** The most tasks that ever ran at once: 2 means two OpenCode processes shared the volumes. */
  maxTasks: number;
  /** One entry per service update of a service that had a task: the order it used. */
  updates: { at: string; order: string; overlapped: boolean }[];
  /** Container output, `docker service logs --timestamps` style. */
  output: string[];
  /** Fault stack_never_ready: the container never starts answering. */
  neverReady: boolean;
  orphaned: { reason: string; at: string } | null;
}

export interface Task {
  id: string;
  image: string;
  env: Record<string, string>;
  /** Epoch ms at which the container exists (stop-first: after the old one is gone). */
  startsAt: number;
  /** Epoch ms from which the container accepts connections ("done" is not "running"). */
  readyAt: number;
  /** Epoch ms at which it is gone (null: runs until told otherwise). */
  goneAt: number | null;
  neverReady: boolean;
  /** The cluster node it runs on; null while no node suits it (pending). */
  node: string | null;
  /** The image's health check interval for this task (0: none): "starting", and out of DNS, until a check passes. */
  healthIntervalMs: number;
  /** Swarm's status error: why it is pending ("no suitable node (…)"), "" once placed. */
  err: string;
  /** How long its container takes to answer once it starts (a pending task starts when placed). */
  startDelayMs: number;
  /** A real `opencode serve` answering for this task. */
  real?: OpenCodeProcess;
  realUrl?: string | null;
  /**
   * Replaced because its node went Down: the manager cannot hear from it, so `docker service ps`
   * keeps showing it Running (desired Shutdown) until the node is back and reports it failed.
   */
  lost?: boolean;
  /**
   * The node of the lost task this one replaces: Swarm creates it with desired state Ready, not
   * Running, while that task is not known to have stopped (until its node is back).
   */
  replacesLostOn?: string;
}

export interface OpenCodeActivity {
  sessions: { id: string; time: { created: number; updated: number } }[];
  /** sessionID -> {type: "busy" | "retry" | "idle"}. */
  status: Record<string, { type: string }>;
}

export interface SwarmUpdateConfig {
  Parallelism: number;
  Order: string;
  [key: string]: unknown;
}

export interface ServiceResources {
  Limits: { MemoryBytes?: number; NanoCPUs?: number };
  Reservations: { MemoryBytes?: number; NanoCPUs?: number };
}

export type ServiceState = "starting" | "pending" | "running" | "stopping" | "stopped" | "never_ready";

export interface TraefikRouter {
  domainId: string;
  host: string;
  path: string | null;
  port: number | null;
  https: boolean;
  stripPath: boolean;
  internalPath: string | null;
  uniqueConfigKey: number;
  /** The domain's own middlewares (domain.middlewares), after Dokploy's. */
  middlewares: string[];
}

export interface DeploySpec {
  appName: string;
  applicationId: string;
  image: string;
  env: Record<string, string>;
  replicas: number;
  volumes: string[];
  mounts?: { volumeName: string; mountPath: string }[];
  updateConfig?: SwarmUpdateConfig;
  resources?: ServiceResources;
  constraints?: string[];
  /** The application's healthCheckSwarm; null or absent: the image's own. */
  healthCheck?: { Test?: string[] } | null;
  /** The interval of the image's own HEALTHCHECK (the sandbox setting imageHealthCheckMs). */
  imageHealthCheckMs?: number;
  startDelayMs: number;
  /** How long an old task takes to be gone after it is told to stop. */
  stopDelayMs?: number;
  neverReady: boolean;
}

/** Dokploy's UpdateConfig when the application has none (generateConfigContainer). */
export const DEFAULT_UPDATE_CONFIG: SwarmUpdateConfig = { Parallelism: 1, Order: "start-first", FailureAction: "rollback" };
const OUTPUT_LINES = 1000;

type Target = { appName: string; path: string; middlewares?: string[]; port?: number | null };

export interface StacksOptions {
  openCode?: RealOpenCodeOptions;
  timers?: TimerSet;
  /** Where tasks run; without it every task runs on the one server and volumes are global. */
  cluster?: Cluster;
  /** SANDBOX_RUNTIME=docker: requests for a stack go to its real container. */
  engine?: EngineRuntime | null;
}

export class Stacks {
  services = new Map<string, SwarmService>();
  /** One entry per Traefik file /etc/dokploy/traefik/dynamic/<appName>.yml. */
  routers = new Map<string, TraefikRouter[]>();
  volumes = new Set<string>();
  /** What the emulated OpenCode of an appName says on /session and /session/status (tests set it). */
  activity = new Map<string, OpenCodeActivity>();
  /** Traefik's global middlewares.yml (settings.read/updateMiddlewareTraefikConfig). */
  middlewareFile: string | null = DEFAULT_MIDDLEWARE_FILE;

  constructor(private readonly opts: StacksOptions = {}) {}

  /** Dokploy's own Swarm service ("dokploy"), listed by `docker service ls` too. */
  readonly dokployServiceId = swarmId();

  /** Resolves once every real OpenCode process is gone. */
  clear(): Promise<void> {
    const stopping = [...this.services.values()].flatMap((svc) => svc.tasks.map((t) => t.real?.stop()));
    this.services.clear();
    this.routers.clear();
    this.volumes.clear();
    this.activity.clear();
    this.middlewareFile = DEFAULT_MIDDLEWARE_FILE;
    return Promise.all(stopping).then(() => {});
  }

  /** mechanizeDockerContainer: create or update the swarm service; named volumes come into being. */
  deployService(spec: DeploySpec): SwarmService {
    const now = nowIso();
    const at = Date.now();
    const existing = this.services.get(spec.appName);
    const updateConfig = spec.updateConfig ?? DEFAULT_UPDATE_CONFIG;
    const svc: SwarmService = existing ?? {
      id: swarmId(),
      appName: spec.appName,
      applicationId: spec.applicationId,
      image: spec.image,
      env: spec.env,
      replicas: spec.replicas,
      volumes: spec.volumes,
      mounts: [],
      updateConfig,
      resources: { Limits: {}, Reservations: {} },
      constraints: [],
      healthCheck: null,
      healthIntervalMs: 0,
      createdAt: now,
      updatedAt: now,
      tasks: [],
      maxTasks: 0,
      updates: [],
      output: [],
      neverReady: spec.neverReady,
      orphaned: null,
    };
    Object.assign(svc, {
      applicationId: spec.applicationId,
      image: spec.image,
      env: spec.env,
      replicas: spec.replicas,
      volumes: spec.volumes,
      mounts: spec.mounts ?? spec.volumes.map((v) => ({ volumeName: v, mountPath: "/" })),
      updateConfig,
      resources: spec.resources ?? { Limits: {}, Reservations: {} },
      constraints: spec.constraints ?? [],
      healthCheck: spec.healthCheck ?? null,
      // Test ["NONE"] switches the image's own check off (Docker's HealthConfig).
      healthIntervalMs: spec.healthCheck?.Test?.[0] === "NONE" ? 0 : (spec.imageHealthCheckMs ?? 0),
      updatedAt: now,
      neverReady: spec.neverReady,
    });
    this.services.set(spec.appName, svc);
    for (const v of spec.volumes) this.volumes.add(v);
    const old = this.alive(svc, at);
    if (spec.replicas > 0) {
      // Swarm's rolling update of the one replica: stop-first waits for the old task to be gone.
      const stopFirst = updateConfig.Order === "stop-first";
      const stopDelay = spec.stopDelayMs ?? 0;
      const startsAt = stopFirst && old.length ? at + stopDelay : at;
      if (old.length) svc.updates.push({ at: now, order: updateConfig.Order, overlapped: !stopFirst });
      const task = this.addTask(svc, startsAt, spec.startDelayMs, old.length && !stopFirst ? old.length + 1 : 1);
      // Start-first: the old task goes once the new one is running (healthy, where a check runs).
      for (const t of old) t.goneAt = Math.min(t.goneAt ?? Number.POSITIVE_INFINITY, stopFirst ? at + stopDelay : healthyAt(task));
    } else {
      for (const t of old) t.goneAt = Math.min(t.goneAt ?? Number.POSITIVE_INFINITY, at + (spec.stopDelayMs ?? 0));
    }
    this.scheduleEnds(svc);
    return svc;
  }

  /**
   * `docker service scale <appName>=n`; false when the service does not exist. This returns at
   * once (`scaled` waits as Dokploy's CLI call does): a stopping task lingers for `stopDelayMs`,
   * a new one answers after `startDelayMs`.
   */
  scale(appName: string, replicas: number, startDelayMs: number, stopDelayMs = 0): boolean {
    const svc = this.services.get(appName);
    if (!svc) return false;
    const at = Date.now();
    const alive = this.alive(svc, at);
    if (replicas <= 0) {
      for (const t of alive) t.goneAt = Math.min(t.goneAt ?? Number.POSITIVE_INFINITY, at + stopDelayMs);
    } else if (!alive.some((t) => t.goneAt === null)) {
      // A task still shutting down and the new one exist side by side, as in Swarm.
      this.addTask(svc, at, startDelayMs, alive.length + 1);
    }
    svc.replicas = replicas;
    svc.updatedAt = nowIso();
    this.scheduleEnds(svc);
    return true;
  }

  /**
   * Resolves once Swarm has the service at `replicas` (0: every task gone; otherwise the
   * newest task placed and its container started) and `settleMs` more have passed, as
   * `docker service scale` without --detach waits before it returns (Docker's CLI watches the
   * tasks for a few seconds to see that they stay up). A task no node suits keeps it waiting,
   * as it keeps the CLI; it ends early when the caller hangs up or the service goes.
   */
  async scaled(appName: string, replicas: number, settleMs: number, signal?: AbortSignal): Promise<void> {
    const svc = this.services.get(appName);
    if (!svc) return;
    const converged = (at: number) => {
      if (replicas <= 0) return svc.tasks.every((t) => t.goneAt !== null && at >= t.goneAt);
      const newest = svc.tasks.at(-1);
      return newest !== undefined && newest.node !== null && newest.goneAt === null && at >= healthyAt(newest);
    };
    while (!converged(Date.now())) {
      if (signal?.aborted || this.services.get(appName) !== svc) return;
      await Bun.sleep(20);
    }
    if (settleMs > 0 && !signal?.aborted) await Bun.sleep(settleMs);
  }

  removeService(appName: string): boolean {
    // Dokploy's removeService, best effort: a failure is only logged there too.
    this.opts.engine?.remove(appName).catch(() => undefined);
    const svc = this.services.get(appName);
    for (const t of svc?.tasks ?? []) t.real?.stop();
    const removed = this.services.delete(appName);
    if (removed) this.retryPending();
    return removed;
  }

  /** The service keeps running with nothing in Dokploy's DB pointing at it. */
  orphan(appName: string, reason: string): void {
    const svc = this.services.get(appName);
    if (!svc) return;
    svc.applicationId = null;
    svc.orphaned ??= { reason, at: nowIso() };
  }

  state(svc: SwarmService): ServiceState {
    const at = Date.now();
    const alive = this.alive(svc, at);
    if (svc.replicas <= 0) return alive.length ? "stopping" : "stopped";
    const newest = svc.tasks.at(-1);
    if (!newest) return "stopped";
    if (newest.node === null) return "pending";
    if (newest.neverReady) return "never_ready";
    return this.serving(svc, at) ? "running" : "starting";
  }

  /** Tasks that exist now (started and not yet gone). */
  alive(svc: SwarmService, at = Date.now()): Task[] {
    return svc.tasks.filter((t) => at >= t.startsAt && (t.goneAt === null || at < t.goneAt));
  }

  /** The task that answers requests: the newest one that is up. */
  private serving(svc: SwarmService, at: number): Task | null {
    const up = this.alive(svc, at).filter(
      (t) => !t.neverReady && this.onUsableNode(t) && at >= t.readyAt && at >= healthyAt(t) && (t.real === undefined || Boolean(t.realUrl)),
    );
    return up.at(-1) ?? null;
  }

  private onUsableNode(t: Task): boolean {
    return this.opts.cluster ? t.node !== null && this.opts.cluster.serves(t.node) : true;
  }

  /**
   * Swarm's choice of node for a new task of svc. Every task given a node and not gone yet
   * counts, the service's own included: swarmkit frees a task's reservation only once it has
   * stopped, so a stop-first update's new task on a full node waits for the old one.
   */
  private placeTask(svc: SwarmService): { node: string | null; err: string } {
    const cluster = this.opts.cluster;
    if (!cluster) return { node: "local", err: "" };
    const at = Date.now();
    return cluster.place(svc.constraints, svc.resources.Reservations.MemoryBytes ?? 0, (nodeId) => {
      let tasks = 0;
      let reserved = 0;
      for (const other of this.services.values()) {
        const here = other.tasks.filter((t) => t.node === nodeId && (t.goneAt === null || at < t.goneAt)).length;
        tasks += here;
        reserved += here * (other.resources.Reservations.MemoryBytes ?? 0);
      }
      return { tasks, reserved };
    });
  }

  /** The task's volumes on its node: created empty there when the node never had them. */
  private attachVolumes(svc: SwarmService, task: Task): void {
    if (!this.opts.cluster || task.node === null) return;
    for (const v of svc.volumes) this.opts.cluster.ensureVolume(task.node, v);
  }

  /**
   * After a node changed state: a running task on a node that is down or drained is shut
   * down and replaced by one placed anew (pending when its constraints allow no other node);
   * a pending task starts once a node suits it. A task that moved stays where it went when its
   * node comes back: Swarm never moves tasks back.
   */
  reschedule(startDelayMs: number): void {
    if (!this.opts.cluster) return;
    const at = Date.now();
    for (const svc of this.services.values()) {
      if (svc.replicas <= 0) continue;
      const newest = svc.tasks.at(-1);
      if (!newest || newest.goneAt !== null) continue;
      if (newest.node === null) {
        this.placePending(svc, newest, at, startDelayMs);
        continue;
      }
      if (this.opts.cluster.usable(newest.node)) continue;
      newest.goneAt = at;
      newest.lost = this.opts.cluster.nodes.get(newest.node)?.state !== "ready";
      const replacement = this.addTask(svc, at, startDelayMs, 1);
      if (newest.lost) replacement.replacesLostOn = newest.node;
      this.scheduleEnds(svc);
    }
  }

  /** Swarm's scheduler trying a pending task again: it starts when a node suits it now. */
  private placePending(svc: SwarmService, task: Task, at: number, startDelayMs: number): void {
    const { node, err } = this.placeTask(svc);
    task.err = err;
    if (node === null) return;
    Object.assign(task, { node, startsAt: at, readyAt: at + startDelayMs });
    this.attachVolumes(svc, task);
    this.log(svc, `${svc.appName}.1.${task.id} assigned to node ${node}`);
  }

  /**
   * After a task went away (its service removed, scaled down or updated): Swarm's scheduler
   * tries the pending tasks again, since the room it freed may be what they waited for.
   */
  private retryPending(): void {
    if (!this.opts.cluster) return;
    const at = Date.now();
    for (const svc of this.services.values()) {
      const newest = svc.tasks.at(-1);
      if (svc.replicas <= 0 || !newest || newest.goneAt !== null || newest.node !== null) continue;
      this.placePending(svc, newest, at, newest.startDelayMs);
    }
  }

  private addTask(svc: SwarmService, startsAt: number, startDelayMs: number, together: number): Task {
    const placed = this.placeTask(svc);
    const task: Task = {
      id: nanoid(),
      image: svc.image,
      env: svc.env,
      startsAt,
      readyAt: startsAt + startDelayMs,
      goneAt: null,
      neverReady: svc.neverReady,
      node: placed.node,
      err: placed.err,
      startDelayMs,
      healthIntervalMs: svc.healthIntervalMs,
    };
    this.attachVolumes(svc, task);
    // Swarm keeps a short task history (task-history-limit 5).
    svc.tasks = [...svc.tasks, task].slice(-5);
    svc.maxTasks = Math.max(svc.maxTasks, together);
    const start = () => {
      this.log(svc, `${svc.appName}.1.${task.id} started from ${task.image}`);
      if (wantsRealOpenCode(this.opts.openCode, svc.appName) && !task.neverReady) {
        task.real = launchOpenCode(this.opts.openCode, {
          appName: svc.appName,
          image: task.image,
          env: task.env,
          mounts: svc.mounts,
          onOutput: (l) => this.log(svc, l),
        });
        void task.real.ready.then((url) => {
          task.realUrl = url;
        });
        // Gone before it started: stop it at once.
        if (task.goneAt !== null && Date.now() >= task.goneAt) task.real.stop();
      } else if (!task.neverReady) {
        this.log(svc, `opencode server listening on http://0.0.0.0:${svc.env.PORT ?? "8080"}`);
      }
    };
    const delay = startsAt - Date.now();
    if (delay > 0 && this.opts.timers) this.opts.timers.after(delay, start);
    else start();
    return task;
  }

  /** Stops real processes (and logs) when their task's time is up. */
  private scheduleEnds(svc: SwarmService): void {
    for (const t of svc.tasks) {
      if (t.goneAt === null || (t as { endScheduled?: boolean }).endScheduled) continue;
      (t as { endScheduled?: boolean }).endScheduled = true;
      const end = () => {
        t.real?.stop();
        this.log(svc, `${svc.appName}.1.${t.id} shut down`);
        this.retryPending();
      };
      const delay = t.goneAt - Date.now();
      if (delay > 0 && this.opts.timers) this.opts.timers.after(delay, end);
      else end();
    }
  }

  private log(svc: SwarmService, line: string): void {
    svc.output.push(`${nowIso()} ${line}`);
    if (svc.output.length > OUTPUT_LINES) svc.output.splice(0, svc.output.length - OUTPUT_LINES);
  }

  addRouter(appName: string, router: TraefikRouter): void {
    const list = this.routers.get(appName) ?? [];
    list.push(router);
    this.routers.set(appName, list);
  }

  /** Removing the last router deletes the file. */
  removeRouter(appName: string, domainId: string): void {
    const list = (this.routers.get(appName) ?? []).filter((r) => r.domainId !== domainId);
    if (list.length) this.routers.set(appName, list);
    else this.routers.delete(appName);
  }

  removeRouterFile(appName: string): void {
    this.routers.delete(appName);
  }

  /**
   * Traefik's choice for a request: a Host (+ PathPrefix) rule, longest rule
   * first; otherwise a Host equal to a service name reaches it directly, as a
   * client inside dokploy-network would.
   */
  route(host: string, pathname: string, isAppName: (name: string) => boolean): Target | null {
    let best: { appName: string; router: TraefikRouter } | null = null;
    for (const [appName, list] of this.routers) {
      for (const r of list) {
        if (r.host.toLowerCase() !== host) continue;
        const prefix = r.path && r.path !== "/" ? r.path : null;
        if (prefix && !pathname.startsWith(prefix)) continue;
        const len = prefix?.length ?? 0;
        const bestLen = best?.router.path && best.router.path !== "/" ? best.router.path.length : 0;
        if (!best || len > bestLen) best = { appName, router: r };
      }
    }
    if (best)
      return { appName: best.appName, path: rewritePath(pathname, best.router), middlewares: best.router.middlewares ?? [], port: best.router.port };
    if (this.services.has(host) || isAppName(host)) return { appName: host, path: pathname };
    return null;
  }

  /** Forward to the service's serving task, or answer as Traefik does when there is none. */
  async handle(req: Request, target: Target, server?: Partial<Upgrader>): Promise<Response> {
    return applyMiddlewares(req, target.middlewares ?? [], this.middlewareFile, (passed, cookies) =>
      this.serve(passed, target, req, server, cookies),
    );
  }

  private async serve(req: Request, target: Target, original: Request, server: Partial<Upgrader> | undefined, cookies: string[]): Promise<Response> {
    if (this.opts.engine) {
      // Traefik reaches the task over dokploy-network; from the host, its docker_gwbridge address does.
      const port = target.port ?? Number(this.services.get(target.appName)?.env.PORT ?? 8080);
      const address = await this.opts.engine.address(target.appName, port).catch(() => null);
      if (!address) return textResponse(502, "Bad Gateway");
      return proxy(req, `${address.url}${target.path}${new URL(req.url).search}`, address.headers);
    }
    const svc = this.services.get(target.appName);
    const task = svc ? this.serving(svc, Date.now()) : null;
    if (!task) return textResponse(502, "Bad Gateway");
    // A WebSocket to a real server: the listener upgrades the request it received, with the
    // headers the middlewares left (Authorization from forwardAuth).
    if (task.real && isUpgrade(req) && server?.upgrade) {
      const headers: Record<string, string> = {};
      const auth = req.headers.get("authorization");
      if (auth) headers.authorization = auth;
      const url = `${String(task.realUrl).replace(/^http/, "ws")}${target.path}${new URL(req.url).search}`;
      const set = new Headers();
      for (const c of cookies) set.append("set-cookie", c);
      if (server.upgrade(original, { data: { url, headers }, headers: set })) return UPGRADED;
    }
    if (task.real) return proxy(req, `${task.realUrl}${target.path}${new URL(req.url).search}`);
    return openCodeServer(req, target.path, task.env, this.activity.get(target.appName));
  }
}

/** Traefik in front of the real server: 502 when it does not answer. */
async function proxy(req: Request, url: string, extra: Record<string, string> = {}): Promise<Response> {
  try {
    const headers = new Headers(req.headers);
    headers.delete("host");
    for (const [k, v] of Object.entries(extra)) headers.set(k, v);
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
    // Bytes as they come, as Traefik passes them: a compressed answer keeps its Content-Encoding.
    const res = await fetch(url, { method: req.method, headers, body, redirect: "manual", decompress: false });
    return new Response(res.body, { status: res.status, headers: res.headers });
  } catch {
    return textResponse(502, "Bad Gateway");
  }
}

function rewritePath(pathname: string, r: TraefikRouter): string {
  let path = pathname;
  if (r.stripPath && r.path && r.path !== "/") path = path.slice(r.path.length) || "/";
  if (!path.startsWith("/")) path = `/${path}`;
  if (r.internalPath && r.internalPath !== "/") path = r.internalPath.replace(/\/$/, "") + path;
  return path;
}

const OPENCODE_HTML =
  '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>OpenCode</title></head>' +
  '<body><div id="root">OpenCode (sandbox)</div></body></html>\n';

/** Providers the emulated OpenCode offers once their key is in the environment (a real one also lists a `key`). */
const SANDBOX_PROVIDERS: { id: string; name: string; env: string; models: [string, string][] }[] = [
  { id: "anthropic", name: "Anthropic", env: "ANTHROPIC_API_KEY", models: [["claude-sonnet-4-5", "Claude Sonnet 4.5"]] },
  { id: "openrouter", name: "OpenRouter", env: "OPENROUTER_API_KEY", models: [["mistralai/mistral-large", "Mistral Large"]] },
];
const models = (...list: [string, string][]) => Object.fromEntries(list.map(([id, name]) => [id, { id, name }]));

/** Just enough of an OpenCode server for health probes, "is the UI up" checks, activity and the models it offers. */
function openCodeServer(req: Request, path: string, env: Record<string, string>, activity: OpenCodeActivity | undefined): Response {
  const password = env.OPENCODE_SERVER_PASSWORD;
  if (password) {
    const username = env.OPENCODE_SERVER_USERNAME || "opencode";
    if (!basicAuthMatches(req.headers.get("authorization"), username, password)) {
      return textResponse(401, "Unauthorized", { "WWW-Authenticate": 'Basic realm="opencode"' });
    }
  }
  const isRead = req.method === "GET" || req.method === "HEAD";
  if (isRead && path === "/") {
    return new Response(OPENCODE_HTML, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
  // The session list and which sessions work now, as OpenCode's API has them.
  if (isRead && (path === "/session" || path === "/session/status")) {
    const body = path === "/session" ? (activity?.sessions ?? []) : (activity?.status ?? {});
    return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  }
  // The providers it can use: OpenCode's free ones, and each whose API key is in its environment.
  if (isRead && path === "/config/providers") {
    const providers = [
      {
        id: "opencode",
        name: "OpenCode Zen",
        env: ["OPENCODE_API_KEY"],
        models: models(["big-pickle", "Big Pickle"], ["nemotron-3-ultra-free", "Nemotron 3 Ultra"]),
      },
      ...SANDBOX_PROVIDERS.filter((p) => env[p.env]).map((p) => ({
        id: p.id,
        name: p.name,
        env: [p.env],
        key: env[p.env],
        models: models(...p.models),
      })),
    ];
    return new Response(JSON.stringify({ providers, default: { opencode: "big-pickle" } }), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  }
  if (isRead && path === "/global/health") {
    return new Response(JSON.stringify({ healthy: true, version: "sandbox" }), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  }
  return textResponse(404, "404 Not Found");
}

function basicAuthMatches(header: string | null, username: string, password: string): boolean {
  if (!header) return false;
  const encoded = /^Basic\s+(\S+)$/i.exec(header.trim())?.[1];
  if (!encoded) return false;
  let decoded: string;
  try {
    decoded = Buffer.from(encoded, "base64").toString("utf8");
  } catch {
    return false;
  }
  const i = decoded.indexOf(":");
  if (i < 0) return false;
  return decoded.slice(0, i) === username && decoded.slice(i + 1) === password;
}

/**
 * When Swarm counts a task as running: at once without a health check; with one, at the first
 * check after the container answers (the first runs one interval after the start), and until
 * then the task is "starting" and out of the service's DNS, so Traefik cannot reach it.
 */
export function healthyAt(task: Pick<Task, "startsAt" | "readyAt" | "healthIntervalMs">): number {
  if (task.healthIntervalMs <= 0) return task.startsAt;
  const checks = Math.max(1, Math.ceil((task.readyAt - task.startsAt) / task.healthIntervalMs));
  return task.startsAt + checks * task.healthIntervalMs;
}
