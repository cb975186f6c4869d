import { z } from "zod";
import { integer, trimmedText } from "./config-units.ts";

/**
 * The variables of a fleet on more than one server (Dokploy's Swarm cluster) and of the
 * workspace backups; spread into config.ts's schema.
 */

export const fleetVariables = {
  /** Only nodes with this Swarm label (`key=value`) take stacks. */
  STACK_NODE_LABEL: trimmedText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]+=[^\s=]+$/, "expected key=value, a Swarm node label")
      .optional(),
  ),
  /** Stacks one node takes at most (0: only the memory reservations limit it). */
  MAX_STACKS_PER_NODE: integer(0, 0, 100_000),
  /** A Dokploy backup destination's id: every stack's volumes are backed up there. */
  BACKUP_DESTINATION_ID: trimmedText,
  /**
   * The Swarm node (id or hostname) where Dokploy runs its volume backups: the node Dokploy
   * itself runs on. Default: the Swarm leader. Stacks on other nodes are out of the backups' reach.
   */
  BACKUP_NODE: trimmedText,
  /** When the volume backups run (cron, Dokploy's server time). */
  BACKUP_SCHEDULE: z
    .string()
    .trim()
    .regex(/^\S+( \S+){4,5}$/, "expected a cron expression of 5 or 6 fields")
    .default("0 3 * * *"),
  /** How many backups of each volume the destination keeps. */
  BACKUP_KEEP: integer(7, 1, 1000),
};
