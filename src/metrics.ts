import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "./prom.ts";
import type { CircuitStateName } from "./dokploy/resilience.ts";
import type { ReconcileReport } from "./stacks/upkeep/reconcile.ts";
import type { NodeCapacity } from "./stacks/fleet/node-capacity.ts";

/**
 * The portal's Prometheus metrics. Domain code reports through plain callbacks; only this
 * module knows the metric names.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly deployments = new Counter({
    name: "portal_deployments_total",
    help: "Finished deployments by kind (deploy, delete, and the owner operations stop, start, restart, redeploy, password) and outcome (succeeded, or the error code)",
    labelNames: ["kind", "outcome"] as const,
    registers: [this.registry],
  });
  readonly stepDuration = new Histogram({
    name: "portal_deployment_step_duration_seconds",
    help: "Duration of each deployment step",
    labelNames: ["kind", "step", "state"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly dokployCalls = new Counter({
    name: "portal_dokploy_calls_total",
    help: "Dokploy API calls by procedure and HTTP status (or failure kind)",
    labelNames: ["procedure", "status"] as const,
    registers: [this.registry],
  });
  readonly dokployLatency = new Histogram({
    name: "portal_dokploy_call_duration_seconds",
    help: "Dokploy API call latency, waiting for the bulkhead included",
    labelNames: ["procedure"] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly circuit = new Gauge({
    name: "portal_dokploy_circuit_state",
    help: "Dokploy circuit breaker: 0 closed, 1 half-open, 2 open",
    registers: [this.registry],
  });
  readonly circuitChanges = new Counter({
    name: "portal_dokploy_circuit_transitions_total",
    help: "Circuit breaker state changes, by the state entered",
    labelNames: ["state"] as const,
    registers: [this.registry],
  });
  readonly sseConnections = new Gauge({
    name: "portal_sse_connections",
    help: "Open event-stream connections",
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: "portal_rate_limited_requests_total",
    help: "Requests refused by a rate limit, by limit",
    labelNames: ["limit"] as const,
    registers: [this.registry],
  });
  readonly stacks = new Gauge({
    name: "portal_stacks",
    help: "Stacks in the store by status",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  readonly orphans = new Gauge({
    name: "portal_orphaned_resources",
    help: "Resources found by the last reconcile: Dokploy projects unknown to the store, stacks whose Dokploy resources are gone, rollback leftovers, Swarm services with no application",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly operations = new Counter({
    name: "portal_stack_operations_total",
    help: "Owner operation requests (stop, start, restart, redeploy, password) by outcome: accepted, nothing_to_do, or the refusal's code",
    labelNames: ["operation", "outcome"] as const,
    registers: [this.registry],
  });
  readonly idleChecks = new Counter({
    name: "portal_idle_checks_total",
    help: "Idle checks of running stacks by outcome: stopped (an idle stop), busy, active, kept_awake (by its owner), unknown (OpenCode could not be read), skipped",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly idleWarnings = new Counter({
    name: "portal_idle_warnings_total",
    help: "Warnings of a coming idle stop posted to IDLE_WARNING_WEBHOOK, by outcome: sent, failed",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly deploysRefused = new Counter({
    name: "portal_deploys_refused_total",
    help: "Deploys refused for want of room, by reason: no_capacity (no Swarm node has room), capacity_reached (MAX_STACKS)",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly deployQueue = new Gauge({
    name: "portal_deploy_queue_length",
    help: "Deploys waiting in the portal's own queue for a slot",
    registers: [this.registry],
  });

  readonly rolloutStacks = new Counter({
    name: "portal_rollout_stacks_total",
    help: "Stacks handled by image rollouts, by outcome: done, updated_stopped, failed (put back on the previous image), rollback_failed, skipped",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly rollouts = new Counter({
    name: "portal_rollout_transitions_total",
    help: "Image rollout status changes, by the status entered: running, paused, cancelled, finished",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  readonly rolloutRemaining = new Gauge({
    name: "portal_rollout_remaining_stacks",
    help: "Stacks the current image rollout has yet to handle (0 without one)",
    registers: [this.registry],
  });

  // Per Swarm node, labelled by its hostname: as many series as nodes, read at scrape time.
  readonly nodeStacks = new Gauge({
    name: "portal_node_stacks",
    help: "Live stacks pinned to each Swarm node, stopped ones included",
    labelNames: ["node"] as const,
    registers: [this.registry],
  });
  readonly nodeFreeStacks = new Gauge({
    name: "portal_node_free_stacks",
    help: "New stacks each Swarm node can take by the placement rule (0: full); nodes without a per-node bound have no series",
    labelNames: ["node"] as const,
    registers: [this.registry],
  });
  readonly nodeUnavailableStacks = new Gauge({
    name: "portal_node_unavailable_stacks",
    help: "Ready stacks that cannot run because their Swarm node is down, gone or drained",
    labelNames: ["node"] as const,
    registers: [this.registry],
  });

  // Workspace backups (BACKUP_DESTINATION_ID), read at scrape time from what the portal last learnt.
  readonly stackBackups = new Gauge({
    name: "portal_stack_backups",
    help: "Ready stacks by the state of their volume backups: ok, failing, never (none good yet), none (no schedule), out_of_reach",
    labelNames: ["state"] as const,
    registers: [this.registry],
  });
  readonly oldestBackupAge = new Gauge({
    name: "portal_stack_backup_oldest_age_seconds",
    help: "Age of the oldest of the ready stacks' last good backups (alert above a day and a bit); 0 while none has one (see state=never)",
    registers: [this.registry],
  });

  // The database and retention (src/stacks/upkeep/history-keeper.ts).
  readonly databaseBytes = new Gauge({
    name: "portal_database_bytes",
    help: "Size of the SQLite database file (its pages; the WAL not included), read at scrape time",
    registers: [this.registry],
  });
  readonly databaseFreeBytes = new Gauge({
    name: "portal_database_free_bytes",
    help: "Of portal_database_bytes, free pages: reused by new rows, or given back by the next retention pass",
    registers: [this.registry],
  });
  readonly prunedRows = new Counter({
    name: "portal_retention_pruned_rows_total",
    help: "Rows retention removed: history (finished deployments' events and reports, HISTORY_RETENTION), deleted_stacks (their deployments and all hanging from them), audit (AUDIT_RETENTION)",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly retentionPass = new Gauge({
    name: "portal_retention_last_pass_timestamp_seconds",
    help: "When the last retention pass ended (Unix time); 0 before the first",
    registers: [this.registry],
  });

  // The warm pool (src/stacks/pool/).
  readonly pool = new Gauge({
    name: "portal_pool_stacks",
    help: "The warm pool: stacks wanted (POOL_SIZE), ready to be claimed, and being made",
    labelNames: ["state"] as const,
    registers: [this.registry],
  });
  readonly poolStacks = new Counter({
    name: "portal_pool_stack_events_total",
    help: "Pooled stacks made (ready), that could not be made (failed), and let go (replaced: another image, POOL_MAX_AGE, or beyond the size)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly poolClaims = new Counter({
    name: "portal_pool_claims_total",
    help: "Deploys that took a pooled stack, by how they ended: ready, failed",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly poolClaimSeconds = new Histogram({
    name: "portal_pool_claim_duration_seconds",
    help: "From the deploy request to ready, for deploys that took a pooled stack",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });

  private defaultsCollected = false;

  /**
   * prom-client's default metrics (process CPU and memory, event loop lag, heap, GC), registered
   * once. Not in the constructor (why: cold start): loading them (OpenTelemetry's API comes along)
   * and their first heap read cost ~30 ms, so the portal calls this shortly after it listens, and
   * a scrape that comes earlier calls it first.
   */
  collectDefaults(): void {
    if (this.defaultsCollected) return;
    this.defaultsCollected = true;
    collectDefaultMetrics({ register: this.registry, prefix: "portal_" });
  }

  /** What is left over after the last reconcile (removed orphans no longer count). */
  observeReconcile(report: ReconcileReport): void {
    this.orphans.set({ kind: "project" }, report.orphanProjects.filter((o) => !o.removed).length);
    this.orphans.set({ kind: "lost_stack" }, report.lostStacks.filter((l) => !l.marked).length);
    this.orphans.set(
      { kind: "leftover" },
      report.cleanupFailed.reduce((n, c) => n + c.leftovers.length, 0),
    );
    // Unknown (the service list could not be read) keeps the last count.
    if (report.orphanServices) this.orphans.set({ kind: "service" }, report.orphanServices.length);
  }

  /** Gauges read at scrape time. */
  observeState(stacksByStatus: Record<string, number>, circuit: CircuitStateName): void {
    this.stacks.reset();
    for (const [status, n] of Object.entries(stacksByStatus)) this.stacks.set({ status }, n);
    this.circuit.set(CIRCUIT_VALUES[circuit]);
  }

  /** The database's size at scrape time. */
  observePool(figures: { wanted: number; ready: number; warming: number }): void {
    for (const [state, n] of Object.entries(figures)) this.pool.set({ state }, n);
  }

  observeDatabase(size: { bytes: number; freeBytes: number }): void {
    this.databaseBytes.set(size.bytes);
    this.databaseFreeBytes.set(size.freeBytes);
  }

  /** Backups at scrape time; null: backups are off (no series). */
  observeBackups(states: { counts: Record<string, number>; oldestSuccessAt: string | null } | null): void {
    this.stackBackups.reset();
    this.oldestBackupAge.reset();
    if (!states) return;
    for (const [state, n] of Object.entries(states.counts)) this.stackBackups.set({ state }, n);
    if (states.oldestSuccessAt) this.oldestBackupAge.set(Math.max(0, (Date.now() - Date.parse(states.oldestSuccessAt)) / 1000));
  }

  /** Per node at scrape time; null: Dokploy's node list could not be read, so no node series rather than stale ones. */
  observeNodes(nodes: NodeCapacity[] | null): void {
    this.nodeStacks.reset();
    this.nodeFreeStacks.reset();
    this.nodeUnavailableStacks.reset();
    for (const n of nodes ?? []) {
      this.nodeStacks.set({ node: n.hostname }, n.stacks);
      if (n.freeStacks !== null) this.nodeFreeStacks.set({ node: n.hostname }, n.freeStacks);
      this.nodeUnavailableStacks.set({ node: n.hostname }, n.affected.length);
    }
  }
}

const CIRCUIT_VALUES: Record<CircuitStateName, number> = { closed: 0, "half-open": 1, open: 2 };
