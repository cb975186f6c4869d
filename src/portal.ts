import type { Server } from "bun";
import pkg from "../package.json" with { type: "json" };
import type { Config } from "./config.ts";
import { DokployClient } from "./dokploy/client.ts";
import { DokployHealthCheck } from "./dokploy/health.ts";
import type { Hono } from "hono";
import { createApp } from "./http/app.ts";
import type { AppEnv } from "./http/env.ts";
import type { Logger } from "./log.ts";
import { AvailabilityIndex } from "./stacks/deploy/availability.ts";
import { EventBus } from "./stacks/runs/event-bus.ts";
import { waitUntilUp } from "./stacks/probe/wait-until-up.ts";
import { StackService } from "./stacks/deploy/stack-service.ts";
import { Store } from "./store/index.ts";
import { Metrics } from "./metrics.ts";
import { DeploySlots } from "./stacks/runs/deploy-slots.ts";
import { Runner } from "./stacks/runs/runner.ts";
import { StackAccess } from "./stacks/owners/access.ts";
import { OrphanServiceWatch } from "./stacks/upkeep/orphan-services.ts";
import { Reconciler } from "./stacks/upkeep/reconcile.ts";
import { VolumeReaper } from "./stacks/upkeep/volume-reaper.ts";
import { StackOperations } from "./stacks/operations/operation-service.ts";
import { IdleStopper } from "./stacks/upkeep/idle-stop.ts";
import { webhookSender } from "./stacks/upkeep/idle-warning.ts";
import { authFromConfig } from "./auth/index.ts";
import { RolloutManager } from "./stacks/rollout/rollout-manager.ts";
import { ClusterView } from "./stacks/placement/nodes.ts";
import { Fleet } from "./stacks/fleet/fleet.ts";
import { stackMover } from "./stacks/fleet/move-stack.ts";
import { AuditTrail } from "./stacks/owners/audit-trail.ts";
import { BackupKeeper } from "./stacks/backups/backups.ts";
import { StackSso } from "./stacks/sso/stack-sso.ts";
import { HistoryKeeper } from "./stacks/upkeep/history-keeper.ts";
import { WarmPool } from "./stacks/pool/warm-pool.ts";
import { currentFleetImage } from "./stacks/rollout/fleet-image.ts";
import { DeployRefunds } from "./http/deploy-refunds.ts";

/**
 * Wires the portal together: store -> Dokploy client -> domain -> HTTP app -> Bun.serve.
 * main.ts adds the process concerns (config from env, sandbox, signals); tests call this.
 */

export interface PortalOptions {
  config: Config;
  log: Logger;
  mode: "dokploy" | "sandbox";
  /** Dokploy to talk to (the embedded sandbox's URL in sandbox mode). */
  dokployUrl: string;
  dokployApiKey: string;
  /** Probe spec override (sandbox mode routes probes to the sandbox by Host header). */
  probeUrls?: string;
  heartbeatMs?: number;
  /** Already open (main.ts opens it first, to fail before starting anything else). */
  store?: Store;
  cleanup?: { attempts: number; baseDelayMs: number };
  /** The sign-in sessions' clock in ms (tests move it instead of waiting for expiry). */
  sessionClock?: () => number;
  /** How often the warm pool looks at itself besides after its runs (5 s). */
  poolIntervalMs?: number;
  /** When prom-client's default metrics are loaded after the portal listens (1 s; a scrape loads them at once). */
  defaultMetricsAfterMs?: number;
}

export interface Portal {
  server: Server<unknown>;
  /** The HTTP app (its routes are what the OpenAPI document must describe). */
  app: Hono<AppEnv>;
  url: string;
  store: Store;
  stacks: StackService;
  /** Every run (deploy, delete, operation): tests wait for them with settle. */
  runner: Runner;
  /** Retention's background passes (tests run one with runOnce). */
  retention: HistoryKeeper;
  /** Removes the volumes of owners who are gone, once their name's hold is over (tests run one with run). */
  volumes: VolumeReaper;
  stop(): Promise<void>;
}

export async function startPortal(opts: PortalOptions): Promise<Portal> {
  const { config, log } = opts;
  const store = opts.store ?? Store.open(config.DATA_DIR);
  // Once per file made before retention: a VACUUM, before the portal answers anyone.
  const vacuum = store.convertToIncrementalVacuum();
  if (vacuum.error)
    log.warn(
      { err: vacuum.error, ms: Math.round(vacuum.ms) },
      "the database could not be rewritten for incremental vacuum (free disk about its size is needed); pruned space is reused but not given back; trying again at the next start",
    );
  else if (vacuum.converted)
    log.info({ ms: Math.round(vacuum.ms), bytes: store.size().bytes }, "the database was rewritten once for incremental vacuum");
  const fleetImage = currentFleetImage({ store, config }).current;
  if (fleetImage !== config.STACK_IMAGE)
    log.warn(
      { stackImage: config.STACK_IMAGE, fleetImage },
      "STACK_IMAGE is not the fleet's current image (the last finished rollout's): new stacks and upgrades get the fleet's image until STACK_IMAGE is rolled out",
    );
  const metrics = new Metrics();
  const client = new DokployClient({
    baseUrl: opts.dokployUrl,
    apiKey: opts.dokployApiKey,
    timeoutMs: config.DOKPLOY_TIMEOUT,
    // A start answers once Swarm has the task up (and healthy): as long as a stack may take.
    scaleTimeoutMs: config.HEALTH_TIMEOUT + config.DOKPLOY_TIMEOUT,
    maxConcurrency: config.DOKPLOY_MAX_CONCURRENCY,
    circuitFailures: config.DOKPLOY_CIRCUIT_FAILURES,
    circuitCooldownMs: config.DOKPLOY_CIRCUIT_COOLDOWN,
    onCircuitChange: (state) => {
      log.warn({ circuit: state }, `Dokploy circuit ${state}`);
      metrics.circuitChanges.inc({ state });
    },
    onCall: ({ procedure, outcome, durationMs }) => {
      metrics.dokployCalls.inc({ procedure, status: outcome });
      metrics.dokployLatency.observe({ procedure }, durationMs / 1000);
    },
  });
  const events = new EventBus(store.deployments);
  const availability = new AvailabilityIndex(
    store,
    client,
    {
      prefix: config.STACK_PROJECT_PREFIX,
      suffix: config.STACK_DOMAIN_SUFFIX,
      reserved: config.RESERVED_NAMES,
      quarantineDays: config.NAME_QUARANTINE_DAYS,
      cacheTtlMs: config.AVAILABILITY_CACHE_TTL,
    },
    log,
  );
  const cluster = new ClusterView(client);
  const sagaDeps = {
    client,
    cluster,
    store,
    events,
    log,
    config: { ...config, STACK_PROBE_URLS: opts.probeUrls ?? config.STACK_PROBE_URLS },
    waitUntilUp,
    cleanup: opts.cleanup ?? { attempts: 5, baseDelayMs: 500 },
    onStep: (kind: string, step: string, state: string, ms: number) => metrics.stepDuration.observe({ kind, step, state }, ms / 1000),
    // serviceWatch is made below; a teardown cannot run before start-up is done.
    onBuildOutlivedDelete: (appName: string) => serviceWatch.expect(appName),
  };
  // Unset, the warm pool shows itself on the embedded sandbox and stays off on a real Dokploy.
  const poolSize = config.POOL_SIZE ?? (opts.mode === "sandbox" ? 2 : 0);
  const fleet = new Fleet(sagaDeps, cluster, { ...config, POOL_SIZE: poolSize });
  const backups = new BackupKeeper(sagaDeps, config.NAME_QUARANTINE_DAYS);
  const deployRefunds = new DeployRefunds();
  const slots = new DeploySlots(config.MAX_CONCURRENT_DEPLOYS, (n) => metrics.deployQueue.set(n));
  const auth = authFromConfig(config, store, opts.sessionClock);
  const runner = new Runner({
    store,
    events,
    log,
    slots,
    onEnded: (kind, deployment) => {
      if (kind === "deploy" && deployment)
        deployRefunds.settle(deployment.id, deployment.status === "failed" ? (deployment.error?.code ?? "internal") : null);
      if (deployment)
        metrics.deployments.inc({ kind, outcome: deployment.status === "succeeded" ? "succeeded" : (deployment.error?.code ?? deployment.status) });
      const stack = deployment ? store.stacks.byId(deployment.stackId) : null;
      // A name no longer in use may be free again: the availability cache must not say "taken".
      if (stack && stack.status !== "ready" && stack.status !== "deploying") availability.forget(stack.name);
      // The gate reads the stack's password again at once, not after its cache's 10 s (stackSso is made below).
      if (kind === "password" && stack?.applicationId) stackSso.forget(stack.applicationId);
      // A stack gone (or a run's slot free) may let the pool grow again (made below).
      pool.nudge();
    },
  });
  const access = new StackAccess(store, { adminToken: config.ADMIN_TOKEN, requireSignIn: auth !== null });
  const pool = new WarmPool(sagaDeps, runner, slots, {
    size: poolSize,
    maxAgeMs: config.POOL_MAX_AGE,
    maxStacks: config.MAX_STACKS,
    intervalMs: opts.poolIntervalMs ?? 5_000,
    onMember: (outcome) => metrics.poolStacks.inc({ outcome }),
  });
  const stacks = new StackService(sagaDeps, availability, runner, access, {
    maxStacksPerUser: config.MAX_STACKS_PER_USER,
    maxStacks: config.MAX_STACKS,
    onRefused: (reason) => metrics.deploysRefused.inc({ reason }),
    pool: pool.size > 0 ? pool : null,
    onClaimEnded: (ms, outcome) => {
      metrics.poolClaims.inc({ outcome });
      if (outcome === "ready") metrics.poolClaimSeconds.observe(ms / 1000);
    },
  });
  // STACK_SSO: the forwardAuth gate (stack-sso.ts); off with an address left set, it cleans up.
  const stackSso = new StackSso(sagaDeps, {
    on: config.STACK_SSO === "on",
    address: config.STACK_SSO_ADDRESS ?? null,
    admins: config.STACK_SSO_ADMINS === "on",
  });
  // When a stack stops for idleness, and what its owner may do about it (upkeep/idle-forecast.ts).
  const idleRules = {
    stopAfterMs: config.IDLE_STOP_AFTER,
    keepAwakeMaxMs: config.IDLE_KEEP_AWAKE_MAX,
    warningBeforeMs: config.IDLE_WARNING_BEFORE,
  };
  const operations = new StackOperations(sagaDeps, runner, access, {
    idle: idleRules,
    onRequest: (operation, outcome) => metrics.operations.inc({ operation, outcome }),
    secrets: [opts.dokployApiKey, config.ADMIN_TOKEN, config.METRICS_TOKEN],
    fleet,
  });
  const rollouts = new RolloutManager(sagaDeps, operations, {
    onStack: (outcome) => metrics.rolloutStacks.inc({ outcome }),
    onStatus: (status) => metrics.rollouts.inc({ status }),
    onRemaining: (n) => metrics.rolloutRemaining.set(n),
  });
  const idle = new IdleStopper(sagaDeps, operations, {
    rules: idleRules,
    intervalMs: config.IDLE_CHECK_INTERVAL,
    publicUrl: config.PUBLIC_URL,
    warn: config.IDLE_WARNING_WEBHOOK ? webhookSender(config.IDLE_WARNING_WEBHOOK, log) : undefined,
    onCheck: (outcome) => metrics.idleChecks.inc({ outcome }),
    onWarning: (sent) => metrics.idleWarnings.inc({ outcome: sent ? "sent" : "failed" }),
  });
  const reconciler = new Reconciler(sagaDeps, (report) => metrics.observeReconcile(report));
  const volumes = new VolumeReaper(sagaDeps, config.NAME_QUARANTINE_DAYS);
  const keeper = new HistoryKeeper(store, log, {
    historyMs: config.HISTORY_RETENTION,
    auditMs: config.AUDIT_RETENTION,
    quarantineDays: config.NAME_QUARANTINE_DAYS,
    intervalMs: config.RETENTION_INTERVAL,
    onPruned: (kind, rows) => metrics.prunedRows.inc({ kind }, rows),
    onPass: (at) => metrics.retentionPass.set(at / 1000),
  });
  // A build that outlives its application's delete: once its service shows, a reconcile reports it.
  const serviceWatch = new OrphanServiceWatch(sagaDeps, () => {
    reconciler.run(false).catch((err) => log.warn({ err: String(err) }, "reconcile after an orphaned service failed"));
  });
  if (config.STACK_SSO_ADDRESS)
    void stackSso.atStart().then(
      (outcome) => log.info({ outcome }, "stack sign-in (STACK_SSO) applied to Traefik's middleware file"),
      (err) => log.warn({ err: err instanceof Error ? err.message : String(err) }, "stack sign-in: Traefik's middleware file could not be updated"),
    );
  const app = createApp({
    log,
    availability,
    stacks,
    audit: new AuditTrail(store.audit),
    databaseUp: () => store.healthy(),
    events,
    reconciler,
    metrics,
    metricsToken: config.METRICS_TOKEN,
    refreshMetrics: async () => {
      metrics.collectDefaults();
      metrics.observeState(store.stacks.countByStatus(), client.resilience.circuit);
      metrics.observeDatabase(store.size());
      metrics.observePool(pool.figures());
      // Per node: a scrape waits for Dokploy's node list a short while at most (unknown: no node series).
      const [nodes, backups] = await Promise.all([
        fleet.nodeFigures(AbortSignal.timeout(1_500)).catch(() => null),
        fleet.backupStates().catch(() => null),
      ]);
      metrics.observeNodes(nodes);
      metrics.observeBackups(backups);
    },
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    onWatchers: (delta) => metrics.sseConnections.inc(delta),
    dokploy: new DokployHealthCheck(client, { budgetMs: 1_500, cacheMs: 2_000 }),
    version: pkg.version,
    mode: opts.mode,
    startedAt: Date.now(),
    adminToken: config.ADMIN_TOKEN,
    nameQuarantineDays: config.NAME_QUARANTINE_DAYS,
    trustProxy: config.TRUST_PROXY,
    ipv6Prefix: config.RATE_LIMIT_IPV6_PREFIX,
    bodyTimeoutMs: config.BODY_TIMEOUT,
    corsOrigins: config.CORS_ORIGINS,
    limits: {
      deploy: config.RATE_LIMIT_DEPLOY,
      delete: config.RATE_LIMIT_DELETE,
      check: config.RATE_LIMIT_CHECK,
      auth: config.RATE_LIMIT_AUTH,
      operations: config.RATE_LIMIT_OPERATIONS,
    },
    deployRefunds,
    operations,
    auth,
    rollouts,
    fleet,
    moveStack: stackMover({ fleet, operations, store }),
    stackSso: stackSso.on ? stackSso : null,
  });
  const recovered = runner.recover((deployment) => stacks.resume(deployment) || operations.resume(deployment));
  // After the runs: a rollout waits for its redeploys that were recovered just now.
  rollouts.recover();
  if (Object.keys(recovered).length) log.warn({ recovered }, "resuming deployments interrupted by a restart");
  reconciler.start(config.RECONCILE_INTERVAL);
  // After the runs: a pooled stack half made when the portal stopped is being removed just now.
  pool.start();
  idle.start();
  // Backups past their stack's quarantine are removed at start and every hour after.
  backups.start(60 * 60 * 1000);
  keeper.start();
  // The volumes of gone owners go with the rest of what retention lets go.
  volumes.start(config.RETENTION_INTERVAL);
  const server = Bun.serve({
    hostname: config.HOST,
    port: config.PORT,
    fetch: app.fetch,
    // SSE streams send a heartbeat every 15 s; keep idle connections longer than that.
    idleTimeout: 60,
  });
  // The default metrics once the portal answers, not before (cold start; see Metrics.collectDefaults).
  const collectDefaults = setTimeout(() => metrics.collectDefaults(), opts.defaultMetricsAfterMs ?? 1_000);
  const url = `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${server.port}`;
  return {
    server,
    app,
    url,
    store,
    stacks,
    runner,
    retention: keeper,
    volumes,
    async stop() {
      clearTimeout(collectDefaults);
      reconciler.stop();
      await pool.stop();
      volumes.stop();
      await rollouts.stop();
      await idle.stop();
      await backups.stop();
      await keeper.stop();
      serviceWatch.stop();
      await server.stop(true);
      store.close();
    },
  };
}
