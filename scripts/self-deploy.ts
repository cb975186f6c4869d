/**
 * Deploys the portal itself to Dokploy, through the same DokployClient the portal uses for
 * stacks ("eat our own dog food", docs/deployment.md):
 *
 *   npm run self-deploy -- [--tag <tag> | --image <ref>] [--dry-run] [options]
 *
 * Finds or creates project `ai-stack-deployer-portal` and its application `deployer`, sets
 * the image, the environment, Swarm's stop-first update order, the /data volume and the
 * domain `deploy.<STACK_DOMAIN_SUFFIX>`, deploys, waits for Dokploy's deployment to finish
 * and then for the new portal's /health to answer "healthy". Running it again updates the
 * same resources and redeploys; it never creates duplicates. Secret values are never printed.
 *
 * Exit codes: 0 done, 1 the deploy failed, 2 wrong flags or environment (nothing changed).
 */
import { parseArgs } from "node:util";
import { ConfigError, SECRET_VARIABLES, configSchema, loadConfig } from "../src/config.ts";
import { type CertificateType, DokployClient, type SwarmHealthCheck, type SwarmUpdateConfig } from "../src/dokploy/client.ts";
import { DokployError } from "../src/dokploy/errors.ts";
import type { DeploymentRow } from "../src/dokploy/schemas.ts";
import { SagaError } from "../src/stacks/runs/saga.ts";
import { waitForDokployDeploy } from "../src/stacks/runs/wait-dokploy-deploy.ts";
import { FailedError, Scrubber, UsageError, describeFetchError, formatMs, parseDuration, sleep } from "./lib.ts";

export const IMAGE_REPOSITORY = "git.app.flexinit.nl/oussamadouhou/ai-stack-deployer";
export const PROJECT_NAME = "ai-stack-deployer-portal";
export const APPLICATION_NAME = "deployer";
/** Docker volume names are global on the host: this one is the portal's alone. */
export const DATA_VOLUME = "ai-stack-deployer-data";
export const DATA_PATH = "/data";
export const CONTAINER_PORT = 3000;
/** One portal at a time on the database volume: the old container stops before the new one starts. */
export const UPDATE_CONFIG: SwarmUpdateConfig = { Parallelism: 1, Order: "stop-first" };
/**
 * The image's own health check (no Test: Docker keeps the image's), asked every 5 s instead of
 * 30: Swarm leaves a new task out of its DNS, so out of Traefik's reach, until the first check
 * passes. One container, so the check's cost (a few % of a core) does not matter.
 */
export const HEALTH_CHECK: SwarmHealthCheck = { Interval: 5_000_000_000 };

const USAGE = `Usage: npm run self-deploy -- [--tag <tag> | --image <ref>] [options]

Deploys the portal to Dokploy as project "${PROJECT_NAME}", application "${APPLICATION_NAME}".

  --tag <tag>                  image ${IMAGE_REPOSITORY}:<tag> (default: latest)
  --image <ref>                any image reference instead (e.g. an older tag to roll back)
  --dry-run                    print the plan and what exists; change nothing
  --dokploy-url <url>          where this script reaches Dokploy (default: $DOKPLOY_URL)
  --portal-dokploy-url <url>   Dokploy's address as the portal sees it
                               (default: $PORTAL_DOKPLOY_URL, else the --dokploy-url)
  --health-url <url>           where to wait for the new portal
                               (default: https://deploy.<STACK_DOMAIN_SUFFIX>/health)
  --published-port <port>      also publish the portal's port 3000 on this port of its
                               node (host mode), to reach it where Traefik does not run
  --certificate-type <type>    letsencrypt (default), none or custom (with --cert-resolver)
  --cert-resolver <name>       Traefik certificate resolver for --certificate-type custom
  --deploy-timeout <duration>  wait for Dokploy's deployment at most this long (default 10m)
  --health-timeout <duration>  wait for /health at most this long (default 5m)
  --poll-interval <duration>   how often to poll Dokploy and /health (default 2s)
  -h, --help                   this text

Environment: DOKPLOY_API_TOKEN (required), DOKPLOY_URL, PORTAL_DOKPLOY_URL,
STACK_DOMAIN_SUFFIX, PORTAL_REGISTRY_USERNAME and PORTAL_REGISTRY_PASSWORD (to pull a
private portal image), and every portal variable (src/config.ts) to pass on to the portal,
e.g. ADMIN_TOKEN. Exit codes: 0 done, 1 failed, 2 wrong flags or environment.`;

export interface Plan {
  dokployUrl: string;
  apiToken: string;
  image: string;
  registry: { url: string; username: string; password: string } | null;
  host: string;
  certificateType: CertificateType;
  certResolver: string | null;
  healthUrl: string;
  /** A host-mode published port for the portal, or null (Traefik's domain only). */
  publishedPort: number | null;
  env: [string, string][];
  dryRun: boolean;
  deployTimeoutMs: number;
  healthTimeoutMs: number;
  pollIntervalMs: number;
}

/** Variables the plan decides itself; the environment of this script cannot override them. */
const FIXED = new Set(["NODE_ENV", "PORT", "HOST", "DATA_DIR", "DOKPLOY_URL", "DOKPLOY_API_TOKEN"]);

export function isSecret(key: string): boolean {
  return (SECRET_VARIABLES as readonly string[]).includes(key) || /TOKEN|PASSWORD|SECRET/i.test(key);
}

const text = (env: Record<string, string | undefined>, key: string) => {
  const value = env[key]?.trim();
  return value ? value : undefined;
};

function httpUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${what}: expected an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${what}: expected an http(s) URL, got "${value}"`);
  return value.replace(/\/+$/, "");
}

/** One dotenv line Dokploy reads back exactly (dotenv.parse, then its `${{...}}` interpolation). */
export function dotenvLine(key: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new UsageError(`${key}: a value cannot contain a line break`);
  // Dokploy replaces ${{...}} references and fails the deploy on unknown ones; there is no escape.
  if (value.includes("${{")) throw new UsageError(`${key}: a value cannot contain "\${{" (Dokploy would interpolate it)`);
  if (/^[A-Za-z0-9_./:,@+=%-]*$/.test(value)) return `${key}=${value}`;
  // Single quotes: taken literally by dotenv (no escapes, no comments).
  if (!value.includes("'")) return `${key}='${value}'`;
  if (!value.includes('"') && !value.includes("\\")) return `${key}="${value}"`;
  throw new UsageError(`${key}: a value cannot contain both ' and " (or ' and \\)`);
}

/**
 * Stack names that would collide with the portal itself: `deploy` (its host, deploy.<suffix>)
 * and, when the portal's project name starts with the stack project prefix (it does with the
 * default `ai-stack-`), the stack name whose project would be the portal's own.
 */
export function portalOwnNames(stackProjectPrefix: string): string[] {
  const names = ["deploy"];
  if (PROJECT_NAME.startsWith(stackProjectPrefix)) names.push(PROJECT_NAME.slice(stackProjectPrefix.length));
  return names;
}

/** The portal's environment: the strategy's Phase 3 table plus every portal variable set here. */
export function portalEnvironment(
  env: Record<string, string | undefined>,
  opts: { portalDokployUrl: string; apiToken: string; suffix: string },
): [string, string][] {
  const defaults = loadConfig({});
  const out = new Map<string, string>([
    ["NODE_ENV", "production"],
    ["PORT", String(CONTAINER_PORT)],
    ["HOST", "0.0.0.0"],
    ["DATA_DIR", DATA_PATH],
    ["DOKPLOY_URL", opts.portalDokployUrl],
    ["DOKPLOY_API_TOKEN", opts.apiToken],
    ["STACK_DOMAIN_SUFFIX", opts.suffix],
    ["STACK_IMAGE", text(env, "STACK_IMAGE") ?? defaults.STACK_IMAGE],
  ]);
  const reserved = (text(env, "RESERVED_NAMES") ?? defaults.RESERVED_NAMES.join(","))
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const name of portalOwnNames(text(env, "STACK_PROJECT_PREFIX") ?? defaults.STACK_PROJECT_PREFIX))
    if (!reserved.includes(name)) reserved.push(name);
  out.set("RESERVED_NAMES", reserved.join(","));
  // Behind Traefik the client address is in X-Forwarded-For (rate limits, audit log).
  out.set("TRUST_PROXY", text(env, "TRUST_PROXY") ?? "true");
  for (const key of Object.keys(configSchema.shape)) {
    if (FIXED.has(key) || out.has(key) || key.startsWith("SANDBOX_")) continue;
    const value = text(env, key);
    if (value !== undefined) out.set(key, value);
  }
  const entries = [...out.entries()];
  try {
    loadConfig(Object.fromEntries(entries));
  } catch (err) {
    if (err instanceof ConfigError)
      throw new UsageError(`the portal's environment would be invalid:\n${err.problems.map((p) => `  - ${p}`).join("\n")}`);
    throw err;
  }
  for (const [key, value] of entries) dotenvLine(key, value);
  return entries;
}

export function buildPlan(argv: string[], env: Record<string, string | undefined>): Plan | "help" {
  const parsed = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: false,
        strict: true,
        options: {
          tag: { type: "string" },
          image: { type: "string" },
          "dry-run": { type: "boolean", default: false },
          "dokploy-url": { type: "string" },
          "portal-dokploy-url": { type: "string" },
          "health-url": { type: "string" },
          "published-port": { type: "string" },
          "certificate-type": { type: "string", default: "letsencrypt" },
          "cert-resolver": { type: "string" },
          "deploy-timeout": { type: "string", default: "10m" },
          "health-timeout": { type: "string", default: "5m" },
          "poll-interval": { type: "string", default: "2s" },
          help: { type: "boolean", short: "h", default: false },
        },
      });
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
  })();
  const v = parsed.values;
  if (v.help) return "help";

  if (v.tag !== undefined && v.image !== undefined) throw new UsageError("give --tag or --image, not both");
  let image: string;
  if (v.image !== undefined) {
    if (!/^[^\s]+$/.test(v.image) || v.image.startsWith("-")) throw new UsageError(`--image: not an image reference: "${v.image}"`);
    image = v.image;
  } else {
    const tag = v.tag ?? "latest";
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw new UsageError(`--tag: not a valid image tag: "${tag}"`);
    image = `${IMAGE_REPOSITORY}:${tag}`;
  }

  const dokployRaw = v["dokploy-url"] ?? text(env, "DOKPLOY_URL");
  if (!dokployRaw) throw new UsageError("where is Dokploy? Set DOKPLOY_URL or pass --dokploy-url");
  const dokployUrl = httpUrl(dokployRaw, "--dokploy-url / DOKPLOY_URL");
  const portalDokployUrl = httpUrl(
    v["portal-dokploy-url"] ?? text(env, "PORTAL_DOKPLOY_URL") ?? dokployUrl,
    "--portal-dokploy-url / PORTAL_DOKPLOY_URL",
  );
  const apiToken = text(env, "DOKPLOY_API_TOKEN");
  if (!apiToken) throw new UsageError("DOKPLOY_API_TOKEN is not set (a Dokploy API key, created with the rate limit off)");

  const suffix = text(env, "STACK_DOMAIN_SUFFIX") ?? loadConfig({}).STACK_DOMAIN_SUFFIX;
  const certificateType = v["certificate-type"] as string;
  if (!["letsencrypt", "none", "custom"].includes(certificateType))
    throw new UsageError(`--certificate-type: expected letsencrypt, none or custom, got "${certificateType}"`);
  const certResolver = v["cert-resolver"] ?? null;
  if (certificateType === "custom" && !certResolver) throw new UsageError("--certificate-type custom needs --cert-resolver");

  const username = text(env, "PORTAL_REGISTRY_USERNAME");
  const password = text(env, "PORTAL_REGISTRY_PASSWORD");
  if (Boolean(username) !== Boolean(password)) throw new UsageError("PORTAL_REGISTRY_USERNAME and PORTAL_REGISTRY_PASSWORD must be set together");
  const [firstSegment = ""] = image.split("/");
  const registryHost = image.includes("/") && /[.:]|^localhost$/.test(firstSegment) ? firstSegment : "docker.io";
  const registry = username && password ? { url: registryHost, username, password } : null;

  const portRaw = v["published-port"];
  const publishedPort = portRaw === undefined ? null : Number(portRaw);
  if (publishedPort !== null && !(Number.isInteger(publishedPort) && publishedPort >= 1 && publishedPort <= 65535))
    throw new UsageError(`--published-port: expected a port number 1-65535, got "${portRaw}"`);

  const env2 = portalEnvironment(env, { portalDokployUrl, apiToken, suffix });
  const host = `deploy.${suffix}`;
  return {
    dokployUrl,
    apiToken,
    image,
    registry,
    host,
    certificateType: certificateType as CertificateType,
    certResolver,
    healthUrl: httpUrl(v["health-url"] ?? `https://${host}/health`, "--health-url"),
    publishedPort,
    env: env2,
    dryRun: v["dry-run"] as boolean,
    deployTimeoutMs: parseDuration(v["deploy-timeout"] as string, "--deploy-timeout"),
    healthTimeoutMs: parseDuration(v["health-timeout"] as string, "--health-timeout"),
    pollIntervalMs: Math.max(10, parseDuration(v["poll-interval"] as string, "--poll-interval")),
  };
}

// --- the run ---------------------------------------------------------------------------------

interface Found {
  projectId: string | null;
  environmentId: string | null;
  applicationId: string | null;
  domainId: string | null;
  mount: { mountId: string; volumeName: string | null } | null;
  /** The port row that publishes the plan's port, when there is one. */
  portId: string | null;
  running: DeploymentRow | null;
}

class Run {
  readonly client: DokployClient;
  private readonly scrubber = new Scrubber();
  private readonly started = performance.now();

  constructor(readonly plan: Plan) {
    this.client = new DokployClient({
      baseUrl: plan.dokployUrl,
      apiKey: plan.apiToken,
      timeoutMs: 30_000,
      maxConcurrency: 2,
      // A script run is short and every failure ends it: no breaker needed.
      circuitFailures: 1_000,
      circuitCooldownMs: 1_000,
    });
    this.scrubber.add(plan.apiToken);
    this.scrubber.add(plan.registry?.password);
    for (const [key, value] of plan.env) if (isSecret(key)) this.scrubber.add(value);
  }

  say(line: string): void {
    process.stdout.write(`${this.scrubber.scrub(line)}\n`);
  }

  scrub(text: string): string {
    return this.scrubber.scrub(text);
  }

  step(what: string, detail: string): void {
    this.say(`  ${what.padEnd(13)} ${detail}  [${formatMs(performance.now() - this.started)}]`);
  }

  printPlan(): void {
    const p = this.plan;
    this.say(`${p.dryRun ? "Plan (dry run: nothing is changed)" : "Plan"}`);
    this.say(`  Dokploy        ${p.dokployUrl}`);
    this.say(`  project        ${PROJECT_NAME}`);
    this.say(`  application    ${APPLICATION_NAME}`);
    this.say(`  image          ${p.image}${p.registry ? ` (registry ${p.registry.url}, user ${p.registry.username}, password <set>)` : ""}`);
    this.say(
      `  domain         https://${p.host} -> container port ${CONTAINER_PORT} (certificate: ${p.certificateType}${p.certResolver ? `, resolver ${p.certResolver}` : ""})`,
    );
    this.say(`  volume         ${DATA_VOLUME} at ${DATA_PATH}`);
    if (p.publishedPort !== null) this.say(`  port           ${p.publishedPort} on the node -> container port ${CONTAINER_PORT} (host mode)`);
    this.say(`  update order   ${UPDATE_CONFIG.Order}`);
    this.say(`  health         ${p.healthUrl}`);
    this.say("  environment");
    for (const [key, value] of p.env) this.say(`    ${key}=${isSecret(key) ? "<set>" : value}`);
  }

  /** What already exists, by name and host; reads only. */
  async lookup(): Promise<Found> {
    const found: Found = { projectId: null, environmentId: null, applicationId: null, domainId: null, mount: null, portId: null, running: null };
    const projects = (await this.client.projectAll()).filter((p) => p.name === PROJECT_NAME);
    if (projects.length > 1)
      throw new FailedError(
        `Dokploy has ${projects.length} projects named "${PROJECT_NAME}" (${projects.map((p) => p.projectId).join(", ")}); remove the extra ones in Dokploy and run again`,
      );
    const project = projects[0];
    if (!project) return found;
    found.projectId = project.projectId;
    const environment = project.environments.find((e) => e.name === "production") ?? project.environments[0];
    if (!environment)
      throw new FailedError(`project "${PROJECT_NAME}" (${project.projectId}) has no environment; remove it in Dokploy and run again`);
    found.environmentId = environment.environmentId;
    const apps = environment.applications.filter((a) => a.name === APPLICATION_NAME);
    if (apps.length > 1)
      throw new FailedError(
        `project "${PROJECT_NAME}" has ${apps.length} applications named "${APPLICATION_NAME}" (${apps.map((a) => a.applicationId).join(", ")}); delete the extra ones in Dokploy and run again`,
      );
    const app = apps[0];
    if (!app) return found;
    found.applicationId = app.applicationId;
    const detail = await this.client.applicationOne(app.applicationId);
    found.domainId = detail.domains.find((d) => d.host === this.plan.host)?.domainId ?? null;
    const mount = detail.mounts.find((m) => m.mountPath === DATA_PATH);
    found.mount = mount ? { mountId: mount.mountId, volumeName: mount.volumeName } : null;
    found.portId = detail.ports.find((p) => p.publishedPort === this.plan.publishedPort)?.portId ?? null;
    const newest = (await this.client.deployments(app.applicationId))[0];
    found.running = newest?.status === "running" ? newest : null;
    return found;
  }

  describe(found: Found): void {
    const state = (id: string | null) => (id ? `exists (${id})` : this.plan.dryRun ? "would be created" : "will be created");
    this.say("Dokploy now");
    this.say(`  project        ${state(found.projectId)}`);
    this.say(`  application    ${state(found.applicationId)}`);
    this.say(`  domain         ${state(found.domainId)}`);
    if (this.plan.publishedPort !== null) this.say(`  port           ${state(found.portId)}`);
    this.say(
      `  volume         ${found.mount ? `exists (${found.mount.volumeName ?? "no volume name"} at ${DATA_PATH})` : this.plan.dryRun ? "would be created" : "will be created"}`,
    );
    if (found.running)
      this.say(
        `  a deployment is running (${found.running.deploymentId}); ${this.plan.dryRun ? "a real run would wait for it" : "waiting for it first"}`,
      );
  }

  async apply(found: Found): Promise<void> {
    const { client, plan } = this;
    this.say("Deploying");
    let { environmentId, applicationId } = found;
    if (!found.projectId || !environmentId) {
      const created = await client.projectCreate({
        name: PROJECT_NAME,
        description: "The AI Stack Deployer portal (managed by npm run self-deploy)",
      });
      environmentId = created.environment.environmentId;
      this.step("project", `created ${created.project.projectId}`);
    } else this.step("project", `found ${found.projectId}`);

    if (!applicationId) {
      // Not retried: a second create would make a second application (docs/dokploy.md §5).
      const app = await client.applicationCreate({
        name: APPLICATION_NAME,
        appName: "ai-stack-deployer",
        environmentId,
        description: "AI Stack Deployer portal",
      });
      applicationId = app.applicationId;
      this.step("application", `created ${applicationId} (${app.appName})`);
    } else this.step("application", `found ${applicationId}`);

    // saveDockerProvider during a deploy would reset its status (docs/dokploy.md §4).
    if (found.running) {
      this.step("waiting", `for the running deployment ${found.running.deploymentId} to finish`);
      const row = await this.waitDeploy(applicationId, null);
      this.step("waiting", `that deployment ended: ${row.status}`);
    }

    await client.saveDockerProvider({
      applicationId,
      dockerImage: plan.image,
      username: plan.registry?.username ?? null,
      password: plan.registry?.password ?? null,
      registryUrl: plan.registry?.url ?? null,
    });
    this.step("image", plan.image);
    await client.saveEnvironment({ applicationId, env: plan.env.map(([k, v]) => dotenvLine(k, v)).join("\n") });
    this.step("environment", `${plan.env.length} variables`);
    await client.applicationUpdate({ applicationId, updateConfigSwarm: UPDATE_CONFIG, healthCheckSwarm: HEALTH_CHECK });
    this.step("update order", `${UPDATE_CONFIG.Order}, health checked every ${formatMs((HEALTH_CHECK.Interval ?? 0) / 1e6)}`);

    if (found.mount) {
      const note = found.mount.volumeName === DATA_VOLUME ? "" : ` (volume ${found.mount.volumeName ?? "none"}, not ${DATA_VOLUME}: kept)`;
      this.step("volume", `found at ${DATA_PATH}${note}`);
    } else {
      const mount = await client.mountCreate({ applicationId, volumeName: DATA_VOLUME, mountPath: DATA_PATH });
      this.step("volume", `created ${mount.mountId}: ${DATA_VOLUME} at ${DATA_PATH}`);
    }

    if (found.domainId) this.step("domain", `found ${plan.host} (${found.domainId})`);
    else {
      const domain = await client.domainCreate({
        applicationId,
        host: plan.host,
        port: CONTAINER_PORT,
        https: true,
        certificateType: plan.certificateType,
        customCertResolver: plan.certResolver,
      });
      this.step("domain", `created https://${plan.host} -> port ${CONTAINER_PORT} (${domain.domainId})`);
    }

    if (plan.publishedPort !== null) {
      if (found.portId) this.step("port", `found ${plan.publishedPort} (${found.portId})`);
      else {
        const port = await client.portCreateHost({ applicationId, publishedPort: plan.publishedPort, targetPort: CONTAINER_PORT });
        this.step("port", `created ${plan.publishedPort} -> port ${CONTAINER_PORT} (${port.portId})`);
      }
    }

    const baseline = (await client.deployments(applicationId))[0]?.deploymentId ?? null;
    const deployRequestedAt = Date.now();
    // deploy, not redeploy: only deploy pulls the image (docs/dokploy.md §3).
    await client.applicationDeploy({ applicationId, title: "self-deploy", description: plan.image });
    this.step("deploy", "requested");
    const row = await this.waitDeploy(applicationId, baseline);
    if (row.status !== "done") {
      let logs = "";
      if (row.status === "error") {
        try {
          logs = await client.deploymentLogs(row.deploymentId, 30);
        } catch {
          logs = "(could not read the deployment's log)";
        }
      }
      throw new FailedError(
        `Dokploy's deployment ${row.deploymentId} ended with status "${row.status}"${row.errorMessage ? `: ${row.errorMessage}` : ""}` +
          (logs.trim()
            ? `\nLast lines of its log:\n${logs
                .trimEnd()
                .split("\n")
                .map((l) => `  | ${l}`)
                .join("\n")}`
            : ""),
      );
    }
    this.step("deploy", `done (deployment ${row.deploymentId})`);
    const health = await this.waitHealthy(deployRequestedAt);
    this.step("health", health);
  }

  private async waitDeploy(applicationId: string, baselineId: string | null): Promise<DeploymentRow> {
    let announced = "";
    const note = (what: string) => {
      if (what !== announced) this.step("deploy", what);
      announced = what;
    };
    try {
      return await waitForDokployDeploy(this.client, {
        applicationId,
        baselineId,
        deadline: Date.now() + this.plan.deployTimeoutMs,
        intervalMs: this.plan.pollIntervalMs,
        onQueued: () => note("queued in Dokploy's build queue"),
        onRunning: (row) => note(`running (deployment ${row.deploymentId})`),
      });
    } catch (err) {
      if (err instanceof SagaError) throw new FailedError(`${err.message} (waited ${formatMs(this.plan.deployTimeoutMs)}, --deploy-timeout)`);
      throw err;
    }
  }

  /** Until a portal that started after the deploy request answers "healthy". */
  private async waitHealthy(deployRequestedAt: number): Promise<string> {
    const { healthUrl, healthTimeoutMs, pollIntervalMs } = this.plan;
    const deadline = Date.now() + healthTimeoutMs;
    let last = "no answer yet";
    let announced = "";
    for (;;) {
      const left = deadline - Date.now();
      try {
        const res = await fetch(healthUrl, { signal: AbortSignal.timeout(Math.max(100, Math.min(10_000, left))), redirect: "follow" });
        const body = (await res.json().catch(() => null)) as {
          status?: string;
          version?: string;
          uptimeSeconds?: number;
          checks?: { dokploy?: { status?: string } };
        } | null;
        const sinceDeploy = (Date.now() - deployRequestedAt) / 1000;
        if (!body || typeof body.status !== "string") last = `HTTP ${res.status} without a health report`;
        else if (typeof body.uptimeSeconds === "number" && body.uptimeSeconds > sinceDeploy + 2)
          last = `a portal answers, but it has been up ${body.uptimeSeconds} s: the one from before this deploy`;
        else if (res.status === 200 && body.status === "healthy")
          return `healthy (version ${body.version ?? "?"}, up ${body.uptimeSeconds ?? "?"} s) at ${healthUrl}`;
        else last = `HTTP ${res.status}, status "${body.status}"${body.checks?.dokploy?.status ? ` (dokploy: ${body.checks.dokploy.status})` : ""}`;
      } catch (err) {
        last = describeFetchError(err);
      }
      if (last !== announced) this.step("health", `waiting: ${last}`);
      announced = last;
      if (Date.now() >= deadline)
        throw new FailedError(
          `the new portal did not answer "healthy" at ${healthUrl} within ${formatMs(healthTimeoutMs)} (--health-timeout); last: ${last}`,
        );
      await sleep(Math.min(pollIntervalMs, Math.max(0, deadline - Date.now())));
    }
  }
}

export function explain(err: unknown, plan: Plan | null): string {
  if (err instanceof DokployError) {
    const where = plan ? ` at ${plan.dokployUrl}` : "";
    const status = err.status ? ` (HTTP ${err.status}${err.code ? ` ${err.code}` : ""})` : "";
    switch (err.failure) {
      case "unauthorized":
        return `Dokploy${where} rejected DOKPLOY_API_TOKEN on ${err.procedure}${status}. Check the key; a key created without turning its rate limit off stops working after a few calls (docs/operations.md).`;
      case "unavailable":
      case "timeout":
      case "circuit_open":
        return `Dokploy${where} did not answer ${err.procedure} usefully${status}: ${err.message}`;
      default:
        return `Dokploy refused ${err.procedure}${status}: ${err.message}`;
    }
  }
  return err instanceof Error ? err.message : String(err);
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let plan: Plan | "help";
  try {
    plan = buildPlan(argv, env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`self-deploy: ${err.message}\n(run with --help for the options)\n`);
      return 2;
    }
    throw err;
  }
  if (plan === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const run = new Run(plan);
  run.printPlan();
  try {
    const found = await run.lookup();
    run.describe(found);
    if (plan.dryRun) {
      run.say("Dry run: nothing was changed.");
      return 0;
    }
    await run.apply(found);
    run.say(`Deployed ${plan.image} to https://${plan.host}`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`self-deploy: ${run.scrub(err.message)}\n`);
      return 2;
    }
    process.stderr.write(`self-deploy failed: ${run.scrub(explain(err, plan))}\n`);
    return 1;
  }
}

if (import.meta.main) process.exit(await main(process.argv.slice(2), process.env));
