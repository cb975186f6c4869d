// The procedure table. Lookup is case-insensitive, like the adapter's `i`-flag
// path regexes.
import { applicationProcedures } from "./application.ts";
import type { Procedure } from "./define.ts";
import { deploymentProcedures } from "./deployment.ts";
import { dockerProcedures } from "./docker.ts";
import { domainProcedures } from "./domain.ts";
import { environmentProcedures } from "./environment.ts";
import { mountProcedures } from "./mounts.ts";
import { portProcedures } from "./ports.ts";
import { projectProcedures } from "./project.ts";
import { settingsProcedures } from "./settings.ts";
import { swarmProcedures } from "./swarm.ts";
import { clusterProcedures } from "./cluster.ts";
import { volumeBackupProcedures } from "./volume-backups.ts";
import { dockerVolumeProcedures } from "./docker-volumes.ts";

export type { Procedure } from "./define.ts";

export const PROCEDURES: readonly Procedure[] = [
  ...projectProcedures,
  ...environmentProcedures,
  ...applicationProcedures,
  ...mountProcedures,
  ...portProcedures,
  ...domainProcedures,
  ...deploymentProcedures,
  ...settingsProcedures,
  ...dockerProcedures,
  ...swarmProcedures,
  ...clusterProcedures,
  ...volumeBackupProcedures,
  ...dockerVolumeProcedures,
];

const BY_LOWER_PATH = new Map(PROCEDURES.map((p) => [p.path.toLowerCase(), p]));

export function findProcedure(path: string): Procedure | undefined {
  return BY_LOWER_PATH.get(path.toLowerCase());
}
