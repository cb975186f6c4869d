import type { Store } from "../../store/index.ts";
import { normaliseName } from "../model/names.ts";
import { type Result, fail } from "../model/result.ts";
import type { StackOperations } from "../operations/operation-service.ts";
import type { RequestContext } from "../owners/access.ts";
import { recordAudit } from "../owners/audit-trail.ts";
import { type Fleet, MOVE_WARNING } from "./fleet.ts";

/**
 * An admin's move of a stack to another node: pinned there, then redeployed so that Swarm
 * starts it on the new node. Its workspace stays behind, so the admin must say they know.
 * If the redeploy cannot start (another operation runs), the pin goes back.
 */

export interface MoveAccepted {
  name: string;
  from: string | null;
  to: string;
  deploymentId: string;
  warning: string;
}

type MoveDeps = { fleet: Fleet; operations: StackOperations; store: Store };
type MoveRequest = { node: string; acknowledgeDataLoss?: boolean };
export type MoveStack = (rawName: string, request: MoveRequest, ctx: RequestContext) => Promise<Result<MoveAccepted>>;

/** The move workflow, bound to the fleet, the operations and the store it needs. */
export const stackMover =
  (deps: MoveDeps): MoveStack =>
  (rawName, request, ctx) =>
    moveStack(deps, rawName, request, ctx);

async function moveStack(deps: MoveDeps, rawName: string, request: MoveRequest, ctx: RequestContext): Promise<Result<MoveAccepted>> {
  const stack = deps.store.stacks.live(normaliseName(rawName));
  if (!stack) return fail("not_found", "There is no stack with that name");
  if (stack.status !== "ready") return fail("stack_not_ready", "Only a ready stack can be moved");
  if (request.acknowledgeDataLoss !== true) return fail("confirmation_required", `${MOVE_WARNING} Send acknowledgeDataLoss: true to move it.`);
  let moved: Awaited<ReturnType<Fleet["move"]>>;
  try {
    moved = await deps.fleet.move(stack, request.node);
  } catch {
    return fail("dokploy_unavailable", "Dokploy's node list could not be read");
  }
  if (!moved.ok) return moved;
  const result = await deps.operations.request("redeploy", stack.name, ctx);
  if (!result.ok) {
    if (moved.from) deps.store.placements.set(stack.id, moved.from.nodeId, moved.from.hostname, moved.from.pinnedAt);
    return result;
  }
  const from = moved.from?.hostname ?? null;
  recordAudit(deps.store.audit, {
    action: "move",
    stackName: stack.name,
    deploymentId: result.deploymentId,
    actor: "admin",
    outcome: "accepted",
    detail: { from, to: moved.to.hostname },
    ctx: { client: ctx.client },
  });
  // A redeploy always starts one (only stop and start can have nothing to do).
  return { ok: true, name: stack.name, from, to: moved.to.hostname, deploymentId: result.deploymentId as string, warning: MOVE_WARNING };
}
