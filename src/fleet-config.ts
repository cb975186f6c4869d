import { z } from "zod";

/**
 * The variables of a fleet on more than one server (Dokploy's Swarm cluster) and of the
 * workspace backups; spread into config.ts's schema.
 */

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const whole = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,15}$/, "expected a whole number in decimal digits")
    .transform(Number)
    .pipe(z.number().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`))
    .default(fallback);

export const fleetVariables = {
  /** Only nodes with this Swarm label (`key=value`) take stacks. */
  STACK_NODE_LABEL: optional.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]+=[^\s=]+$/, "expected key=value, a Swarm node label")
      .optional(),
  ),
  /** Stacks one node takes at most (0: only the memory reservations limit it). */
  MAX_STACKS_PER_NODE: whole(0, 0, 100_000),
  /** A Dokploy backup destination's id: every stack's volumes are backed up there. */
  BACKUP_DESTINATION_ID: optional,
  /** When the volume backups run (cron, Dokploy's server time). */
  BACKUP_SCHEDULE: z
    .string()
    .trim()
    .regex(/^\S+( \S+){4,5}$/, "expected a cron expression of 5 or 6 fields")
    .default("0 3 * * *"),
  /** How many backups of each volume the destination keeps. */
  BACKUP_KEEP: whole(7, 1, 1000),
};
