import type { Store } from "../../store/index.ts";
import { normaliseName } from "../model/names.ts";
import { publicDeployment, publicEvent } from "../model/public-view.ts";
import { type DeploymentSnapshot, snapshotOf } from "../model/snapshot.ts";
import type { Deployment, PublicStack, Stack } from "../model/vocabulary.ts";
import type { Runner } from "../runs/runner.ts";
import { TYPICAL_SAMPLE, typicalDuration } from "./typical-duration.ts";

/**
 * What may be read of stacks and their deployments, for the routes (which never read the store
 * themselves); who may read the details is StackAccess's call.
 */
export class StackReads {
  constructor(
    private readonly store: Store,
    private readonly runner: Runner,
  ) {}

  deployment(id: string): Deployment | null {
    return this.store.deployments.byId(id);
  }

  /** The stacks, newest first, a page at a time (`more`: another page follows). */
  page(query: Parameters<Store["stacks"]["page"]>[0]) {
    return this.store.stacks.page(query);
  }

  /** The newest stack of that name, live or gone. */
  latestStack(rawName: string): Stack | null {
    return this.store.stacks.latest(normaliseName(rawName));
  }

  /** What a finished deployment's rollback did, and the scrubbed tail of Dokploy's log. */
  report(deploymentId: string) {
    return this.store.reports.get(deploymentId);
  }

  /** The sequence number of the deployment's `done` event; null while it runs. */
  doneSeq(deploymentId: string): number | null {
    return this.store.deployments.doneSeq(deploymentId);
  }

  /** "Usually about …": the median of the recent successful deploys, and how many there were. */
  typicalDeploy(): { ms: number | null; samples: number } {
    const durations = this.store.stats.recentDeployDurations(TYPICAL_SAMPLE);
    return { ms: typicalDuration(durations), samples: durations.length };
  }

  /** A deployment as one document: the portal's own messages, or with `details` also Dokploy's. */
  snapshot(deployment: Deployment, details: boolean): DeploymentSnapshot {
    const events = this.store.deployments.events(deployment.id);
    const place = this.runner.positionOf(deployment.id);
    return details ? snapshotOf(deployment, events, place) : snapshotOf(publicDeployment(deployment), events.map(publicEvent), place);
  }

  /** Public status of a stack: no ids, no secrets. */
  publicStatus(stack: Stack): PublicStack {
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
