import type { Store } from "../../store/index.ts";
import { normaliseName } from "../model/names.ts";
import { publicDeployment, publicEvent } from "../model/public-view.ts";
import { type DeploymentSnapshot, snapshotOf } from "../model/snapshot.ts";
import type { Deployment, PublicStack } from "../model/vocabulary.ts";
import type { Runner } from "../runs/runner.ts";

/** What may be read of a stack and its deployments; who may read the details is StackAccess's call. */
export class StackReads {
  constructor(
    private readonly store: Store,
    private readonly runner: Runner,
  ) {}

  /** A deployment as one document: the portal's own messages, or with `details` also Dokploy's. */
  snapshot(deployment: Deployment, details: boolean): DeploymentSnapshot {
    const events = this.store.deployments.events(deployment.id);
    const place = this.runner.positionOf(deployment.id);
    return details ? snapshotOf(deployment, events, place) : snapshotOf(publicDeployment(deployment), events.map(publicEvent), place);
  }

  /** Public status of a stack: no ids, no secrets. */
  publicStatus(rawName: string): PublicStack | null {
    const stack = this.store.stacks.latest(normaliseName(rawName));
    if (!stack) return null;
    const latest = this.store.deployments.latestFor(stack.id);
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
}
