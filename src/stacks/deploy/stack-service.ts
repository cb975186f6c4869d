import type { Deployment } from "../model/vocabulary.ts";
import type { AvailabilityIndex } from "./availability.ts";
import { deleteStack } from "./delete-saga.ts";
import { provision } from "./deploy-saga.ts";
import { now } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";
import type { Runner } from "../runs/runner.ts";
import { hashToken, newManagementToken, newStackPassword, tokenMatches } from "../owners/secrets.ts";
import { IdempotencyGuard } from "./idempotency.ts";
import { normaliseName } from "../model/names.ts";
import { volumeGenerationFor } from "../owners/volume-generations.ts";
import { ownerOf, sameOwner } from "../owners/person.ts";
import { Ownership } from "../owners/ownership.ts";
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
}

export class StackService {
  private readonly idempotency: IdempotencyGuard;
  /** Who owns which stack (AUTH_MODE=oidc): claims, "Your stacks", the per-person limit. */
  readonly ownership: Ownership;
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
    this.reads = new StackReads(deps.store, runner);
  }

  async deploy(rawName: string, ctx: RequestContext = {}): Promise<Result<DeployAccepted & { replayed?: boolean }>> {
    const name = normaliseName(rawName);
    // Any Bearer value may come along; only one that reclaimed a held name speaks for an owner.
    let reclaimed = false;
    const start = () =>
      this.startDeploy(rawName, ctx, () => {
        reclaimed = true;
      });
    const result =
      this.access.requireSignIn && !ctx.person
        ? fail("sign_in_required", "Sign in to deploy a stack")
        : ctx.idempotencyKey
          ? await this.idempotency.run(ctx.idempotencyKey, name, start)
          : await start();
    this.audit("deploy", name, ctx, result, ctx.person ? "person" : result.ok && reclaimed ? "management" : "anonymous");
    return result;
  }

  private async startDeploy(rawName: string, ctx: RequestContext, onReclaim: () => void): Promise<Result<DeployAccepted>> {
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
    const password = newStackPassword();
    const deploymentId = crypto.randomUUID();
    const created = this.deps.store.transaction(() => {
      if (this.opts.maxStacks > 0 && this.deps.store.stacks.countLive() >= this.opts.maxStacks) return "full" as const;
      if (person && this.ownership.atLimit(person)) return "personal_limit" as const;
      // Counted inside the transaction, so that two deploys cannot both take a node's last place.
      const node = chooseNode(nodes, this.deps.store.placements.liveCounts(), this.deps.config);
      if (node === "full") return "nodes_full" as const;
      // A new owner gets volumes never used; a returning one (their old token, or signed in) their own.
      const generation = volumeGenerationFor(this.deps.store.stacks.volumeHistory(check.name), (h) => owns(h.tokenHash, h.owner));
      const stack = this.deps.store.stacks.insert(check.name, check.url, hashToken(managementToken), now(), generation);
      if (!stack) return null;
      if (person) this.deps.store.owners.claim(stack.id, ownerOf(person), now());
      if (node) this.deps.store.placements.set(stack.id, node.id, node.hostname, now());
      return { stack, deployment: this.deps.store.deployments.insert(deploymentId, stack.id, "deploy", now()) };
    });
    if (created === "full") {
      this.opts.onRefused?.("capacity_reached");
      return fail("capacity_reached", "The portal is at its stack limit; try again later");
    }
    if (created === "nodes_full") return this.noCapacity(check.name, nodes ?? []);
    if (created === "personal_limit") return fail("user_stack_limit", this.ownership.limitMessage());
    // Lost the race for the name to a concurrent request.
    if (!created) return fail("taken", messageFor("taken", check.name));
    this.deps.events.emit(deploymentId, { type: "status", data: { status: "accepted", at: now(), message: `Deploying ${check.name}` } });
    this.deps.log.info({ deploymentId, stack: check.name }, "deploy accepted");
    this.runner.start(
      deploymentId,
      "deploy",
      (signal) => provision(this.deps, { deployment: created.deployment, stack: created.stack, password, signal }),
      {
        slot: true,
      },
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
  private audit(action: string, name: string, ctx: RequestContext, result: Result<{ deploymentId: string }>, actor: Actor): void {
    recordAudit(this.deps.store.audit, {
      action,
      stackName: name,
      deploymentId: result.ok ? result.deploymentId : null,
      actor,
      outcome: result.ok ? "accepted" : result.code,
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
   * earlier ones roll back; deletes run again. False for kinds that are not deploys or deletes.
   */
  resume(deployment: Deployment): boolean {
    if (deployment.kind !== "deploy" && deployment.kind !== "delete") return false;
    const stack = this.deps.store.stacks.existing(deployment.stackId);
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
      { slot: true },
    );
    return true;
  }
}
