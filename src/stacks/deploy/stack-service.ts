import type { Deployment, Stack } from "../model/vocabulary.ts";
import type { WarmPool } from "../pool/warm-pool.ts";
import type { AvailabilityIndex } from "./availability.ts";
import { deleteStack } from "./delete-saga.ts";
import { provision } from "./deploy-saga.ts";
import { now } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";
import type { Runner } from "../runs/runner.ts";
import { hashToken, newManagementToken, newStackPassword, tokenMatches } from "../owners/secrets.ts";
import { IdempotencyGuard } from "./idempotency.ts";
import { normaliseName } from "../model/names.ts";
import { volumesFor } from "../owners/volume-generations.ts";
import { ownerOf, sameOwner } from "../owners/person.ts";
import { Ownership } from "../owners/ownership.ts";
import { Sharing } from "../owners/sharing.ts";
import type { Actor, RequestContext, StackAccess } from "../owners/access.ts";
import { type Problem, type Result, fail } from "../model/result.ts";
import { type ClusterNode, chooseNode, describeRoom, roomOf } from "../placement/nodes.ts";
import { messageFor } from "./name-messages.ts";
import { StackReads } from "./stack-reads.ts";
import { recordAudit } from "../owners/audit-trail.ts";

/**
 * The stacks use cases behind the HTTP API: deploy and delete, and picking them up again after a restart.
 * Results are plain values with stable codes; the HTTP layer maps them to statuses.
 */

export interface DeployAccepted {
  deploymentId: string;
  name: string;
  url: string;
  /** Absent when sign-in is on: the signed-in owner manages the stack without one. */
  managementToken?: string;
  credentials: { username: string; password: string };
}

export interface DeleteAccepted {
  deploymentId: string;
  name: string;
  actor: Actor;
}

export interface StackServiceOptions {
  /** Live stacks at most; 0 means no limit. */
  maxStacks: number;
  /** Live stacks a person may own at once; 0 means no limit. */
  maxStacksPerUser?: number;
  /** Called when a deploy is refused for want of room: "no_capacity" (no node has room) or "capacity_reached" (MAX_STACKS). */
  onRefused?: (reason: "no_capacity" | "capacity_reached") => void;
  /** The warm pool, when on: a deploy takes a ready stack from it when it can. */
  pool?: WarmPool | null;
  /** A deploy that took a pooled stack ended: how long from the request to its end, and how. */
  onClaimEnded?: (ms: number, outcome: "ready" | "failed") => void;
}

export class StackService {
  private readonly idempotency: IdempotencyGuard;
  /** Who owns which stack (AUTH_MODE=oidc): claims, "Your stacks", the per-person limit. */
  readonly ownership: Ownership;
  /** Who else the owner lets open or manage a stack (AUTH_MODE=oidc). */
  readonly sharing: Sharing;
  /** What anyone may read of a stack and its deployments. */
  readonly reads: StackReads;

  constructor(
    private readonly deps: Ports,
    private readonly availability: AvailabilityIndex,
    private readonly runner: Runner,
    readonly access: StackAccess,
    private readonly opts: StackServiceOptions,
  ) {
    this.idempotency = new IdempotencyGuard(deps.store.idempotency, (deploymentId) => {
      const deployment = deps.store.deployments.byId(deploymentId);
      const status = deployment ? deps.store.stacks.byId(deployment.stackId)?.status : undefined;
      return status === undefined || status === "deleting" || status === "deleted";
    });
    this.ownership = new Ownership(deps.store, opts.maxStacksPerUser ?? 0);
    this.sharing = new Sharing(deps.store, access);
    this.reads = new StackReads(deps.store, runner);
  }

  async deploy(rawName: string, ctx: RequestContext = {}): Promise<Result<DeployAccepted & { replayed?: boolean }>> {
    const name = normaliseName(rawName);
    // Any Bearer value may come along; only one that reclaimed a held name speaks for an owner.
    let reclaimed = false;
    /** The pooled stack a deploy took, for the audit log (operators see claims; owners never do). */
    let fromPool: string | null = null;
    const start = () =>
      this.startDeploy(
        rawName,
        ctx,
        () => {
          reclaimed = true;
        },
        (pooled) => {
          fromPool = pooled;
        },
      );
    const result =
      this.access.requireSignIn && !ctx.person
        ? fail("sign_in_required", "Sign in to deploy a stack")
        : ctx.idempotencyKey
          ? await this.idempotency.run(ctx.idempotencyKey, name, start)
          : await start();
    this.audit("deploy", name, ctx, result, ctx.person ? "person" : result.ok && reclaimed ? "management" : "anonymous", fromPool && { fromPool });
    return result;
  }

  private async startDeploy(
    rawName: string,
    ctx: RequestContext,
    onReclaim: () => void,
    onPool: (pooled: string) => void,
  ): Promise<Result<DeployAccepted>> {
    const { bearer, person } = ctx;
    /** Is this the earlier owner of a stack of the name: its token, or its signed-in owner. */
    const owns = (hash: string, owner: { issuer: string; subject: string } | null) =>
      (bearer !== undefined && tokenMatches(bearer, hash)) || (person !== undefined && owner !== null && sameOwner(owner, person));
    const check = await this.availability.check(rawName, {
      // A quarantined name goes back to whoever shows its token, or to its signed-in owner.
      quarantineToken: (hash, owner) => {
        const own = owns(hash, owner);
        if (own) onReclaim();
        return own;
      },
    });
    if (check.reason) return fail(check.reason, messageFor(check.reason, check.name));
    let nodes: ClusterNode[] | null = null;
    try {
      nodes = this.deps.cluster ? await this.deps.cluster.forPlacement() : null;
    } catch (err) {
      this.deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, "Dokploy's node list could not be read");
      return fail("dokploy_unavailable", "Dokploy could not say which server has room for the stack; try again shortly");
    }
    const managementToken = newManagementToken();
    const deploymentId = crypto.randomUUID();
    /** Why the portal cannot take another stack for this person now, if it cannot. */
    const limited = () => {
      if (this.opts.maxStacks > 0 && this.deps.store.stacks.countLive() >= this.opts.maxStacks) return "full" as const;
      if (person && this.ownership.atLimit(person)) return "personal_limit" as const;
      return null;
    };
    // A returning owner gets their own volumes back, which only a stack made for them mounts.
    const returning = this.deps.store.stacks.volumeHistory(check.name).some((h) => owns(h.tokenHash, h.owner));
    if (this.opts.pool && !returning) {
      const taken = await this.opts.pool.take(
        nodes,
        { name: check.name, url: check.url, tokenHash: hashToken(managementToken) },
        limited,
        (stack) => {
          if (person) this.deps.store.owners.claim(stack.id, ownerOf(person), now());
          return this.deps.store.deployments.insert(deploymentId, stack.id, "deploy", now(), true);
        },
      );
      if (typeof taken === "string") return this.refused(taken, check.name, nodes);
      if (taken) {
        onPool(taken.pooledAs);
        return this.started(check, taken, managementToken);
      }
    }
    const password = newStackPassword();
    const created = this.deps.store.transaction(() => {
      const limit = limited();
      if (limit) return limit;
      // Counted inside the transaction, so that two deploys cannot both take a node's last place.
      const node = chooseNode(nodes, this.deps.store.placements.liveCounts(), this.deps.config);
      if (node === "full") return "nodes_full" as const;
      // A new owner gets volumes never used; a returning one (their old token, or signed in) their own.
      const volumes = volumesFor(this.deps.store.stacks.volumeHistory(check.name), (h) => owns(h.tokenHash, h.owner));
      const stack = this.deps.store.stacks.insert(check.name, check.url, hashToken(managementToken), now(), volumes);
      if (!stack) return null;
      if (person) this.deps.store.owners.claim(stack.id, ownerOf(person), now());
      if (node) this.deps.store.placements.set(stack.id, node.id, node.hostname, now());
      return { stack, deployment: this.deps.store.deployments.insert(deploymentId, stack.id, "deploy", now()) };
    });
    if (typeof created === "string") return this.refused(created, check.name, nodes);
    // Lost the race for the name to a concurrent request.
    if (!created) return this.refused("taken", check.name, nodes);
    return this.started(check, { ...created, password }, managementToken);
  }

  /**
   * A deploy accepted: its run starts, and the answer hands out the secrets once. A claimed
   * stack runs already, so its run takes no deploy slot (it makes Dokploy build nothing).
   */
  private started(
    check: { name: string; url: string },
    run: { stack: Stack; deployment: Deployment; password: string },
    managementToken: string,
  ): Result<DeployAccepted> {
    const { deployment, stack, password } = run;
    const claim = deployment.fromPool;
    const deploymentId = deployment.id;
    const accepted = Date.now();
    this.deps.events.emit(deploymentId, { type: "status", data: { status: "accepted", at: now(), message: `Deploying ${check.name}` } });
    this.deps.log.info({ deploymentId, stack: check.name, ...(claim ? { fromPool: stack.appName } : {}) }, "deploy accepted");
    this.runner.start(
      deploymentId,
      "deploy",
      async (signal) => {
        await provision(this.deps, { deployment, stack, password, signal });
        if (claim) {
          const ok = this.deps.store.deployments.byId(deploymentId)?.status === "succeeded";
          this.opts.onClaimEnded?.(Date.now() - accepted, ok ? "ready" : "failed");
        }
      },
      { slot: !claim },
    );
    return {
      ok: true,
      deploymentId,
      name: check.name,
      url: check.url,
      ...(this.access.requireSignIn ? {} : { managementToken }),
      credentials: { username: "opencode", password },
    };
  }

  /** A deploy refused: the portal's or the person's limit, no node with room, or the name taken meanwhile. */
  private refused(reason: string, name: string, nodes: ClusterNode[] | null): Problem {
    if (reason === "full") {
      this.opts.onRefused?.("capacity_reached");
      return fail("capacity_reached", "The portal is at its stack limit; try again later");
    }
    if (reason === "nodes_full") return this.noCapacity(name, nodes ?? []);
    if (reason === "personal_limit") return fail("user_stack_limit", this.ownership.limitMessage());
    return fail("taken", messageFor("taken", name));
  }

  /**
   * No node has room for another stack (placement/nodes.ts): refused at once rather than left to
   * wait as a pending Swarm task until HEALTH_TIMEOUT. The platform needs an administrator
   * (more servers, or fewer stacks), so it is logged as an error with each node's room, and
   * counted; the deploy's audit entry says `no_capacity`.
   */
  private noCapacity(name: string, nodes: ClusterNode[]): Problem {
    const rooms = roomOf(nodes, this.deps.store.placements.liveCounts(), this.deps.config).map(describeRoom);
    this.deps.log.error({ stack: name, nodes: rooms }, "deploy refused: no server has room for another stack");
    this.opts.onRefused?.("no_capacity");
    return fail("no_capacity", "The platform is full: no server has room for another stack. An administrator has been told; please try again later");
  }

  /** `finalBackup: false`: the owner does not want the volumes backed up before the delete. */
  async remove(rawName: string, ctx: RequestContext = {}, opts: { finalBackup?: boolean } = {}): Promise<Result<DeleteAccepted>> {
    const result = await this.startDelete(rawName, ctx, opts.finalBackup ?? true);
    this.audit("delete", normaliseName(rawName), ctx, result, result.ok ? result.actor : ctx.person ? "person" : "anonymous");
    return result;
  }

  /** Every deploy and delete request, accepted or not, goes to the audit log. */
  private audit(
    action: string,
    name: string,
    ctx: RequestContext,
    result: Result<{ deploymentId: string }>,
    actor: Actor,
    detail: Record<string, unknown> | null = null,
  ): void {
    recordAudit(this.deps.store.audit, {
      action,
      stackName: name,
      deploymentId: result.ok ? result.deploymentId : null,
      actor,
      outcome: result.ok ? "accepted" : result.code,
      detail,
      ctx,
    });
  }

  private async startDelete(rawName: string, ctx: RequestContext, finalBackup: boolean): Promise<Result<DeleteAccepted>> {
    const name = normaliseName(rawName);
    const stack = this.deps.store.stacks.live(name);
    if (!stack) return fail("not_found", `There is no stack named "${name}"`);
    const actor = this.access.authorize(stack, ctx);
    if (typeof actor !== "string") return actor;
    // A delete already under way is the answer to a repeated delete.
    const current = this.deps.store.deployments.runningFor(stack.id);
    if (current?.kind === "delete") return { ok: true, deploymentId: current.id, name, actor };
    const deploymentId = crypto.randomUUID();
    const deployment = this.deps.store.transaction(() => {
      this.deps.store.stacks.setStatus(stack.id, "deleting", now());
      return this.deps.store.deployments.insert(deploymentId, stack.id, "delete", now());
    });
    this.deps.log.info({ deploymentId, stack: name, actor }, "delete accepted");
    this.runner.start(
      deploymentId,
      "delete",
      () => deleteStack(this.deps, { deployment, stack, cancelDeploy: () => this.runner.cancel(current?.id), finalBackup }),
      { slot: false },
    );
    return { ok: true, deploymentId, name, actor };
  }

  /**
   * After a restart (Runner.recover): deploys whose resources all exist resume waiting;
   * earlier ones roll back, as does a pooled stack half made; deletes run again. False for other kinds.
   */
  resume(deployment: Deployment): boolean {
    if (deployment.kind !== "deploy" && deployment.kind !== "delete" && deployment.kind !== "warm") return false;
    const stack = this.deps.store.stacks.existing(deployment.stackId);
    // A pooled stack half made: removed (its rollback), and the pool makes another.
    if (deployment.kind === "warm") {
      this.runner.start(deployment.id, "warm", (signal) => provision(this.deps, { deployment, stack, signal, interrupted: true }), { slot: false });
      return true;
    }
    if (deployment.kind === "delete") {
      this.runner.start(deployment.id, "delete", () => deleteStack(this.deps, { deployment, stack, cancelDeploy: async () => false }), {
        slot: false,
      });
      return true;
    }
    const resumable = (deployment.step === "wait_running" || deployment.step === "wait_healthy") && stack.applicationId;
    this.runner.start(
      deployment.id,
      "deploy",
      (signal) =>
        provision(this.deps, {
          deployment,
          stack,
          signal,
          resumeFrom: resumable ? (deployment.step as "wait_running" | "wait_healthy") : undefined,
          interrupted: !resumable,
        }),
      // A claim builds nothing: it needs no slot.
      { slot: !deployment.fromPool },
    );
    return true;
  }
}
