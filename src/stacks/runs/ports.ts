import type { Config } from "../../config.ts";
import type { DokployClient } from "../../dokploy/client.ts";
import type { Logger } from "../../log.ts";
import type { Store } from "../../store/index.ts";
import type { StepId } from "../model/vocabulary.ts";
import type { ClusterView } from "../placement/nodes.ts";
import type { WaitOptions, WaitResult } from "../probe/wait-until-up.ts";
import type { EventBus } from "./event-bus.ts";

/**
 * What the domain reaches outside itself through, passed in so that tests use real parts
 * throughout. A saga takes all of `Ports`; everything else names the few it uses
 * (`Pick<Ports, "client" | "log">`, a settings group), so its needs are read off its signature.
 */

/** What a stack is made of in Dokploy: image, port, volumes, domain, registry, limits, names. */
export type StackSettings = Pick<
  Config,
  | "STACK_IMAGE"
  | "STACK_PORT"
  | "STACK_MOUNTS"
  | "STACK_PROJECT_PREFIX"
  | "STACK_VOLUME_PREFIX"
  | "STACK_DOMAIN_SUFFIX"
  | "STACK_REGISTRY_URL"
  | "STACK_REGISTRY_USERNAME"
  | "STACK_REGISTRY_PASSWORD"
  | "STACK_CERTIFICATE_TYPE"
  | "STACK_CERT_RESOLVER"
  | "STACK_MEMORY_LIMIT"
  | "STACK_MEMORY_RESERVATION"
  | "STACK_CPU_LIMIT"
  | "STACK_CPU_RESERVATION"
  | "RESERVED_NAMES"
  | "STACK_SSO"
>;

/** How long and how often a run waits for Dokploy and for the stack to answer. */
export type WaitSettings = Pick<
  Config,
  "DEPLOY_TIMEOUT" | "HEALTH_TIMEOUT" | "POLL_INTERVAL" | "PROBE_INTERVAL" | "PROBE_ATTEMPT_TIMEOUT" | "STACK_PROBE_URLS"
>;

/** Which Swarm nodes take stacks, and how many. */
export type PlacementSettings = Pick<Config, "STACK_NODE_LABEL" | "MAX_STACKS_PER_NODE" | "STACK_MEMORY_RESERVATION">;

/** Dokploy volume backups of the stacks' workspaces. */
export type BackupSettings = Pick<Config, "BACKUP_DESTINATION_ID" | "BACKUP_SCHEDULE" | "BACKUP_KEEP" | "BACKUP_NODE">;

export interface Ports {
  /** Dokploy's API, the only way the domain changes anything outside the portal. */
  client: DokployClient;
  store: Store;
  events: EventBus;
  log: Logger;
  config: StackSettings & WaitSettings & PlacementSettings & BackupSettings;
  /** Dokploy's Swarm nodes, where the portal knows them (placement/nodes.ts). */
  cluster?: ClusterView;
  waitUntilUp: (opts: WaitOptions) => Promise<WaitResult>;
  /** Attempts and first delay for compensations; Dokploy blips should not leave leftovers. */
  cleanup: { attempts: number; baseDelayMs: number };
  onStep?: (kind: string, step: StepId, state: "succeeded" | "failed", durationMs: number) => void;
  /** application.delete found a build still running: its service will outlive the application. */
  onBuildOutlivedDelete?: (appName: string) => void;
}
