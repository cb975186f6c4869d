import { z } from "zod";

/**
 * What the page may tell about a finished deployment beyond its status: what the rollback
 * removed, what it kept on purpose (the data volume) and what it could not remove. Kinds and
 * volume names only: Dokploy ids stay with the administrator.
 */
export const cleanupReport = z.object({
  removed: z.array(z.enum(["application", "domain", "project"])),
  kept: z.array(z.object({ kind: z.literal("volume"), name: z.string() })),
  left: z.array(z.enum(["application", "project"])),
});
export type CleanupReport = z.infer<typeof cleanupReport>;

/** The last lines of Dokploy's deploy log that the owner of a failed deploy may read. */
export const LOG_TAIL_LINES = 20;
