import type { Config } from "../../config.ts";
import { volumeName } from "../owners/volume-generations.ts";
import type { Stack } from "./vocabulary.ts";

/** The Dokploy resources one stack consists of, derived from its name. Pure. */
export interface StackPlan {
  name: string;
  projectName: string;
  /** What we ask for; Dokploy appends a random `-xxxxxx`, so the real appName is stored. */
  appNameRequest: string;
  host: string;
  url: string;
  port: number;
  volumes: { key: string; volumeName: string; mountPath: string }[];
}

export type PlanConfig = Pick<Config, "STACK_PROJECT_PREFIX" | "STACK_VOLUME_PREFIX" | "STACK_DOMAIN_SUFFIX" | "STACK_PORT" | "STACK_MOUNTS">;

/** Whose volumes a stack mounts (owners/volume-generations.ts): generation 0 of its own name is the plain naming. */
export type StackNaming = Pick<Stack, "name" | "volumeGeneration"> & Partial<Pick<Stack, "volumeName">>;

export function planStack(stack: StackNaming, config: PlanConfig): StackPlan {
  const { name, volumeGeneration } = stack;
  const host = `${name}.${config.STACK_DOMAIN_SUFFIX}`;
  return {
    name,
    projectName: `${config.STACK_PROJECT_PREFIX}${name}`,
    appNameRequest: `${config.STACK_PROJECT_PREFIX}${name}`,
    host,
    url: `https://${host}`,
    port: config.STACK_PORT,
    volumes: config.STACK_MOUNTS.map((m) => ({
      key: m.key,
      volumeName: volumeName(config.STACK_VOLUME_PREFIX, m.key, stack.volumeName ?? name, volumeGeneration),
      mountPath: m.mountPath,
    })),
  };
}

/** The stack name a Dokploy project of the portal's naming belongs to, or null. */
export function stackNameOfProject(projectName: string, prefix: string): string | null {
  return projectName.startsWith(prefix) ? projectName.slice(prefix.length) : null;
}

export function stackUrl(name: string, suffix: string): string {
  return `https://${name}.${suffix}`;
}
