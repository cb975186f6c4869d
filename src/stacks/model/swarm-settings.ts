import type { ApplicationSettings } from "../../dokploy/schemas.ts";
import type { Config } from "../../config.ts";
import type { SwarmHealthCheck, SwarmUpdateConfig } from "../../dokploy/client.ts";
import { placementFor } from "../placement/nodes.ts";

/**
 * The Swarm settings the portal puts on every stack's application, at create and at each
 * redeploy (so stacks created before a change catch up).
 *
 * Dokploy's default update order is start-first: during a redeploy the new OpenCode starts
 * while the old one still runs, two processes on one data volume. Stop-first stops the old
 * task before the new one starts; a failed update rolls back.
 */
export const STACK_UPDATE_CONFIG = { Parallelism: 1, Order: "stop-first", FailureAction: "rollback" } as const satisfies SwarmUpdateConfig;

/**
 * The image's own HEALTHCHECK switched off for the service. Swarm keeps a task out of its DNS,
 * and so out of Traefik's reach, until the first check passes, which the image runs after its
 * 30 s interval: a stack that listens in 2 to 3 s was ready after 33 to 36 s on a real Swarm.
 * Engine 25's start interval would check often only while starting, but Debian's Engine 20.10
 * cannot build or run it, and a short interval kept for the container's life costs about a
 * fifth of a core per idle stack there. The portal's own probe decides readiness instead, and
 * Swarm still restarts a container whose OpenCode exits.
 */
export const STACK_HEALTH_CHECK = { Test: ["NONE"] } as const satisfies SwarmHealthCheck;

export type SpecConfig = Pick<Config, "STACK_MEMORY_LIMIT" | "STACK_MEMORY_RESERVATION" | "STACK_CPU_LIMIT" | "STACK_CPU_RESERVATION">;
type RegistryConfig = Pick<Config, "STACK_REGISTRY_URL" | "STACK_REGISTRY_USERNAME" | "STACK_REGISTRY_PASSWORD">;

/** The body of saveDockerProvider: the image, and registry credentials only as a pair. */
export function dockerProvider(applicationId: string, image: string, config: RegistryConfig) {
  const registry = config.STACK_REGISTRY_USERNAME
    ? { username: config.STACK_REGISTRY_USERNAME, password: config.STACK_REGISTRY_PASSWORD ?? null, registryUrl: config.STACK_REGISTRY_URL ?? null }
    : { username: null, password: null, registryUrl: config.STACK_REGISTRY_URL ?? null };
  return { applicationId, dockerImage: image, ...registry };
}

/** Dokploy's resource columns: strings of bytes and nano-CPUs, null for "no limit". */
export interface StackResourceSettings {
  memoryLimit: string | null;
  memoryReservation: string | null;
  cpuLimit: string | null;
  cpuReservation: string | null;
}

export function resourceSettings(config: SpecConfig): StackResourceSettings {
  const text = (n: number | null) => (n === null ? null : String(n));
  return {
    memoryLimit: text(config.STACK_MEMORY_LIMIT),
    memoryReservation: text(config.STACK_MEMORY_RESERVATION),
    cpuLimit: text(config.STACK_CPU_LIMIT),
    cpuReservation: text(config.STACK_CPU_RESERVATION),
  };
}

/**
 * The body of the application.update that applies the portal's settings; with the stack's
 * node, the pin that keeps it there (placement/nodes.ts). Without one Dokploy's value is left alone.
 */
export function applicationSettings(applicationId: string, config: SpecConfig, nodeId?: string | null) {
  const placementSwarm = placementFor(nodeId);
  return {
    applicationId,
    updateConfigSwarm: { ...STACK_UPDATE_CONFIG },
    healthCheckSwarm: { Test: [...STACK_HEALTH_CHECK.Test] },
    ...resourceSettings(config),
    ...(placementSwarm ? { placementSwarm } : {}),
  };
}

/**
 * Whether Dokploy's application differs from these settings: only then does a redeploy send
 * them (a rollout's redeploy changes the image alone, and each call waits in the bulkhead).
 * Only what the portal sets is compared; a pin is compared when one is sent.
 */
export function settingsDiffer(app: ApplicationSettings, wanted: ReturnType<typeof applicationSettings>): boolean {
  const resources = (["memoryLimit", "memoryReservation", "cpuLimit", "cpuReservation"] as const).some((k) => (app[k] ?? null) !== wanted[k]);
  const update = app.updateConfigSwarm ?? {};
  const order = Object.entries(wanted.updateConfigSwarm).some(([k, v]) => (update as Record<string, unknown>)[k] !== v);
  const health = JSON.stringify(app.healthCheckSwarm?.Test ?? null) !== JSON.stringify(wanted.healthCheckSwarm.Test);
  const pin =
    wanted.placementSwarm !== undefined &&
    JSON.stringify(app.placementSwarm?.Constraints ?? []) !== JSON.stringify(wanted.placementSwarm.Constraints);
  return resources || order || health || pin;
}
