// What sits behind Dokploy: the Docker Swarm services its deploys create, the
// Traefik dynamic config its domain calls write, and the named volumes. The
// sandbox's own HTTP port plays Traefik's entry point; a running service
// answers like an OpenCode server.
import { textResponse } from "./errors.ts";
import { nowIso, swarmId } from "./ids.ts";

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
  createdAt: string;
  updatedAt: string;
  /** Epoch ms from which the container accepts connections ("done" is not "running"). */
  readyAt: number;
  /** Fault stack_never_ready: the container never starts answering. */
  neverReady: boolean;
  orphaned: { reason: string; at: string } | null;
}

export type ServiceState = "starting" | "running" | "stopped" | "never_ready";

export interface TraefikRouter {
  domainId: string;
  host: string;
  path: string | null;
  port: number | null;
  https: boolean;
  stripPath: boolean;
  internalPath: string | null;
  uniqueConfigKey: number;
}

export interface DeploySpec {
  appName: string;
  applicationId: string;
  image: string;
  env: Record<string, string>;
  replicas: number;
  volumes: string[];
  startDelayMs: number;
  neverReady: boolean;
}

type Target = { appName: string; path: string };

export class Stacks {
  services = new Map<string, SwarmService>();
  /** One entry per Traefik file /etc/dokploy/traefik/dynamic/<appName>.yml. */
  routers = new Map<string, TraefikRouter[]>();
  volumes = new Set<string>();
  /** Dokploy's own Swarm service ("dokploy"), listed by `docker service ls` too. */
  readonly dokployServiceId = swarmId();

  clear(): void {
    this.services.clear();
    this.routers.clear();
    this.volumes.clear();
  }

  /** mechanizeDockerContainer: create or update the swarm service; named volumes come into being. */
  deployService(spec: DeploySpec): SwarmService {
    const now = nowIso();
    const existing = this.services.get(spec.appName);
    const svc: SwarmService = {
      id: existing?.id ?? swarmId(),
      appName: spec.appName,
      applicationId: spec.applicationId,
      image: spec.image,
      env: spec.env,
      replicas: spec.replicas,
      volumes: spec.volumes,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      readyAt: Date.now() + spec.startDelayMs,
      neverReady: spec.neverReady,
      orphaned: existing?.orphaned ?? null,
    };
    this.services.set(spec.appName, svc);
    for (const v of spec.volumes) this.volumes.add(v);
    return svc;
  }

  /** `docker service scale <appName>=n`; false when the service does not exist. */
  scale(appName: string, replicas: number, startDelayMs: number): boolean {
    const svc = this.services.get(appName);
    if (!svc) return false;
    if (replicas > 0 && svc.replicas === 0) svc.readyAt = Date.now() + startDelayMs;
    svc.replicas = replicas;
    svc.updatedAt = nowIso();
    return true;
  }

  removeService(appName: string): boolean {
    return this.services.delete(appName);
  }

  /** The service keeps running with nothing in Dokploy's DB pointing at it. */
  orphan(appName: string, reason: string): void {
    const svc = this.services.get(appName);
    if (!svc) return;
    svc.applicationId = null;
    svc.orphaned ??= { reason, at: nowIso() };
  }

  state(svc: SwarmService): ServiceState {
    if (svc.replicas <= 0) return "stopped";
    if (svc.neverReady) return "never_ready";
    return Date.now() >= svc.readyAt ? "running" : "starting";
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
    if (best) return { appName: best.appName, path: rewritePath(pathname, best.router) };
    if (this.services.has(host) || isAppName(host)) return { appName: host, path: pathname };
    return null;
  }

  /** Forward to the service, or answer as Traefik does when the backend is not there. */
  handle(req: Request, target: Target): Response {
    const svc = this.services.get(target.appName);
    if (!svc || this.state(svc) !== "running") return textResponse(502, "Bad Gateway");
    return openCodeServer(req, target.path, svc.env);
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

/** Just enough of an OpenCode server for health probes and "is the UI up" checks. */
function openCodeServer(req: Request, path: string, env: Record<string, string>): Response {
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
