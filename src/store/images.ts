import type { Database } from "bun:sqlite";

/**
 * Which image each stack runs as the portal last set it, and which image an operation
 * deploys. `pending`: saved in Dokploy while the stack was stopped; its next start deploys it.
 */
export interface StackImage {
  image: string;
  pending: boolean;
}

export class ImageRepo {
  constructor(private readonly db: Database) {}

  of(stackId: number): StackImage | null {
    const row = this.db.query("SELECT image, pending FROM stack_images WHERE stack_id = ?").get(stackId) as { image: string; pending: number } | null;
    return row ? { image: row.image, pending: row.pending === 1 } : null;
  }

  /** Every recorded image by stack id. */
  all(): Map<number, StackImage> {
    const rows = this.db.query("SELECT stack_id, image, pending FROM stack_images").all() as { stack_id: number; image: string; pending: number }[];
    return new Map(rows.map((r) => [r.stack_id, { image: r.image, pending: r.pending === 1 }]));
  }

  set(stackId: number, image: string, pending: boolean, now: string): void {
    this.db
      .query(
        `INSERT INTO stack_images (stack_id, image, pending, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (stack_id) DO UPDATE SET image = ?2, pending = ?3, updated_at = ?4`,
      )
      .run(stackId, image, pending ? 1 : 0, now);
  }

  /** The image a redeploy applies, recorded with the deployment (a restarted portal reads it back). */
  setForDeployment(deploymentId: string, image: string): void {
    this.db.query("INSERT OR REPLACE INTO deployment_images (deployment_id, image) VALUES (?, ?)").run(deploymentId, image);
  }

  forDeployment(deploymentId: string): string | null {
    return (
      (this.db.query("SELECT image FROM deployment_images WHERE deployment_id = ?").get(deploymentId) as { image: string } | null)?.image ?? null
    );
  }
}
