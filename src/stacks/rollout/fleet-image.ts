import type { Ports } from "../runs/ports.ts";
import type { Rollout } from "./rollout-model.ts";

/**
 * The fleet's one current image: the last finished rollout's, else STACK_IMAGE. A new stack, a
 * warm pool stack and an owner's upgrade get it, so an upgrade never undoes a rollout. Images of
 * rollouts begun after that one (running, paused or cancelled) are newer than it: a stack a
 * rollout already moved there is not taken back by its owner's upgrade.
 */
export interface FleetImage {
  current: string;
  newer: string[];
}

/** From the last finished rollout and every one begun after it, newest first (RolloutRepo.sinceLastFinished). */
export function fleetImage(sinceLastFinished: Pick<Rollout, "image" | "status">[], stackImage: string): FleetImage {
  const finished = sinceLastFinished.find((r) => r.status === "finished");
  const current = finished?.image ?? stackImage;
  const newer = sinceLastFinished.filter((r) => r !== finished && r.image !== current).map((r) => r.image);
  return { current, newer: [...new Set(newer)] };
}

export const currentFleetImage = (deps: { store: Pick<Ports["store"], "rollouts">; config: Pick<Ports["config"], "STACK_IMAGE"> }): FleetImage =>
  fleetImage(deps.store.rollouts.sinceLastFinished(), deps.config.STACK_IMAGE);

/** Where an owner's upgrade takes a stack running `image`: the current image, or null when it is on it or on a newer one. */
export function upgradeTarget(fleet: FleetImage, image: string | null): string | null {
  return image === fleet.current || (image !== null && fleet.newer.includes(image)) ? null : fleet.current;
}
