import type { Logger } from "../../log.ts";
import type { Deployment, PublicStack, Stack } from "../model/vocabulary.ts";
import type { AvailabilityIndex } from "./availability.ts";
import { deleteStack } from "./delete-saga.ts";
import { provision } from "./deploy-saga.ts";
import { type AbortReason, type SagaDeps, now, toDeploymentError } from "../runs/saga.ts";
import { hashToken, newManagementToken, newStackPassword, secretEquals, tokenMatches } from "../owners/secrets.ts";
import { IdempotencyGuard } from "./idempotency.ts";
import { normaliseName } from "../model/names.ts";
import { volumeGenerationFor } from "../owners/volume-generations.ts";
import type { DeploySlots } from "../runs/deploy-slots.ts";
import { QueueBoard } from "../runs/queue-board.ts";
import { snapshotOf, type DeploymentSnapshot } from "../model/snapshot.ts";
import { publicDeployment, publicEvent } from "../model/public-view.ts";
import { type Person, ownerOf, sameOwner } from "../owners/person.ts";
import { Ownership } from "../owners/ownership.ts";
import { type ClusterNode, chooseNode, roomOf } from "../placement/nodes.ts";

/**
 * The stacks use cases behind the HTTP API: deploy, delete, status, and crash recovery.
 * Results are plain values with stable codes; the HTTP layer maps them to statuses.
 */

export type Problem = { ok: false; code: string; message: string };
export type Result<T> = ({ ok: true } & T) | Problem;

export type Actor = "anonymous" | "management" | "admin" | "system" | "owner" | "person";

export interface RequestContext {
  bearer?: string;
  /** The signed-in person (AUTH_MODE=oidc), if any. */
  person?: Person;
  /** The client's address, for the audit log. */
  client?: string;
  /** A repeated deploy with the same key returns the same deployment. */
  idempotencyKey?: string;
}

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

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export interface StackServiceOptions {
  adminToken?: string;
  /** Live stacks at most; 0 means no limit. */
  maxStacks: number;
  slots: DeploySlots;
  /** AUTH_MODE=oidc: deploying needs a signed-in person, who becomes the stack's owner. */
  requireSignIn?: boolean;
  /** Live stacks a person may own at once; 0 means no limit. */
  maxStacksPerUser?: number;
  /** Called when a deployment ends, with "succeeded" or its error code. */
  onFinished?: (kind: string, outcome: string) => void;
  /** Called when a deploy is refused for want of room: "no_capacity" (no node has room) or "capacity_reached" (MAX_STACKS). */
  onRefused?: (reason: "no_capacity" | "capacity_reached") => void;
}

const fail = (code: string, message: string): Problem => ({ ok: false, code, message });

export class StackService {
  private readonly running = new Map<string, Running>();
  private readonly idempotency: IdempotencyGuard;
  /** Where each deploy waiting for a slot is in the line. */
  private readonly queue: QueueBoard;
  /** Who owns which stack (AUTH_MODE=oidc): claims, "Your stacks", the per-person limit. */
  readonly ownership: Ownership;

  constructor(
    private readonly deps: SagaDeps,
    private readonly availability: AvailabilityIndex,
    private readonly opts: StackServiceOptions,
  ) {
    this.idempotency = new IdempotencyGuard(deps.store.idempotency, (deploymentId) => {
      const deployment = deps.store.deployments.byId(deploymentId);
      const status = deployment ? deps.store.stacks.byId(deployment.stackId)?.status : undefined;
      return status === undefined || status === "deleting" || status === "deleted";
    });
    this.ownership = new Ownership(deps.store, opts.maxStacksPerUser ?? 0);
    this.queue = new QueueBoard(deps.events);
  }

  private get log(): Logger {
    return this.deps.log;
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
      this.opts.requireSignIn && !ctx.person
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
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, "Dokploy's node list could not be read");
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
    this.log.info({ deploymentId, stack: check.name }, "deploy accepted");
    this.track(deploymentId, "deploy", (signal) =>
      this.inSlot(deploymentId, signal, () => provision(this.deps, { deployment: created.deployment, stack: created.stack, password, signal })),
    );
    return {
      ok: true,
      deploymentId,
      name: check.name,
      url: check.url,
      ...(this.opts.requireSignIn ? {} : { managementToken }),
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
    const rooms = roomOf(nodes, this.deps.store.placements.liveCounts(), this.deps.config).map((r) => ({
      node: r.node.hostname,
      health: r.node.health,
      stacks: r.stacks,
      freeBytes: r.freeBytes,
      freeStacks: r.freeStacks,
    }));
    this.log.error({ stack: name, nodes: rooms }, "deploy refused: no server has room for another stack");
    this.opts.onRefused?.("no_capacity");
    return fail("no_capacity", "The platform is full: no server has room for another stack. An administrator has been told; please try again later");
  }

  /**
   * Who may manage this stack: a signed-in admin or the signed-in owner, else whoever the
   * bearer token speaks for (the admin token or the stack's management token).
   */
  authorize(stack: Stack, ctx: RequestContext): Actor | Problem {
    const { bearer, person } = ctx;
    if (person?.admin) return "admin";
    if (person && stack.owner && sameOwner(stack.owner, person)) return "owner";
    if (!bearer) {
      if (person) return fail("forbidden", "This stack belongs to someone else");
      return fail(
        "unauthorized",
        this.opts.requireSignIn
          ? "Sign in as the stack's owner, or send its management token (Authorization: Bearer <token>)"
          : "This needs the stack's management token (Authorization: Bearer <token>)",
      );
    }
    if (this.opts.adminToken && secretEquals(bearer, this.opts.adminToken)) return "admin";
    const hash = this.deps.store.stacks.tokenHash(stack.id);
    if (hash && tokenMatches(bearer, hash)) return "management";
    return fail("forbidden", "That token does not manage this stack");
  }

  /**
   * "Does this request manage this live stack?", answered without changing anything, so the
   * page can check a delete before asking to confirm it. Without credentials it says only
   * that they are needed (not whether the name exists).
   */
  access(rawName: string, ctx: RequestContext): Result<{ name: string; status: string; url: string; actor: Actor; readyAt: string | null }> {
    if (ctx.bearer === undefined && ctx.person === undefined)
      return fail("unauthorized", "This needs the stack's management token (Authorization: Bearer <token>)");
    const stack = this.deps.store.stacks.live(normaliseName(rawName));
    if (!stack) return fail("not_found", "There is no stack with that name");
    const actor = this.authorize(stack, ctx);
    if (typeof actor !== "string") return actor;
    return { ok: true, name: stack.name, status: stack.status, url: stack.url, actor, readyAt: stack.readyAt };
  }

  /** Whether the request may read what only the stack's owner (or an admin) may read. */
  mayRead(stackId: number, ctx: RequestContext): Result<object> {
    const stack = this.deps.store.stacks.byId(stackId);
    if (!stack) return fail("not_found", "No such stack");
    const actor = this.authorize(stack, ctx);
    return typeof actor === "string" ? { ok: true } : actor;
  }

  /**
   * Who may read a deployment (its snapshot, events and report): anyone in open mode, with
   * the details for the stack's owner and admins; with sign-in only who may manage the stack.
   * Credentials that come along must be right: a wrong token is refused here as everywhere,
   * so that it cannot be guessed here more cheaply than elsewhere.
   */
  deploymentAccess(deployment: Deployment, ctx: RequestContext): Result<{ details: boolean }> {
    if (!this.opts.requireSignIn && ctx.bearer === undefined && ctx.person === undefined) return { ok: true, details: false };
    const stack = this.deps.store.stacks.byId(deployment.stackId);
    const actor = stack ? this.authorize(stack, ctx) : fail("forbidden", "That token does not manage this stack");
    return typeof actor === "string" ? { ok: true, details: true } : actor;
  }

  /** `finalBackup: false`: the owner does not want the volumes backed up before the delete. */
  async remove(rawName: string, ctx: RequestContext = {}, opts: { finalBackup?: boolean } = {}): Promise<Result<DeleteAccepted>> {
    const result = await this.startDelete(rawName, ctx, opts.finalBackup ?? true);
    this.audit("delete", normaliseName(rawName), ctx, result, result.ok ? result.actor : ctx.person ? "person" : "anonymous");
    return result;
  }

  /** Every deploy and delete request, accepted or not, goes to the audit log. */
  private audit(action: string, name: string, ctx: RequestContext, result: Result<{ deploymentId: string }>, actor: Actor): void {
    this.deps.store.audit.record({
      at: now(),
      action,
      // The name as asked for, cut short: it is user input.
      stackName: name.slice(0, 64),
      deploymentId: result.ok ? result.deploymentId : null,
      client: ctx.client ?? null,
      actor,
      outcome: result.ok ? "accepted" : result.code,
      detail: null,
      person: ctx.person ? ownerOf(ctx.person) : null,
    });
  }

  private async startDelete(rawName: string, ctx: RequestContext, finalBackup: boolean): Promise<Result<DeleteAccepted>> {
    const name = normaliseName(rawName);
    const stack = this.deps.store.stacks.live(name);
    if (!stack) return fail("not_found", `There is no stack named "${name}"`);
    const actor = this.authorize(stack, ctx);
    if (typeof actor !== "string") return actor;
    // A delete already under way is the answer to a repeated delete.
    const current = this.deps.store.deployments.runningFor(stack.id);
    if (current?.kind === "delete") return { ok: true, deploymentId: current.id, name, actor };
    const deploymentId = crypto.randomUUID();
    const deployment = this.deps.store.transaction(() => {
      this.deps.store.stacks.setStatus(stack.id, "deleting", now());
      return this.deps.store.deployments.insert(deploymentId, stack.id, "delete", now());
    });
    this.log.info({ deploymentId, stack: name, actor }, "delete accepted");
    this.track(deploymentId, "delete", () =>
      deleteStack(this.deps, { deployment, stack, cancelDeploy: () => this.cancel(current?.id), finalBackup }),
    );
    return { ok: true, deploymentId, name, actor };
  }

  /** A deployment as one document: the portal's own messages, or with `details` also Dokploy's. */
  snapshot(deployment: Deployment, details: boolean): DeploymentSnapshot {
    const events = this.deps.store.deployments.events(deployment.id);
    const place = this.queue.positionOf(deployment.id);
    return details ? snapshotOf(deployment, events, place) : snapshotOf(publicDeployment(deployment), events.map(publicEvent), place);
  }

  /** Public status of a stack: no ids, no secrets. */
  publicStatus(rawName: string): PublicStack | null {
    const name = normaliseName(rawName);
    const stack = this.deps.store.stacks.latest(name);
    if (!stack) return null;
    const latest = this.deps.store.deployments.latestFor(stack.id);
    return {
      name: stack.name,
      url: stack.url,
      status: stack.status,
      createdAt: stack.createdAt,
      readyAt: stack.readyAt,
      deletedAt: stack.deletedAt,
      deploymentId: latest?.id ?? null,
    };
  }

  /**
   * After a restart: every deployment still marked running is finished. Deploys whose
   * resources all exist resume waiting; earlier ones roll back; deletes run again.
   */
  recover(): number {
    // The owner's operations recover in operations/service.ts.
    const interrupted = this.deps.store.deployments.running().filter((d) => d.kind === "deploy" || d.kind === "delete");
    for (const deployment of interrupted) {
      const stack = this.deps.store.stacks.existing(deployment.stackId);
      this.deps.events.emit(deployment.id, {
        type: "status",
        data: { status: "recovering", at: now(), message: "The portal restarted; picking this up again" },
      });
      this.log.warn({ deploymentId: deployment.id, stack: stack.name, step: deployment.step, kind: deployment.kind }, "recovering deployment");
      if (deployment.kind === "delete") {
        this.track(deployment.id, "delete", () => deleteStack(this.deps, { deployment, stack, cancelDeploy: async () => false }));
        continue;
      }
      const resumable = (deployment.step === "wait_running" || deployment.step === "wait_healthy") && stack.applicationId;
      this.track(deployment.id, "deploy", (signal) =>
        this.inSlot(deployment.id, signal, () =>
          provision(this.deps, {
            deployment,
            stack,
            signal,
            resumeFrom: resumable ? (deployment.step as "wait_running" | "wait_healthy") : undefined,
            interrupted: !resumable,
          }),
        ),
      );
    }
    return interrupted.length;
  }

  /**
   * Runs an owner's operation like a deploy: tracked, so that a delete cancels it, and in a
   * deploy slot when it makes Dokploy build.
   */
  runOperation(deploymentId: string, kind: string, saga: (signal: AbortSignal) => Promise<void>, opts: { slot: boolean }): void {
    this.track(deploymentId, kind, (signal) => (opts.slot ? this.inSlot(deploymentId, signal, () => saga(signal)) : saga(signal)));
  }

  /** Stops a running deploy (its rollback runs) and waits for it. False if none ran. */
  private async cancel(deploymentId: string | undefined): Promise<boolean> {
    const run = deploymentId ? this.running.get(deploymentId) : undefined;
    if (!run) return false;
    run.controller.abort("cancelled" satisfies AbortReason);
    await run.done;
    return true;
  }

  /** Runs a deploy once the portal's queue gives it a slot, telling the watchers its place. */
  private async inSlot(deploymentId: string, signal: AbortSignal, run: () => Promise<void>): Promise<void> {
    const place = this.queue.enter(deploymentId);
    const release = await this.opts.slots
      .acquire(place.onPosition, signal)
      .catch(() => null)
      .finally(place.done);
    if (!release) return this.endUnstarted(deploymentId, signal);
    try {
      await run();
    } finally {
      release();
    }
  }

  /** A deploy cancelled while still in the portal's queue: nothing was created. */
  private endUnstarted(deploymentId: string, signal: AbortSignal): void {
    const error = toDeploymentError(undefined, signal);
    const deployment = this.deps.store.deployments.byId(deploymentId);
    if (!deployment) return;
    this.deps.store.transaction(() => {
      if (this.deps.store.stacks.byId(deployment.stackId)?.status === "deploying")
        this.deps.store.stacks.setStatus(deployment.stackId, "failed", now());
      this.deps.store.deployments.finish(deploymentId, "failed", error, now());
    });
    this.deps.events.emit(deploymentId, { type: "done", data: { status: "failed", at: now(), error } });
  }

  private track(deploymentId: string, kind: string, saga: (signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    const done = saga(controller.signal)
      .catch((err) => this.log.error({ deploymentId, err: err instanceof Error ? err.message : String(err) }, "saga crashed"))
      .finally(() => {
        this.running.delete(deploymentId);
        const d = this.deps.store.deployments.byId(deploymentId);
        if (d) this.opts.onFinished?.(kind, d.status === "succeeded" ? "succeeded" : (d.error?.code ?? d.status));
        const stack = d ? this.deps.store.stacks.byId(d.stackId) : null;
        if (stack && stack.status !== "ready" && stack.status !== "deploying") this.availability.forget(stack.name);
      });
    this.running.set(deploymentId, { controller, done });
  }

  /** Waits for every running saga (tests, graceful stop). */
  async settle(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}

export function messageFor(code: string, name: string): string {
  switch (code) {
    case "too_short":
      return "The name needs at least 3 characters";
    case "too_long":
      return "The name can have at most 32 characters";
    case "invalid_characters":
      return "Use only lowercase letters a-z, digits and hyphens";
    case "must_start_with_letter":
      return "The name must start with a letter";
    case "invalid_end":
      return "The name must end with a letter or a digit";
    case "consecutive_hyphens":
      return "The name cannot contain two hyphens in a row";
    case "reserved":
      return `"${name}" is reserved`;
    case "taken":
      return `"${name}" is already taken`;
    case "capacity_reached":
      return "The portal is at its stack limit";
    case "recently_deleted":
      return `"${name}" was deleted recently and is held for its previous owner`;
    default:
      return code;
  }
}
